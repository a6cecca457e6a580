import { useSyncExternalStore } from 'react'
import { type ConnectionStatus, useConnectionStatus } from '../chronicle'

function subscribeOnline(listener: () => void): () => void {
  window.addEventListener('online', listener)
  window.addEventListener('offline', listener)
  return () => {
    window.removeEventListener('online', listener)
    window.removeEventListener('offline', listener)
  }
}

const LABELS: Record<ConnectionStatus, string> = {
  idle: 'Idle',
  connecting: 'Connecting…',
  connected: 'Live',
  reconnecting: 'Connection lost — reconnecting…',
  unauthorized: 'Signed out',
}

/** A small badge with the live connection's state; data-status lets tests wait for it. */
export function ConnectionBadge() {
  const status = useConnectionStatus()
  const online = useSyncExternalStore(subscribeOnline, () => navigator.onLine)
  const label = online ? LABELS[status] : 'Offline — waiting for the network…'
  return (
    <span className={`connection connection-${online ? status : 'offline'}`} data-status={status} role="status">
      {label}
    </span>
  )
}
