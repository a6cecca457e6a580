import { graphql } from '../gql'

/** What useLiveQuery's `Connection` reads of a page, for every list query. */
export const PageFields = graphql(`
  fragment PageFields on PageInfo {
    hasNextPage
    endCursor
  }
`)
