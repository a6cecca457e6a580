import { paged, useLiveQuery } from '../chronicle'
import { compareText } from '../compare'
import type { TrackFieldsFragment } from '../gql/graphql'
import { Empty, ErrorNotice, Loading } from '../ui/Status'
import { CreateTrackForm } from './CreateTrackForm'
import { TracksChanged, TracksQuery } from './documents'
import { TrackRow } from './TrackRow'

const PAGE = 200

const byPosition = (a: TrackFieldsFragment, b: TrackFieldsFragment) =>
  a.position - b.position || compareText(a.id, b.id)

/** The album's tracks in order, live (a track moved to another album leaves). */
export function TrackList({ albumId }: { albumId: string }) {
  const { nodes, error, refetch, loadMore } = useLiveQuery({
    query: TracksQuery,
    ...paged({ albumId }, PAGE),
    connection: (data) => data.tracks,
    subscription: TracksChanged,
    subscriptionVariables: { albumId },
    change: (data) => data.tracksChanged,
    compare: byPosition,
  })
  const nextPosition = (nodes?.reduce((max, t) => Math.max(max, t.position), 0) ?? 0) + 1

  return (
    <div className="tracks">
      <h3>Tracks</h3>
      {error && <ErrorNotice error={error} retry={refetch} />}
      {nodes === undefined ? (
        !error && <Loading what="tracks" />
      ) : nodes.length === 0 ? (
        <Empty>No tracks yet.</Empty>
      ) : (
        <ol className="rows" aria-label="Tracks">
          {nodes.map((track) => (
            <TrackRow key={track.id} track={track} />
          ))}
        </ol>
      )}
      {loadMore && (
        <button type="button" onClick={loadMore}>
          Load more
        </button>
      )}
      <CreateTrackForm albumId={albumId} position={nextPosition} />
    </div>
  )
}
