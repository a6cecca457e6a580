import { useEntity } from '../chronicle'
import { AlbumTable } from '../albums/AlbumTable'
import { useAlbums } from '../albums/useAlbums'
import { graphql } from '../gql'
import { HistoryPanel } from '../history/HistoryPanel'
import { href } from '../router'
import { ErrorNotice, Loading } from '../ui/Status'
import { ArtistAt } from './ArtistAt'
import { EditArtistForm } from './EditArtistForm'

const ArtistQuery = graphql(`
  query Artist($id: ID!) {
    artist(id: $id) {
      ...ArtistFields
    }
  }
`)

const ArtistChanged = graphql(`
  subscription ArtistChanged($id: ID!) {
    artistChanged(id: $id) {
      kind
      id
      artist {
        ...ArtistFields
      }
    }
  }
`)

export function ArtistPage({ id }: { id: string }) {
  const { entity: artist, error, refetch } = useEntity({
    query: ArtistQuery,
    variables: { id },
    select: (data) => data.artist,
    subscription: ArtistChanged,
    subscriptionVariables: { id },
    change: (data) => ({ ...data.artistChanged, node: data.artistChanged.artist }),
  })
  const albums = useAlbums({ artistId: { eq: id } })

  if (error && artist === undefined) return <ErrorNotice error={error} retry={refetch} />
  if (artist === undefined) return <Loading what="the artist" />
  if (artist === null) {
    return (
      <section className="page">
        <p className="status empty">This artist does not exist, or was deleted.</p>
        <a href={href({ page: 'artists' })}>Back to artists</a>
      </section>
    )
  }
  return (
    <section className="page detail">
      <div className="main-column">
        <h2>{artist.name}</h2>
        {error && <ErrorNotice error={error} retry={refetch} />}
        <EditArtistForm artist={artist} />
        <h3>Albums</h3>
        <AlbumTable albums={albums} showArtist={false} />
      </div>
      <HistoryPanel entityId={id} renderSnapshot={(event) => <ArtistAt id={id} event={event} />} />
    </section>
  )
}
