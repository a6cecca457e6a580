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
    "\n  query Me {\n    me {\n      userId\n    }\n  }\n": typeof types.MeDocument,
    "\n  query AlbumTextState($id: ID!) {\n    album(id: $id) {\n      id\n      textState\n    }\n  }\n": typeof types.AlbumTextStateDocument,
    "\n  subscription AlbumTextChanged($id: ID!) {\n    albumChanged(id: $id) {\n      event {\n        id\n        yrsUpdate\n      }\n    }\n  }\n": typeof types.AlbumTextChangedDocument,
    "\n  mutation SaveAlbumDescription($id: ID!, $update: String!) {\n    updateAlbum(id: $id, input: { description: { yrsUpdate: $update } }) {\n      id\n    }\n  }\n": typeof types.SaveAlbumDescriptionDocument,
    "\n  fragment AlbumFields on Album {\n    id\n    name\n    year\n    artistId\n    artist {\n      id\n      name\n    }\n    updatedAt\n    updatedBy\n    heads\n  }\n": typeof types.AlbumFieldsFragmentDoc,
    "\n  fragment AlbumChangeFields on AlbumChange {\n    kind\n    id\n    node: album {\n      ...AlbumFields\n    }\n  }\n": typeof types.AlbumChangeFieldsFragmentDoc,
    "\n  query Albums($where: AlbumWhere, $first: Int, $after: String) {\n    albums(where: $where, orderBy: [NAME_ASC], first: $first, after: $after) {\n      nodes {\n        ...AlbumFields\n      }\n      pageInfo {\n        ...PageFields\n      }\n      totalCount\n    }\n  }\n": typeof types.AlbumsDocument,
    "\n  subscription AlbumsChanged($where: AlbumWhere) {\n    albumsChanged(where: $where) {\n      ...AlbumChangeFields\n    }\n  }\n": typeof types.AlbumsChangedDocument,
    "\n  query Album($id: ID!) {\n    album(id: $id) {\n      ...AlbumFields\n    }\n  }\n": typeof types.AlbumDocument,
    "\n  subscription AlbumChanged($id: ID!) {\n    albumChanged(id: $id) {\n      ...AlbumChangeFields\n    }\n  }\n": typeof types.AlbumChangedDocument,
    "\n  query AlbumAt($id: ID!, $event: ID!) {\n    albumAt(id: $id, event: $event) {\n      ...AlbumFields\n      description\n    }\n  }\n": typeof types.AlbumAtDocument,
    "\n  mutation CreateAlbum($input: AlbumCreateInput!) {\n    createAlbum(input: $input) {\n      id\n    }\n  }\n": typeof types.CreateAlbumDocument,
    "\n  mutation UpdateAlbum($id: ID!, $input: AlbumUpdateInput!, $ifHeads: [ID!]) {\n    updateAlbum(id: $id, input: $input, ifHeads: $ifHeads) {\n      id\n    }\n  }\n": typeof types.UpdateAlbumDocument,
    "\n  mutation DeleteAlbum($id: ID!) {\n    deleteAlbum(id: $id)\n  }\n": typeof types.DeleteAlbumDocument,
    "\n  fragment ArtistFields on Artist {\n    id\n    name\n    country\n    updatedAt\n    updatedBy\n    heads\n  }\n": typeof types.ArtistFieldsFragmentDoc,
    "\n  fragment ArtistChangeFields on ArtistChange {\n    kind\n    id\n    node: artist {\n      ...ArtistFields\n    }\n  }\n": typeof types.ArtistChangeFieldsFragmentDoc,
    "\n  query Artists($first: Int, $after: String) {\n    artists(orderBy: [NAME_ASC], first: $first, after: $after) {\n      nodes {\n        ...ArtistFields\n      }\n      pageInfo {\n        ...PageFields\n      }\n      totalCount\n    }\n  }\n": typeof types.ArtistsDocument,
    "\n  subscription ArtistsChanged {\n    artistsChanged {\n      ...ArtistChangeFields\n    }\n  }\n": typeof types.ArtistsChangedDocument,
    "\n  query Artist($id: ID!) {\n    artist(id: $id) {\n      ...ArtistFields\n    }\n  }\n": typeof types.ArtistDocument,
    "\n  subscription ArtistChanged($id: ID!) {\n    artistChanged(id: $id) {\n      ...ArtistChangeFields\n    }\n  }\n": typeof types.ArtistChangedDocument,
    "\n  query ArtistAt($id: ID!, $event: ID!) {\n    artistAt(id: $id, event: $event) {\n      ...ArtistFields\n    }\n  }\n": typeof types.ArtistAtDocument,
    "\n  mutation CreateArtist($input: ArtistCreateInput!) {\n    createArtist(input: $input) {\n      id\n    }\n  }\n": typeof types.CreateArtistDocument,
    "\n  mutation UpdateArtist($id: ID!, $input: ArtistUpdateInput!, $ifHeads: [ID!]) {\n    updateArtist(id: $id, input: $input, ifHeads: $ifHeads) {\n      id\n    }\n  }\n": typeof types.UpdateArtistDocument,
    "\n  mutation DeleteArtist($id: ID!) {\n    deleteArtist(id: $id)\n  }\n": typeof types.DeleteArtistDocument,
    "\n  fragment PageFields on PageInfo {\n    hasNextPage\n    endCursor\n  }\n": typeof types.PageFieldsFragmentDoc,
    "\n  mutation CreateTrack($input: TrackCreateInput!) {\n    createTrack(input: $input) {\n      id\n    }\n  }\n": typeof types.CreateTrackDocument,
    "\n  mutation DeleteTrack($id: ID!) {\n    deleteTrack(id: $id)\n  }\n": typeof types.DeleteTrackDocument,
    "\n  fragment TrackFields on Track {\n    id\n    name\n    position\n    albumId\n    updatedAt\n    updatedBy\n    heads\n  }\n": typeof types.TrackFieldsFragmentDoc,
    "\n  fragment TrackChangeFields on TrackChange {\n    kind\n    id\n    node: track {\n      ...TrackFields\n    }\n  }\n": typeof types.TrackChangeFieldsFragmentDoc,
    "\n  query Tracks($albumId: ID!, $first: Int, $after: String) {\n    tracks(where: { albumId: { eq: $albumId } }, orderBy: [POSITION_ASC], first: $first, after: $after) {\n      nodes {\n        ...TrackFields\n      }\n      pageInfo {\n        ...PageFields\n      }\n      totalCount\n    }\n  }\n": typeof types.TracksDocument,
    "\n  subscription TracksChanged($albumId: ID!) {\n    tracksChanged(where: { albumId: { eq: $albumId } }) {\n      ...TrackChangeFields\n    }\n  }\n": typeof types.TracksChangedDocument,
    "\n  query Track($id: ID!) {\n    track(id: $id) {\n      ...TrackFields\n    }\n  }\n": typeof types.TrackDocument,
    "\n  mutation UpdateTrack($id: ID!, $input: TrackUpdateInput!, $ifHeads: [ID!]) {\n    updateTrack(id: $id, input: $input, ifHeads: $ifHeads) {\n      id\n    }\n  }\n": typeof types.UpdateTrackDocument,
};
const documents: Documents = {
    "\n  query Me {\n    me {\n      userId\n    }\n  }\n": types.MeDocument,
    "\n  query AlbumTextState($id: ID!) {\n    album(id: $id) {\n      id\n      textState\n    }\n  }\n": types.AlbumTextStateDocument,
    "\n  subscription AlbumTextChanged($id: ID!) {\n    albumChanged(id: $id) {\n      event {\n        id\n        yrsUpdate\n      }\n    }\n  }\n": types.AlbumTextChangedDocument,
    "\n  mutation SaveAlbumDescription($id: ID!, $update: String!) {\n    updateAlbum(id: $id, input: { description: { yrsUpdate: $update } }) {\n      id\n    }\n  }\n": types.SaveAlbumDescriptionDocument,
    "\n  fragment AlbumFields on Album {\n    id\n    name\n    year\n    artistId\n    artist {\n      id\n      name\n    }\n    updatedAt\n    updatedBy\n    heads\n  }\n": types.AlbumFieldsFragmentDoc,
    "\n  fragment AlbumChangeFields on AlbumChange {\n    kind\n    id\n    node: album {\n      ...AlbumFields\n    }\n  }\n": types.AlbumChangeFieldsFragmentDoc,
    "\n  query Albums($where: AlbumWhere, $first: Int, $after: String) {\n    albums(where: $where, orderBy: [NAME_ASC], first: $first, after: $after) {\n      nodes {\n        ...AlbumFields\n      }\n      pageInfo {\n        ...PageFields\n      }\n      totalCount\n    }\n  }\n": types.AlbumsDocument,
    "\n  subscription AlbumsChanged($where: AlbumWhere) {\n    albumsChanged(where: $where) {\n      ...AlbumChangeFields\n    }\n  }\n": types.AlbumsChangedDocument,
    "\n  query Album($id: ID!) {\n    album(id: $id) {\n      ...AlbumFields\n    }\n  }\n": types.AlbumDocument,
    "\n  subscription AlbumChanged($id: ID!) {\n    albumChanged(id: $id) {\n      ...AlbumChangeFields\n    }\n  }\n": types.AlbumChangedDocument,
    "\n  query AlbumAt($id: ID!, $event: ID!) {\n    albumAt(id: $id, event: $event) {\n      ...AlbumFields\n      description\n    }\n  }\n": types.AlbumAtDocument,
    "\n  mutation CreateAlbum($input: AlbumCreateInput!) {\n    createAlbum(input: $input) {\n      id\n    }\n  }\n": types.CreateAlbumDocument,
    "\n  mutation UpdateAlbum($id: ID!, $input: AlbumUpdateInput!, $ifHeads: [ID!]) {\n    updateAlbum(id: $id, input: $input, ifHeads: $ifHeads) {\n      id\n    }\n  }\n": types.UpdateAlbumDocument,
    "\n  mutation DeleteAlbum($id: ID!) {\n    deleteAlbum(id: $id)\n  }\n": types.DeleteAlbumDocument,
    "\n  fragment ArtistFields on Artist {\n    id\n    name\n    country\n    updatedAt\n    updatedBy\n    heads\n  }\n": types.ArtistFieldsFragmentDoc,
    "\n  fragment ArtistChangeFields on ArtistChange {\n    kind\n    id\n    node: artist {\n      ...ArtistFields\n    }\n  }\n": types.ArtistChangeFieldsFragmentDoc,
    "\n  query Artists($first: Int, $after: String) {\n    artists(orderBy: [NAME_ASC], first: $first, after: $after) {\n      nodes {\n        ...ArtistFields\n      }\n      pageInfo {\n        ...PageFields\n      }\n      totalCount\n    }\n  }\n": types.ArtistsDocument,
    "\n  subscription ArtistsChanged {\n    artistsChanged {\n      ...ArtistChangeFields\n    }\n  }\n": types.ArtistsChangedDocument,
    "\n  query Artist($id: ID!) {\n    artist(id: $id) {\n      ...ArtistFields\n    }\n  }\n": types.ArtistDocument,
    "\n  subscription ArtistChanged($id: ID!) {\n    artistChanged(id: $id) {\n      ...ArtistChangeFields\n    }\n  }\n": types.ArtistChangedDocument,
    "\n  query ArtistAt($id: ID!, $event: ID!) {\n    artistAt(id: $id, event: $event) {\n      ...ArtistFields\n    }\n  }\n": types.ArtistAtDocument,
    "\n  mutation CreateArtist($input: ArtistCreateInput!) {\n    createArtist(input: $input) {\n      id\n    }\n  }\n": types.CreateArtistDocument,
    "\n  mutation UpdateArtist($id: ID!, $input: ArtistUpdateInput!, $ifHeads: [ID!]) {\n    updateArtist(id: $id, input: $input, ifHeads: $ifHeads) {\n      id\n    }\n  }\n": types.UpdateArtistDocument,
    "\n  mutation DeleteArtist($id: ID!) {\n    deleteArtist(id: $id)\n  }\n": types.DeleteArtistDocument,
    "\n  fragment PageFields on PageInfo {\n    hasNextPage\n    endCursor\n  }\n": types.PageFieldsFragmentDoc,
    "\n  mutation CreateTrack($input: TrackCreateInput!) {\n    createTrack(input: $input) {\n      id\n    }\n  }\n": types.CreateTrackDocument,
    "\n  mutation DeleteTrack($id: ID!) {\n    deleteTrack(id: $id)\n  }\n": types.DeleteTrackDocument,
    "\n  fragment TrackFields on Track {\n    id\n    name\n    position\n    albumId\n    updatedAt\n    updatedBy\n    heads\n  }\n": types.TrackFieldsFragmentDoc,
    "\n  fragment TrackChangeFields on TrackChange {\n    kind\n    id\n    node: track {\n      ...TrackFields\n    }\n  }\n": types.TrackChangeFieldsFragmentDoc,
    "\n  query Tracks($albumId: ID!, $first: Int, $after: String) {\n    tracks(where: { albumId: { eq: $albumId } }, orderBy: [POSITION_ASC], first: $first, after: $after) {\n      nodes {\n        ...TrackFields\n      }\n      pageInfo {\n        ...PageFields\n      }\n      totalCount\n    }\n  }\n": types.TracksDocument,
    "\n  subscription TracksChanged($albumId: ID!) {\n    tracksChanged(where: { albumId: { eq: $albumId } }) {\n      ...TrackChangeFields\n    }\n  }\n": types.TracksChangedDocument,
    "\n  query Track($id: ID!) {\n    track(id: $id) {\n      ...TrackFields\n    }\n  }\n": types.TrackDocument,
    "\n  mutation UpdateTrack($id: ID!, $input: TrackUpdateInput!, $ifHeads: [ID!]) {\n    updateTrack(id: $id, input: $input, ifHeads: $ifHeads) {\n      id\n    }\n  }\n": types.UpdateTrackDocument,
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
export function graphql(source: "\n  query Me {\n    me {\n      userId\n    }\n  }\n"): (typeof documents)["\n  query Me {\n    me {\n      userId\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AlbumTextState($id: ID!) {\n    album(id: $id) {\n      id\n      textState\n    }\n  }\n"): (typeof documents)["\n  query AlbumTextState($id: ID!) {\n    album(id: $id) {\n      id\n      textState\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription AlbumTextChanged($id: ID!) {\n    albumChanged(id: $id) {\n      event {\n        id\n        yrsUpdate\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription AlbumTextChanged($id: ID!) {\n    albumChanged(id: $id) {\n      event {\n        id\n        yrsUpdate\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SaveAlbumDescription($id: ID!, $update: String!) {\n    updateAlbum(id: $id, input: { description: { yrsUpdate: $update } }) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation SaveAlbumDescription($id: ID!, $update: String!) {\n    updateAlbum(id: $id, input: { description: { yrsUpdate: $update } }) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AlbumFields on Album {\n    id\n    name\n    year\n    artistId\n    artist {\n      id\n      name\n    }\n    updatedAt\n    updatedBy\n    heads\n  }\n"): (typeof documents)["\n  fragment AlbumFields on Album {\n    id\n    name\n    year\n    artistId\n    artist {\n      id\n      name\n    }\n    updatedAt\n    updatedBy\n    heads\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AlbumChangeFields on AlbumChange {\n    kind\n    id\n    node: album {\n      ...AlbumFields\n    }\n  }\n"): (typeof documents)["\n  fragment AlbumChangeFields on AlbumChange {\n    kind\n    id\n    node: album {\n      ...AlbumFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Albums($where: AlbumWhere, $first: Int, $after: String) {\n    albums(where: $where, orderBy: [NAME_ASC], first: $first, after: $after) {\n      nodes {\n        ...AlbumFields\n      }\n      pageInfo {\n        ...PageFields\n      }\n      totalCount\n    }\n  }\n"): (typeof documents)["\n  query Albums($where: AlbumWhere, $first: Int, $after: String) {\n    albums(where: $where, orderBy: [NAME_ASC], first: $first, after: $after) {\n      nodes {\n        ...AlbumFields\n      }\n      pageInfo {\n        ...PageFields\n      }\n      totalCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription AlbumsChanged($where: AlbumWhere) {\n    albumsChanged(where: $where) {\n      ...AlbumChangeFields\n    }\n  }\n"): (typeof documents)["\n  subscription AlbumsChanged($where: AlbumWhere) {\n    albumsChanged(where: $where) {\n      ...AlbumChangeFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Album($id: ID!) {\n    album(id: $id) {\n      ...AlbumFields\n    }\n  }\n"): (typeof documents)["\n  query Album($id: ID!) {\n    album(id: $id) {\n      ...AlbumFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription AlbumChanged($id: ID!) {\n    albumChanged(id: $id) {\n      ...AlbumChangeFields\n    }\n  }\n"): (typeof documents)["\n  subscription AlbumChanged($id: ID!) {\n    albumChanged(id: $id) {\n      ...AlbumChangeFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AlbumAt($id: ID!, $event: ID!) {\n    albumAt(id: $id, event: $event) {\n      ...AlbumFields\n      description\n    }\n  }\n"): (typeof documents)["\n  query AlbumAt($id: ID!, $event: ID!) {\n    albumAt(id: $id, event: $event) {\n      ...AlbumFields\n      description\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateAlbum($input: AlbumCreateInput!) {\n    createAlbum(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation CreateAlbum($input: AlbumCreateInput!) {\n    createAlbum(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateAlbum($id: ID!, $input: AlbumUpdateInput!, $ifHeads: [ID!]) {\n    updateAlbum(id: $id, input: $input, ifHeads: $ifHeads) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateAlbum($id: ID!, $input: AlbumUpdateInput!, $ifHeads: [ID!]) {\n    updateAlbum(id: $id, input: $input, ifHeads: $ifHeads) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteAlbum($id: ID!) {\n    deleteAlbum(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteAlbum($id: ID!) {\n    deleteAlbum(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ArtistFields on Artist {\n    id\n    name\n    country\n    updatedAt\n    updatedBy\n    heads\n  }\n"): (typeof documents)["\n  fragment ArtistFields on Artist {\n    id\n    name\n    country\n    updatedAt\n    updatedBy\n    heads\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ArtistChangeFields on ArtistChange {\n    kind\n    id\n    node: artist {\n      ...ArtistFields\n    }\n  }\n"): (typeof documents)["\n  fragment ArtistChangeFields on ArtistChange {\n    kind\n    id\n    node: artist {\n      ...ArtistFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Artists($first: Int, $after: String) {\n    artists(orderBy: [NAME_ASC], first: $first, after: $after) {\n      nodes {\n        ...ArtistFields\n      }\n      pageInfo {\n        ...PageFields\n      }\n      totalCount\n    }\n  }\n"): (typeof documents)["\n  query Artists($first: Int, $after: String) {\n    artists(orderBy: [NAME_ASC], first: $first, after: $after) {\n      nodes {\n        ...ArtistFields\n      }\n      pageInfo {\n        ...PageFields\n      }\n      totalCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ArtistsChanged {\n    artistsChanged {\n      ...ArtistChangeFields\n    }\n  }\n"): (typeof documents)["\n  subscription ArtistsChanged {\n    artistsChanged {\n      ...ArtistChangeFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Artist($id: ID!) {\n    artist(id: $id) {\n      ...ArtistFields\n    }\n  }\n"): (typeof documents)["\n  query Artist($id: ID!) {\n    artist(id: $id) {\n      ...ArtistFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ArtistChanged($id: ID!) {\n    artistChanged(id: $id) {\n      ...ArtistChangeFields\n    }\n  }\n"): (typeof documents)["\n  subscription ArtistChanged($id: ID!) {\n    artistChanged(id: $id) {\n      ...ArtistChangeFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ArtistAt($id: ID!, $event: ID!) {\n    artistAt(id: $id, event: $event) {\n      ...ArtistFields\n    }\n  }\n"): (typeof documents)["\n  query ArtistAt($id: ID!, $event: ID!) {\n    artistAt(id: $id, event: $event) {\n      ...ArtistFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateArtist($input: ArtistCreateInput!) {\n    createArtist(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation CreateArtist($input: ArtistCreateInput!) {\n    createArtist(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateArtist($id: ID!, $input: ArtistUpdateInput!, $ifHeads: [ID!]) {\n    updateArtist(id: $id, input: $input, ifHeads: $ifHeads) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateArtist($id: ID!, $input: ArtistUpdateInput!, $ifHeads: [ID!]) {\n    updateArtist(id: $id, input: $input, ifHeads: $ifHeads) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteArtist($id: ID!) {\n    deleteArtist(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteArtist($id: ID!) {\n    deleteArtist(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PageFields on PageInfo {\n    hasNextPage\n    endCursor\n  }\n"): (typeof documents)["\n  fragment PageFields on PageInfo {\n    hasNextPage\n    endCursor\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateTrack($input: TrackCreateInput!) {\n    createTrack(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation CreateTrack($input: TrackCreateInput!) {\n    createTrack(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteTrack($id: ID!) {\n    deleteTrack(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteTrack($id: ID!) {\n    deleteTrack(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment TrackFields on Track {\n    id\n    name\n    position\n    albumId\n    updatedAt\n    updatedBy\n    heads\n  }\n"): (typeof documents)["\n  fragment TrackFields on Track {\n    id\n    name\n    position\n    albumId\n    updatedAt\n    updatedBy\n    heads\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment TrackChangeFields on TrackChange {\n    kind\n    id\n    node: track {\n      ...TrackFields\n    }\n  }\n"): (typeof documents)["\n  fragment TrackChangeFields on TrackChange {\n    kind\n    id\n    node: track {\n      ...TrackFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Tracks($albumId: ID!, $first: Int, $after: String) {\n    tracks(where: { albumId: { eq: $albumId } }, orderBy: [POSITION_ASC], first: $first, after: $after) {\n      nodes {\n        ...TrackFields\n      }\n      pageInfo {\n        ...PageFields\n      }\n      totalCount\n    }\n  }\n"): (typeof documents)["\n  query Tracks($albumId: ID!, $first: Int, $after: String) {\n    tracks(where: { albumId: { eq: $albumId } }, orderBy: [POSITION_ASC], first: $first, after: $after) {\n      nodes {\n        ...TrackFields\n      }\n      pageInfo {\n        ...PageFields\n      }\n      totalCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TracksChanged($albumId: ID!) {\n    tracksChanged(where: { albumId: { eq: $albumId } }) {\n      ...TrackChangeFields\n    }\n  }\n"): (typeof documents)["\n  subscription TracksChanged($albumId: ID!) {\n    tracksChanged(where: { albumId: { eq: $albumId } }) {\n      ...TrackChangeFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Track($id: ID!) {\n    track(id: $id) {\n      ...TrackFields\n    }\n  }\n"): (typeof documents)["\n  query Track($id: ID!) {\n    track(id: $id) {\n      ...TrackFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateTrack($id: ID!, $input: TrackUpdateInput!, $ifHeads: [ID!]) {\n    updateTrack(id: $id, input: $input, ifHeads: $ifHeads) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateTrack($id: ID!, $input: TrackUpdateInput!, $ifHeads: [ID!]) {\n    updateTrack(id: $id, input: $input, ifHeads: $ifHeads) {\n      id\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;