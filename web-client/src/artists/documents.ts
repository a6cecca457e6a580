import { graphql } from '../gql'

export const ArtistFields = graphql(`
  fragment ArtistFields on Artist {
    id
    name
    country
    updatedAt
    updatedBy
    heads
  }
`)

/** A change as useLiveQuery and useEntity take it (`LiveChange`): the artist as `node`. */
export const ArtistChangeFields = graphql(`
  fragment ArtistChangeFields on ArtistChange {
    kind
    id
    node: artist {
      ...ArtistFields
    }
  }
`)

export const ArtistsQuery = graphql(`
  query Artists($first: Int, $after: String) {
    artists(orderBy: [NAME_ASC], first: $first, after: $after) {
      nodes {
        ...ArtistFields
      }
      pageInfo {
        ...PageFields
      }
      totalCount
    }
  }
`)

export const ArtistsChanged = graphql(`
  subscription ArtistsChanged {
    artistsChanged {
      ...ArtistChangeFields
    }
  }
`)

export const ArtistQuery = graphql(`
  query Artist($id: ID!) {
    artist(id: $id) {
      ...ArtistFields
    }
  }
`)

export const ArtistChanged = graphql(`
  subscription ArtistChanged($id: ID!) {
    artistChanged(id: $id) {
      ...ArtistChangeFields
    }
  }
`)

export const ArtistAtQuery = graphql(`
  query ArtistAt($id: ID!, $event: ID!) {
    artistAt(id: $id, event: $event) {
      ...ArtistFields
    }
  }
`)

export const CreateArtist = graphql(`
  mutation CreateArtist($input: ArtistCreateInput!) {
    createArtist(input: $input) {
      id
    }
  }
`)

export const UpdateArtist = graphql(`
  mutation UpdateArtist($id: ID!, $input: ArtistUpdateInput!, $ifHeads: [ID!]) {
    updateArtist(id: $id, input: $input, ifHeads: $ifHeads) {
      id
    }
  }
`)

export const DeleteArtist = graphql(`
  mutation DeleteArtist($id: ID!) {
    deleteArtist(id: $id)
  }
`)
