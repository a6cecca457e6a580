import { AlbumTable } from './AlbumTable'
import { CreateAlbumForm } from './CreateAlbumForm'
import { useAlbums } from './useAlbums'

export function AlbumList() {
  const albums = useAlbums()
  return (
    <section className="page">
      <h2>Albums</h2>
      <CreateAlbumForm />
      <AlbumTable albums={albums} />
    </section>
  )
}
