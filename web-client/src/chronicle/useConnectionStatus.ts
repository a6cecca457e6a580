import { useSyncExternalStore } from 'react'
import type { ConnectionStatus } from './client'
import { useChronicle } from './context'

/** The live connection's status, re-rendering when it changes. */
export function useConnectionStatus(): ConnectionStatus {
  const client = useChronicle()
  return useSyncExternalStore(
    (listener) => client.onStatus(listener),
    () => client.status,
  )
}
