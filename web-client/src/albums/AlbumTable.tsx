import { type LiveQueryResult, useMutation } from '../chronicle'
import { graphql } from '../gql'
import type { AlbumFieldsFragment } from '../gql/graphql'
import { href } from '../router'
import { Empty, ErrorNotice, Loading } from '../ui/Status'

const DeleteAlbum = graphql(`
  mutation DeleteAlbum($id: ID!) {
    deleteAlbum(id: $id)
  }
`)

interface Props {
  albums: LiveQueryResult<AlbumFieldsFragment>
  showArtist?: boolean
}

export function AlbumTable({ albums, showArtist = true }: Props) {
  const { nodes, totalCount, error, refetch, loadMore } = albums
  const [remove, removing] = useMutation(DeleteAlbum)
  if (error && nodes === undefined) return <ErrorNotice error={error} retry={refetch} />
  if (nodes === undefined) return <Loading what="albums" />
  return (
    <>
      {error && <ErrorNotice error={error} retry={refetch} />}
      {removing.error && <ErrorNotice error={removing.error} />}
      {nodes.length === 0 ? (
        <Empty>No albums yet.</Empty>
      ) : (
        <>
          <p className="count">{totalCount} albums</p>
          <ul className="rows" aria-label="Albums">
            {nodes.map((album) => (
              <li key={album.id} className="row" data-album-id={album.id}>
                <a href={href({ page: 'album', id: album.id })}>{album.name}</a>
                <span className="muted">{album.year}</span>
                {showArtist && (
                  <a className="muted" href={href({ page: 'artist', id: album.artistId })}>
                    {album.artist?.name ?? 'unknown artist'}
                  </a>
                )}
                <button
                  type="button"
                  className="danger"
                  onClick={() => remove({ id: album.id }).catch(() => {})}
                  aria-label={`Delete ${album.name}`}
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
    </>
  )
}
