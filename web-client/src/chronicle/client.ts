import type { TypedDocumentNode } from '@graphql-typed-document-node/core'
import { print } from 'graphql'
import { createClient, type Client as SocketClient, type ClientOptions } from 'graphql-ws'
import { ChronicleError, fromGraphQLErrors, type GraphQLErrorJson } from './errors'

/** The live connection (WebSocket) as a person would describe it. */
export type ConnectionStatus =
  /** No live query needs the connection. */
  | 'idle'
  | 'connecting'
  | 'connected'
  /** The connection was lost (or never made); retrying. */
  | 'reconnecting'
  /** The server refused the token (invalid or expired). */
  | 'unauthorized'

export interface SubscriptionHandlers<R> {
  next(data: R): void
  error(error: ChronicleError): void
}

export interface ChronicleClientOptions {
  /** The GraphQL endpoint, e.g. `https://host/graphql`; WebSockets go to the same path. */
  endpoint: string
  /** A JWT; sent as `Authorization: Bearer …` and in `connection_init`. */
  token?: string | null
  fetch?: typeof fetch
  webSocketImpl?: ClientOptions['webSocketImpl']
}

interface GraphQLResponse<R> {
  data?: R | null
  errors?: GraphQLErrorJson[]
}

/** The server closes a socket with 4403 when the token is refused or expires. */
const FORBIDDEN_CLOSE = 4403
const PING_INTERVAL = 10_000
const PONG_TIMEOUT = 5_000
const MAX_RETRY_WAIT = 8_000

const sources = new WeakMap<object, string>()

function source(document: TypedDocumentNode<unknown, never>): string {
  let text = sources.get(document)
  if (text === undefined) {
    text = print(document)
    sources.set(document, text)
  }
  return text
}

/** `http(s)://host/graphql` → `ws(s)://host/graphql`. */
export function webSocketUrl(endpoint: string): string {
  const url = new URL(endpoint, globalThis.location?.href)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  return url.toString()
}

function closeCode(e: unknown): number | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'number') return e.code
  return undefined
}

function closeReason(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'reason' in e && typeof e.reason === 'string' && e.reason) {
    return e.reason
  }
  return 'the live connection failed'
}

function socketError(e: unknown): ChronicleError {
  if (Array.isArray(e)) return fromGraphQLErrors(e as GraphQLErrorJson[])
  if (closeCode(e) === FORBIDDEN_CLOSE) return new ChronicleError('UNAUTHENTICATED', closeReason(e))
  if (e instanceof Error) return new ChronicleError('NETWORK', e.message)
  return new ChronicleError('NETWORK', closeReason(e))
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Talks to one Chronicle server as one user: queries and mutations over HTTP,
 * subscriptions over one shared, lazily opened WebSocket that reconnects for
 * ever (except when the token is refused) and resubscribes by itself.
 * Listeners of `onReconnect` refetch what they may have missed meanwhile.
 */
export class ChronicleClient {
  readonly endpoint: string
  readonly token: string | null
  private readonly fetchImpl: typeof fetch
  private readonly webSocketImpl: ClientOptions['webSocketImpl']
  private socket: SocketClient | undefined
  private statusValue: ConnectionStatus = 'idle'
  private readonly statusListeners = new Set<() => void>()
  private readonly reconnectListeners = new Set<() => void>()

  constructor(options: ChronicleClientOptions) {
    this.endpoint = options.endpoint
    this.token = options.token ?? null
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis)
    this.webSocketImpl = options.webSocketImpl
  }

  get status(): ConnectionStatus {
    return this.statusValue
  }

  /** Runs a query or mutation. Rejects with a ChronicleError. */
  async request<R, V>(document: TypedDocumentNode<R, V>, variables: V, signal?: AbortSignal): Promise<R> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' }
    if (this.token) headers.authorization = `Bearer ${this.token}`
    let response: Response
    try {
      response = await this.fetchImpl(this.endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query: source(document), variables }),
        signal,
      })
    } catch (e) {
      if (signal?.aborted) throw e
      throw new ChronicleError('NETWORK', `cannot reach the server at ${this.endpoint}`)
    }
    let body: GraphQLResponse<R>
    try {
      body = (await response.json()) as GraphQLResponse<R>
    } catch {
      throw new ChronicleError('HTTP', `the server answered HTTP ${response.status}, not a GraphQL response`)
    }
    if (body.errors?.length) {
      const error = fromGraphQLErrors(body.errors)
      if (error.unauthenticated) this.setStatus('unauthorized')
      throw error
    }
    if (body.data == null) throw new ChronicleError('HTTP', 'the server answered without data')
    return body.data
  }

  /** Starts a subscription; returns a function that ends it. */
  subscribe<R, V>(document: TypedDocumentNode<R, V>, variables: V, handlers: SubscriptionHandlers<R>): () => void {
    return this.connection().subscribe<R>(
      { query: source(document), variables: variables as Record<string, unknown> },
      {
        next: (result) => {
          if (result.errors?.length) handlers.error(fromGraphQLErrors(result.errors))
          else if (result.data) handlers.next(result.data)
        },
        error: (e) => {
          const error = socketError(e)
          if (error.unauthenticated) this.setStatus('unauthorized')
          handlers.error(error)
        },
        complete: () => {},
      },
    )
  }

  /** Calls `listener` whenever `status` changes. */
  onStatus(listener: () => void): () => void {
    this.statusListeners.add(listener)
    return () => this.statusListeners.delete(listener)
  }

  /** Calls `listener` after the live connection comes back: refetch what may have been missed. */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener)
    return () => this.reconnectListeners.delete(listener)
  }

  /** Closes the live connection; a later subscription opens a new one. */
  dispose(): void {
    const socket = this.socket
    this.socket = undefined
    void socket?.dispose()
    this.setStatus('idle')
  }

  private connection(): SocketClient {
    if (this.socket) return this.socket
    let active: WebSocket | undefined
    let pongTimer: ReturnType<typeof setTimeout> | undefined
    const socket = createClient({
      url: webSocketUrl(this.endpoint),
      webSocketImpl: this.webSocketImpl,
      connectionParams: this.token ? { authorization: `Bearer ${this.token}` } : {},
      retryAttempts: Number.POSITIVE_INFINITY,
      shouldRetry: (e) => closeCode(e) !== FORBIDDEN_CLOSE,
      retryWait: (retries) => sleep(Math.min(500 * 2 ** retries, MAX_RETRY_WAIT) + Math.random() * 300),
      keepAlive: PING_INTERVAL,
      on: {
        connecting: () => {
          if (this.socket === socket && this.statusValue !== 'reconnecting') this.setStatus('connecting')
        },
        connected: (ws, _payload, wasRetry) => {
          active = ws as WebSocket
          if (this.socket !== socket) return
          this.setStatus('connected')
          if (wasRetry) for (const l of [...this.reconnectListeners]) l()
        },
        // A lost network often leaves the socket open but silent: close it when a ping goes unanswered.
        ping: (received) => {
          if (received) return
          clearTimeout(pongTimer)
          pongTimer = setTimeout(() => {
            if (active?.readyState === WebSocket.OPEN) active.close(4408, 'ping timed out')
          }, PONG_TIMEOUT)
        },
        pong: (received) => {
          if (received) clearTimeout(pongTimer)
        },
        closed: (e) => {
          clearTimeout(pongTimer)
          active = undefined
          if (this.socket !== socket) return
          const code = closeCode(e)
          if (code === FORBIDDEN_CLOSE) this.setStatus('unauthorized')
          else if (code === 1000) this.setStatus('idle')
          else this.setStatus('reconnecting')
        },
      },
    })
    this.socket = socket
    return socket
  }

  private setStatus(status: ConnectionStatus): void {
    if (this.statusValue === status) return
    // A refused token stays refused until a new client (with a new token) is made.
    if (this.statusValue === 'unauthorized' && status !== 'unauthorized') return
    this.statusValue = status
    for (const l of [...this.statusListeners]) l()
  }
}
