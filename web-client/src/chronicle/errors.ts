/** The server's `extensions.code`s, plus the client's own NETWORK and HTTP. */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'BAD_USER_INPUT'
  | 'UNKNOWN_PRECURSOR'
  | 'LIMIT_EXCEEDED'
  | 'INTERNAL'
  /** The server could not be reached (down, or the network is lost). */
  | 'NETWORK'
  /** The server answered something that is not a GraphQL response. */
  | 'HTTP'

const SERVER_CODES: ReadonlySet<string> = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'BAD_USER_INPUT',
  'UNKNOWN_PRECURSOR',
  'LIMIT_EXCEEDED',
  'INTERNAL',
])

export class ChronicleError extends Error {
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string) {
    super(message)
    this.name = 'ChronicleError'
    this.code = code
  }

  /** Worth trying again later: the server was unreachable or failed. */
  get transient(): boolean {
    return this.code === 'NETWORK' || this.code === 'HTTP' || this.code === 'INTERNAL'
  }

  /** The token is missing, invalid or expired: sign in again. */
  get unauthenticated(): boolean {
    return this.code === 'UNAUTHENTICATED'
  }
}

export interface GraphQLErrorJson {
  message: string
  extensions?: { code?: unknown } | null
}

/** A ChronicleError from the first error of a GraphQL response. */
export function fromGraphQLErrors(errors: readonly GraphQLErrorJson[]): ChronicleError {
  const first = errors[0]
  const code = typeof first?.extensions?.code === 'string' ? first.extensions.code : ''
  return new ChronicleError(
    SERVER_CODES.has(code) ? (code as ErrorCode) : 'INTERNAL',
    first?.message ?? 'the server answered with an error',
  )
}

/** Any thrown value as a ChronicleError. */
export function toChronicleError(e: unknown): ChronicleError {
  if (e instanceof ChronicleError) return e
  if (e instanceof Error) return new ChronicleError('NETWORK', e.message)
  return new ChronicleError('NETWORK', String(e))
}
