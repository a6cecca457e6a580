import { EntityList } from '../entity/EntityList'
import { artistModel } from './model'
import { useArtists } from './useArtists'

export function ArtistList() {
  const artists = useArtists()
  return <EntityList model={artistModel} list={artists} />
}
