import { type ReactNode, useState } from 'react'
import { useHistory } from '../chronicle'
import { Empty, ErrorNotice, Loading } from '../ui/Status'
import { EventItem } from './EventItem'

interface Props {
  entityId: string
  /** The entity as of an event (e.g. via `albumAt(id, event:)`). */
  renderSnapshot: (eventId: string) => ReactNode
}

/** The entity's history, newest first and live; any version can be opened. */
export function HistoryPanel({ entityId, renderSnapshot }: Props) {
  const { events, totalCount, error, refetch, loadMore } = useHistory(entityId)
  const [open, setOpen] = useState<string | null>(null)
  return (
    <aside className="history" aria-label="History">
      <h3>History {events && <span className="muted">({totalCount} changes)</span>}</h3>
      {error && <ErrorNotice error={error} retry={refetch} />}
      {events === undefined ? (
        !error && <Loading what="history" />
      ) : events.length === 0 ? (
        <Empty>No changes recorded.</Empty>
      ) : (
        <ol className="events">
          {events.map((event) => (
            <EventItem key={event.id} event={event}>
              <button type="button" className="link" onClick={() => setOpen(open === event.id ? null : event.id)}>
                {open === event.id ? 'Hide this version' : 'View as of this change'}
              </button>
              {open === event.id && renderSnapshot(event.id)}
            </EventItem>
          ))}
        </ol>
      )}
      {loadMore && (
        <button type="button" onClick={loadMore}>
          Older changes
        </button>
      )}
    </aside>
  )
}
