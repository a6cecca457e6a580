import { graphql } from '../gql'

export const ArtistFields = graphql(`
  fragment ArtistFields on Artist {
    id
    name
    country
    updatedAt
    updatedBy
  }
`)

export const ArtistsQuery = graphql(`
  query Artists($first: Int, $after: String) {
    artists(orderBy: [NAME_ASC], first: $first, after: $after) {
      nodes {
        ...ArtistFields
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      totalCount
    }
  }
`)

export const ArtistsChanged = graphql(`
  subscription ArtistsChanged {
    artistsChanged {
      kind
      id
      artist {
        ...ArtistFields
      }
    }
  }
`)
