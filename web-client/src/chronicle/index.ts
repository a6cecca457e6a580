/**
 * React bindings for a Chronicle server: a provider, live queries and entities,
 * history and audit feeds, and collaborative Text fields. Independent of the
 * app around them; operations are typed with GraphQL Code Generator.
 */
export { ChronicleProvider, type ChronicleProviderProps } from './ChronicleProvider'
export { ChronicleClient, type ChronicleClientOptions, type ConnectionStatus, webSocketUrl } from './client'
export { useChronicle } from './context'
export { ChronicleError, type ErrorCode, toChronicleError } from './errors'
export type { ChronicleEvent } from './eventFeed'
export type { ChangeKind, Compare, Connection, LiveChange } from './liveList'
export { useConnectionStatus } from './useConnectionStatus'
export { useEntity, type EntityOptions, type EntityResult } from './useEntity'
export { useAudit, useEventFeed, useHistory, type EventFeedResult } from './useEventFeed'
export { paged, useLiveQuery, type LiveQueryOptions, type LiveQueryResult } from './useLiveQuery'
export { useMutation } from './useMutation'
export { useQuery, type QueryResult } from './useQuery'
export { useSubscription } from './useSubscription'
export { useTextField, type TextFieldOptions, type TextFieldResult } from './useTextField'
export { TextSync, type Selection, type SyncState, type TextSyncOptions } from './textSync'
export { toBase64, fromBase64 } from './base64'
export { diffText, applySplice, type Splice } from './textDiff'
