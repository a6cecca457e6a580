import { useQuery } from '../chronicle'
import { graphql } from '../gql'
import { ErrorNotice, Loading } from '../ui/Status'

const ArtistAtQuery = graphql(`
  query ArtistAt($id: ID!, $event: ID!) {
    artistAt(id: $id, event: $event) {
      id
      name
      country
      updatedBy
      updatedAt
    }
  }
`)

/** The artist as it was right after `event`. */
export function ArtistAt({ id, event }: { id: string; event: string }) {
  const { data, error } = useQuery(ArtistAtQuery, { id, event })
  if (error) return <ErrorNotice error={error} />
  if (!data) return <Loading what="that version" />
  const artist = data.artistAt
  if (!artist) return <p className="muted">Deleted at this point.</p>
  return (
    <dl className="snapshot">
      <dt>Name</dt>
      <dd>{artist.name}</dd>
      <dt>Country</dt>
      <dd>{artist.country ?? '—'}</dd>
    </dl>
  )
}
