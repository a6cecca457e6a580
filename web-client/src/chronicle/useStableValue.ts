import { useMemo } from 'react'

/** The same object for as long as `value` serializes the same (for variables written inline). */
export function useStableValue<T>(value: T): T {
  const key = JSON.stringify(value) ?? ''
  // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` stands for `value`
  return useMemo(() => value, [key])
}
