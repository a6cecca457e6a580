import type { TypedDocumentNode } from '@graphql-typed-document-node/core'
import { useEffect, useEffectEvent, useRef, useState } from 'react'
import { useChronicle } from './context'
import type { ChronicleError } from './errors'
import { useStableValue } from './useStableValue'

export interface SubscriptionOptions {
  skip?: boolean
  /**
   * Called when the subscription failed and was started again (e.g. it fell
   * behind): whatever it feeds should be refetched.
   */
  onRestart?: () => void
}

const FIRST_RESTART_DELAY = 1_000
const MAX_RESTART_DELAY = 30_000
/** A restarted subscription that has not failed again this long is taken as working. */
const HEALTHY_AFTER = 2_000

/**
 * Keeps a subscription open while mounted, calling `onData` for each result.
 * The socket reconnects and resubscribes by itself; a subscription the server
 * ended with an error is started again after a pause (longer each time),
 * unless the token was refused.
 */
export function useSubscription<R, V>(
  document: TypedDocumentNode<R, V>,
  variables: V,
  onData: (data: R) => void,
  options: SubscriptionOptions = {},
): { error: ChronicleError | undefined } {
  const client = useChronicle()
  const vars = useStableValue(variables)
  const skip = options.skip ?? false
  const [error, setError] = useState<ChronicleError | undefined>(undefined)
  const [generation, setGeneration] = useState(0)
  const failures = useRef(0)
  const handleData = useEffectEvent(onData)
  const handleRestart = useEffectEvent(() => options.onRestart?.())

  useEffect(() => {
    if (skip) return
    let retry: ReturnType<typeof setTimeout> | undefined
    let healthy: ReturnType<typeof setTimeout> | undefined
    const unsubscribe = client.subscribe(document, vars, {
      next: (data) => {
        failures.current = 0
        setError(undefined)
        handleData(data)
      },
      error: (e) => {
        clearTimeout(healthy)
        setError(e)
        if (e.unauthenticated) return
        const delay = Math.min(FIRST_RESTART_DELAY * 2 ** failures.current, MAX_RESTART_DELAY)
        failures.current++
        retry = setTimeout(() => setGeneration((g) => g + 1), delay)
      },
    })
    if (generation > 0) {
      handleRestart()
      healthy = setTimeout(() => {
        failures.current = 0
        setError(undefined)
      }, HEALTHY_AFTER)
    }
    return () => {
      clearTimeout(retry)
      clearTimeout(healthy)
      unsubscribe()
    }
  }, [client, document, vars, skip, generation])

  return { error }
}
