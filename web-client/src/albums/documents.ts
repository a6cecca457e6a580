import { graphql } from '../gql'

export const AlbumFields = graphql(`
  fragment AlbumFields on Album {
    id
    name
    year
    artistId
    artist {
      id
      name
    }
    updatedAt
    updatedBy
  }
`)

export const AlbumsQuery = graphql(`
  query Albums($where: AlbumWhere, $first: Int, $after: String) {
    albums(where: $where, orderBy: [NAME_ASC], first: $first, after: $after) {
      nodes {
        ...AlbumFields
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      totalCount
    }
  }
`)

export const AlbumsChanged = graphql(`
  subscription AlbumsChanged($where: AlbumWhere) {
    albumsChanged(where: $where) {
      kind
      id
      album {
        ...AlbumFields
      }
    }
  }
`)
