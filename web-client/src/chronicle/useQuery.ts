import type { TypedDocumentNode } from '@graphql-typed-document-node/core'
import { useEffect, useState } from 'react'
import { useChronicle } from './context'
import { type ChronicleError, toChronicleError } from './errors'
import { useReload } from './useReload'
import { useStableValue } from './useStableValue'

export interface QueryResult<R> {
  data: R | undefined
  error: ChronicleError | undefined
  /** A request is under way (the first, or a refetch). */
  loading: boolean
  refetch: () => void
}

interface Answer<R, V> {
  variables: V
  reload: number
  data?: R
  error?: ChronicleError
}

/**
 * Runs a query, again when its variables change and after the live connection
 * comes back. Not live by itself: see useEntity and useLiveQuery for that.
 */
export function useQuery<R, V>(
  document: TypedDocumentNode<R, V>,
  variables: V,
  options: { skip?: boolean } = {},
): QueryResult<R> {
  const client = useChronicle()
  const vars = useStableValue(variables)
  const skip = options.skip ?? false
  const [reload, refetch] = useReload(!skip)
  const [answer, setAnswer] = useState<Answer<R, V> | undefined>(undefined)

  useEffect(() => {
    if (skip) return
    const controller = new AbortController()
    client.request(document, vars, controller.signal).then(
      (data) => setAnswer({ variables: vars, reload, data }),
      (e: unknown) => {
        if (controller.signal.aborted) return
        // Keep the last data for these variables: an error on refetch should not blank the page.
        setAnswer((a) => ({ ...(a?.variables === vars ? a : {}), variables: vars, reload, error: toChronicleError(e) }))
      },
    )
    return () => controller.abort()
  }, [client, document, vars, skip, reload])

  const current = answer?.variables === vars ? answer : undefined
  return {
    data: current?.data,
    error: current?.error,
    loading: !skip && current?.reload !== reload,
    refetch,
  }
}
