import { useQuery } from '../chronicle'
import { graphql } from '../gql'
import { ErrorNotice, Loading } from '../ui/Status'

const AlbumAtQuery = graphql(`
  query AlbumAt($id: ID!, $event: ID!) {
    albumAt(id: $id, event: $event) {
      id
      name
      year
      artist {
        id
        name
      }
      description
    }
  }
`)

/** The album as it was right after `event`. */
export function AlbumAt({ id, event }: { id: string; event: string }) {
  const { data, error } = useQuery(AlbumAtQuery, { id, event })
  if (error) return <ErrorNotice error={error} />
  if (!data) return <Loading what="that version" />
  const album = data.albumAt
  if (!album) return <p className="muted">Deleted at this point.</p>
  return (
    <dl className="snapshot">
      <dt>Name</dt>
      <dd>{album.name}</dd>
      <dt>Year</dt>
      <dd>{album.year}</dd>
      <dt>Artist</dt>
      <dd>{album.artist?.name ?? '—'}</dd>
      <dt>Description</dt>
      <dd className="pre">{album.description || '—'}</dd>
    </dl>
  )
}
