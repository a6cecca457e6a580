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
    heads
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

export const AlbumQuery = graphql(`
  query Album($id: ID!) {
    album(id: $id) {
      ...AlbumFields
    }
  }
`)

export const AlbumChanged = graphql(`
  subscription AlbumChanged($id: ID!) {
    albumChanged(id: $id) {
      kind
      id
      album {
        ...AlbumFields
      }
    }
  }
`)

export const AlbumAtQuery = graphql(`
  query AlbumAt($id: ID!, $event: ID!) {
    albumAt(id: $id, event: $event) {
      ...AlbumFields
      description
    }
  }
`)

export const CreateAlbum = graphql(`
  mutation CreateAlbum($input: AlbumCreateInput!) {
    createAlbum(input: $input) {
      id
    }
  }
`)

export const UpdateAlbum = graphql(`
  mutation UpdateAlbum($id: ID!, $input: AlbumUpdateInput!, $ifHeads: [ID!]) {
    updateAlbum(id: $id, input: $input, ifHeads: $ifHeads) {
      id
    }
  }
`)

export const DeleteAlbum = graphql(`
  mutation DeleteAlbum($id: ID!) {
    deleteAlbum(id: $id)
  }
`)
