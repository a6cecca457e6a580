import { useLiveQuery } from '../chronicle'
import { byName } from '../compare'
import { ArtistsChanged, ArtistsQuery } from './documents'

const PAGE = 100

/** Every artist by name, live. */
export function useArtists() {
  return useLiveQuery({
    query: ArtistsQuery,
    variables: { first: PAGE },
    connection: (data) => data.artists,
    subscription: ArtistsChanged,
    subscriptionVariables: {},
    change: (data) => ({ ...data.artistsChanged, node: data.artistsChanged.artist }),
    compare: byName,
    nextPage: (after) => ({ first: PAGE, after }),
  })
}
