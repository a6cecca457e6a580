import type { TypedDocumentNode } from '@graphql-typed-document-node/core'
import { useCallback, useState } from 'react'
import { useChronicle } from './context'
import { type ChronicleError, toChronicleError } from './errors'

export interface MutationState {
  running: boolean
  error: ChronicleError | undefined
}

/**
 * A function that runs a mutation, and its state. The function rejects with a
 * ChronicleError too, for callers that want to react to failure themselves.
 */
export function useMutation<R, V>(
  document: TypedDocumentNode<R, V>,
): [(variables: V) => Promise<R>, MutationState & { reset: () => void }] {
  const client = useChronicle()
  const [state, setState] = useState<MutationState>({ running: false, error: undefined })
  const mutate = useCallback(
    async (variables: V) => {
      setState({ running: true, error: undefined })
      try {
        const data = await client.request(document, variables)
        setState({ running: false, error: undefined })
        return data
      } catch (e) {
        const error = toChronicleError(e)
        setState({ running: false, error })
        throw error
      }
    },
    [client, document],
  )
  const reset = useCallback(() => setState({ running: false, error: undefined }), [])
  return [mutate, { ...state, reset }]
}
