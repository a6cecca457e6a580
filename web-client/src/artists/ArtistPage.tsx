import { albumModel } from '../albums/model'
import { useAlbums } from '../albums/useAlbums'
import { EntityPage } from '../entity/EntityPage'
import { EntityTable } from '../entity/EntityTable'
import { artistModel } from './model'

function ArtistAlbums({ artistId }: { artistId: string }) {
  const albums = useAlbums({ artistId: { eq: artistId } })
  return (
    <>
      <h3>Albums</h3>
      <EntityTable model={albumModel} list={albums} hide={['artistId']} />
    </>
  )
}

export function ArtistPage({ id }: { id: string }) {
  return (
    <EntityPage model={artistModel} id={id}>
      <ArtistAlbums artistId={id} />
    </EntityPage>
  )
}
