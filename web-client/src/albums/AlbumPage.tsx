import { useEntity } from '../chronicle'
import { graphql } from '../gql'
import { HistoryPanel } from '../history/HistoryPanel'
import { href } from '../router'
import { TrackList } from '../tracks/TrackList'
import { ErrorNotice, Loading } from '../ui/Status'
import { AlbumAt } from './AlbumAt'
import { DescriptionEditor } from './DescriptionEditor'
import { EditAlbumForm } from './EditAlbumForm'

const AlbumQuery = graphql(`
  query Album($id: ID!) {
    album(id: $id) {
      ...AlbumFields
    }
  }
`)

const AlbumChanged = graphql(`
  subscription AlbumChanged($id: ID!) {
    albumChanged(id: $id) {
      kind
      id
      album {
        ...AlbumFields
      }
    }
  }
`)

export function AlbumPage({ id }: { id: string }) {
  const { entity: album, error, refetch } = useEntity({
    query: AlbumQuery,
    variables: { id },
    select: (data) => data.album,
    subscription: AlbumChanged,
    subscriptionVariables: { id },
    change: (data) => ({ ...data.albumChanged, node: data.albumChanged.album }),
  })

  if (error && album === undefined) return <ErrorNotice error={error} retry={refetch} />
  if (album === undefined) return <Loading what="the album" />
  if (album === null) {
    return (
      <section className="page">
        <p className="status empty">This album does not exist, or was deleted.</p>
        <a href={href({ page: 'albums' })}>Back to albums</a>
      </section>
    )
  }
  return (
    <section className="page detail">
      <div className="main-column">
        <h2>{album.name}</h2>
        {error && <ErrorNotice error={error} retry={refetch} />}
        <EditAlbumForm album={album} />
        <DescriptionEditor albumId={id} />
        <TrackList albumId={id} />
      </div>
      <HistoryPanel entityId={id} renderSnapshot={(event) => <AlbumAt id={id} event={event} />} />
    </section>
  )
}
