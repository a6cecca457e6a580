import { paged, useLiveQuery } from '../chronicle'
import { byName } from '../compare'
import type { AlbumWhere } from '../gql/graphql'
import { AlbumsChanged, AlbumsQuery } from './documents'

const PAGE = 100

/** Albums matching `where`, by name, live: albums moved in or out of the filter (ENTERED, LEFT) too. */
export function useAlbums(where: AlbumWhere | null = null) {
  return useLiveQuery({
    query: AlbumsQuery,
    ...paged({ where }, PAGE),
    connection: (data) => data.albums,
    subscription: AlbumsChanged,
    subscriptionVariables: { where },
    change: (data) => data.albumsChanged,
    compare: byName,
  })
}
