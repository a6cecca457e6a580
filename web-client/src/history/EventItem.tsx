import type { ReactNode } from 'react'
import type { ChronicleEvent } from '../chronicle'
import { href } from '../router'
import { formatTime } from '../ui/time'

const MAX_VALUE = 80

function showValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : value === null ? 'null' : JSON.stringify(value)
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…"` : text
}

function entityLink(event: ChronicleEvent): ReactNode {
  const label = `${event.collection} ${event.entityId.slice(-6)}`
  if (event.collection === 'album') return <a href={href({ page: 'album', id: event.entityId })}>{label}</a>
  if (event.collection === 'artist') return <a href={href({ page: 'artist', id: event.entityId })}>{label}</a>
  return label
}

interface Props {
  event: ChronicleEvent
  /** Name the entity (in the audit view, where events are of many). */
  showEntity?: boolean
  children?: ReactNode
}

/** Who changed what and when. */
export function EventItem({ event, showEntity = false, children }: Props) {
  return (
    <li className="event" data-event-id={event.id} data-user={event.userId}>
      <div className="event-head">
        <span className={`kind kind-${event.kind.toLowerCase()}`}>{event.kind.toLowerCase()}</span>
        {showEntity && entityLink(event)}
        <span>
          by <a href={href({ page: 'audit', userId: event.userId })}>{event.userId}</a>
        </span>
        <time dateTime={event.at}>{formatTime(event.at)}</time>
      </div>
      {event.changes.length > 0 && (
        <ul className="changes">
          {event.changes.map((change) => (
            <li key={change.field}>
              <code>{change.field}</code> → {showValue(change.value)}
            </li>
          ))}
        </ul>
      )}
      {children}
    </li>
  )
}
