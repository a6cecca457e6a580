import { type FormEvent, useState } from 'react'
import { useAudit } from '../chronicle'
import { EventItem } from '../history/EventItem'
import { navigate } from '../router'
import { Empty, ErrorNotice, Loading } from '../ui/Status'

/** Everything one user changed, newest first, live. */
export function AuditPage({ userId }: { userId: string }) {
  const { events, totalCount, error, refetch, loadMore } = useAudit(userId)
  const [other, setOther] = useState(userId)

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (other.trim()) navigate({ page: 'audit', userId: other.trim() })
  }

  return (
    <section className="page">
      <h2>Audit: {userId}</h2>
      <form className="inline-form" onSubmit={submit} aria-label="Choose user">
        <input aria-label="User id" value={other} onChange={(e) => setOther(e.target.value)} />
        <button type="submit">Show</button>
      </form>
      {error && <ErrorNotice error={error} retry={refetch} />}
      {events === undefined ? (
        !error && <Loading what="the audit log" />
      ) : events.length === 0 ? (
        <Empty>{userId} has not changed anything.</Empty>
      ) : (
        <>
          <p className="count">{totalCount} changes</p>
          <ol className="events">
            {events.map((event) => (
              <EventItem key={event.id} event={event} showEntity />
            ))}
          </ol>
        </>
      )}
      {loadMore && (
        <button type="button" onClick={loadMore}>
          Older changes
        </button>
      )}
    </section>
  )
}
