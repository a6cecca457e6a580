import type { ChronicleError } from '../chronicle'

/** What went wrong, in words a person can act on. */
export function describeError(error: ChronicleError): string {
  switch (error.code) {
    case 'NETWORK':
      return 'Cannot reach the server. Is it running? This will refresh once the connection is back.'
    case 'UNAUTHENTICATED':
      return `Your token was refused (${error.message}). Sign in again.`
    case 'FORBIDDEN':
      return `Not allowed: ${error.message}`
    case 'CONFLICT':
      return `Someone else changed this meanwhile: ${error.message}`
    default:
      return error.message
  }
}
