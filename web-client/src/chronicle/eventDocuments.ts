import { graphql } from './gql'

export const EventFieldsFragment = graphql(`
  fragment ChronicleEventFields on Event {
    id
    cursor
    kind
    collection
    entityId
    userId
    at
    changes {
      field
      value
    }
  }
`)

export const EventsQuery = graphql(`
  query ChronicleEvents($where: EventWhere, $first: Int, $after: String) {
    events(where: $where, first: $first, after: $after) {
      nodes {
        ...ChronicleEventFields
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      totalCount
    }
    latest: events(first: 1) {
      nodes {
        cursor
      }
    }
  }
`)

export const EventFeedSubscription = graphql(`
  subscription ChronicleEventFeed($where: EventWhere, $after: String) {
    events(where: $where, after: $after) {
      ...ChronicleEventFields
    }
  }
`)
