import { graphql } from '../gql'

export const TrackFields = graphql(`
  fragment TrackFields on Track {
    id
    name
    position
    albumId
    updatedAt
    updatedBy
    heads
  }
`)

/** A change as useLiveQuery and useEntity take it (`LiveChange`): the track as `node`. */
export const TrackChangeFields = graphql(`
  fragment TrackChangeFields on TrackChange {
    kind
    id
    node: track {
      ...TrackFields
    }
  }
`)

export const TracksQuery = graphql(`
  query Tracks($albumId: ID!, $first: Int, $after: String) {
    tracks(where: { albumId: { eq: $albumId } }, orderBy: [POSITION_ASC], first: $first, after: $after) {
      nodes {
        ...TrackFields
      }
      pageInfo {
        ...PageFields
      }
      totalCount
    }
  }
`)

export const TracksChanged = graphql(`
  subscription TracksChanged($albumId: ID!) {
    tracksChanged(where: { albumId: { eq: $albumId } }) {
      ...TrackChangeFields
    }
  }
`)

export const TrackQuery = graphql(`
  query Track($id: ID!) {
    track(id: $id) {
      ...TrackFields
    }
  }
`)

export const UpdateTrack = graphql(`
  mutation UpdateTrack($id: ID!, $input: TrackUpdateInput!, $ifHeads: [ID!]) {
    updateTrack(id: $id, input: $input, ifHeads: $ifHeads) {
      id
    }
  }
`)
