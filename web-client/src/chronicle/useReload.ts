import { useCallback, useEffect, useState } from 'react'
import { useChronicle } from './context'

/**
 * A counter that loading effects depend on: `reload()` bumps it, and so does
 * the live connection coming back (whatever was missed meanwhile is refetched).
 */
export function useReload(enabled = true): [number, () => void] {
  const client = useChronicle()
  const [count, setCount] = useState(0)
  const reload = useCallback(() => setCount((n) => n + 1), [])
  useEffect(() => (enabled ? client.onReconnect(reload) : undefined), [client, reload, enabled])
  return [count, reload]
}

/** How long after the live connection is up to load once more (see useSettleReload). */
const SETTLE_DELAY = 300

/**
 * Loads once more shortly after the live connection is up. A subscription
 * registers on the server a little after the first page was read (the socket
 * may not even be open yet) and has no point to resume from, so a change
 * committed in between would otherwise be missed.
 */
export function useSettleReload(enabled: boolean, key: unknown, reload: () => void): void {
  // `key` (compared with Object.is) names what is loaded: a new one settles again.
  const client = useChronicle()
  useEffect(() => {
    if (!enabled) return
    let timer: ReturnType<typeof setTimeout> | undefined
    const arm = () => {
      if (client.status === 'connected' && timer === undefined) timer = setTimeout(reload, SETTLE_DELAY)
    }
    const off = client.onStatus(arm)
    arm()
    return () => {
      off()
      clearTimeout(timer)
    }
  }, [client, enabled, key, reload])
}
