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

/** A change as useLiveQuery and useEntity take it (`LiveChange`): the album as `node`. */
export const AlbumChangeFields = graphql(`
  fragment AlbumChangeFields on AlbumChange {
    kind
    id
    node: album {
      ...AlbumFields
    }
  }
`)

export const AlbumsQuery = graphql(`
  query Albums($where: AlbumWhere, $first: Int, $after: String) {
    albums(where: $where, orderBy: [NAME_ASC], first: $first, after: $after) {
      nodes {
        ...AlbumFields
      }
      pageInfo {
        ...PageFields
      }
      totalCount
    }
  }
`)

export const AlbumsChanged = graphql(`
  subscription AlbumsChanged($where: AlbumWhere) {
    albumsChanged(where: $where) {
      ...AlbumChangeFields
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
      ...AlbumChangeFields
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
