import { useMutation } from '../chronicle'
import { graphql } from '../gql'
import { href } from '../router'
import { Empty, ErrorNotice, Loading } from '../ui/Status'
import { CreateArtistForm } from './CreateArtistForm'
import { useArtists } from './useArtists'

const DeleteArtist = graphql(`
  mutation DeleteArtist($id: ID!) {
    deleteArtist(id: $id)
  }
`)

export function ArtistList() {
  const { nodes, totalCount, error, refetch, loadMore } = useArtists()
  const [remove, removing] = useMutation(DeleteArtist)
  return (
    <section className="page">
      <h2>Artists</h2>
      <CreateArtistForm />
      {error && <ErrorNotice error={error} retry={refetch} />}
      {removing.error && <ErrorNotice error={removing.error} />}
      {nodes === undefined ? (
        !error && <Loading what="artists" />
      ) : nodes.length === 0 ? (
        <Empty>No artists yet: add the first one above.</Empty>
      ) : (
        <>
          <p className="count">{totalCount} artists</p>
          <ul className="rows" aria-label="Artists">
            {nodes.map((artist) => (
              <li key={artist.id} className="row">
                <a href={href({ page: 'artist', id: artist.id })}>{artist.name}</a>
                <span className="muted">{artist.country ?? '—'}</span>
                <button
                  type="button"
                  className="danger"
                  onClick={() => remove({ id: artist.id }).catch(() => {})}
                  aria-label={`Delete ${artist.name}`}
                >
                  Delete
                </button>
              </li>
            ))}
          </ul>
          {loadMore && (
            <button type="button" onClick={loadMore}>
              Load more
            </button>
          )}
        </>
      )}
    </section>
  )
}
