import { paged, useLiveQuery } from '../chronicle'
import { byName } from '../compare'
import { ArtistsChanged, ArtistsQuery } from './documents'

const PAGE = 100

/** Every artist by name, live. */
export function useArtists() {
  return useLiveQuery({
    query: ArtistsQuery,
    ...paged({}, PAGE),
    connection: (data) => data.artists,
    subscription: ArtistsChanged,
    subscriptionVariables: {},
    change: (data) => data.artistsChanged,
    compare: byName,
  })
}
