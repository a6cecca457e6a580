import { EntityList } from '../entity/EntityList'
import { albumModel } from './model'
import { useAlbums } from './useAlbums'

export function AlbumList() {
  const albums = useAlbums()
  return <EntityList model={albumModel} list={albums} />
}
