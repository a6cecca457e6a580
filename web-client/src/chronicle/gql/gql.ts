/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment ChronicleEventFields on Event {\n    id\n    cursor\n    kind\n    collection\n    entityId\n    userId\n    at\n    changes {\n      field\n      value\n    }\n  }\n": typeof types.ChronicleEventFieldsFragmentDoc,
    "\n  query ChronicleEvents($where: EventWhere, $first: Int, $after: String) {\n    events(where: $where, first: $first, after: $after) {\n      nodes {\n        ...ChronicleEventFields\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      totalCount\n    }\n    latest: events(first: 1) {\n      nodes {\n        cursor\n      }\n    }\n  }\n": typeof types.ChronicleEventsDocument,
    "\n  subscription ChronicleEventFeed($where: EventWhere, $after: String) {\n    events(where: $where, after: $after) {\n      ...ChronicleEventFields\n    }\n  }\n": typeof types.ChronicleEventFeedDocument,
};
const documents: Documents = {
    "\n  fragment ChronicleEventFields on Event {\n    id\n    cursor\n    kind\n    collection\n    entityId\n    userId\n    at\n    changes {\n      field\n      value\n    }\n  }\n": types.ChronicleEventFieldsFragmentDoc,
    "\n  query ChronicleEvents($where: EventWhere, $first: Int, $after: String) {\n    events(where: $where, first: $first, after: $after) {\n      nodes {\n        ...ChronicleEventFields\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      totalCount\n    }\n    latest: events(first: 1) {\n      nodes {\n        cursor\n      }\n    }\n  }\n": types.ChronicleEventsDocument,
    "\n  subscription ChronicleEventFeed($where: EventWhere, $after: String) {\n    events(where: $where, after: $after) {\n      ...ChronicleEventFields\n    }\n  }\n": types.ChronicleEventFeedDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ChronicleEventFields on Event {\n    id\n    cursor\n    kind\n    collection\n    entityId\n    userId\n    at\n    changes {\n      field\n      value\n    }\n  }\n"): (typeof documents)["\n  fragment ChronicleEventFields on Event {\n    id\n    cursor\n    kind\n    collection\n    entityId\n    userId\n    at\n    changes {\n      field\n      value\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ChronicleEvents($where: EventWhere, $first: Int, $after: String) {\n    events(where: $where, first: $first, after: $after) {\n      nodes {\n        ...ChronicleEventFields\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      totalCount\n    }\n    latest: events(first: 1) {\n      nodes {\n        cursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query ChronicleEvents($where: EventWhere, $first: Int, $after: String) {\n    events(where: $where, first: $first, after: $after) {\n      nodes {\n        ...ChronicleEventFields\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      totalCount\n    }\n    latest: events(first: 1) {\n      nodes {\n        cursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ChronicleEventFeed($where: EventWhere, $after: String) {\n    events(where: $where, after: $after) {\n      ...ChronicleEventFields\n    }\n  }\n"): (typeof documents)["\n  subscription ChronicleEventFeed($where: EventWhere, $after: String) {\n    events(where: $where, after: $after) {\n      ...ChronicleEventFields\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;