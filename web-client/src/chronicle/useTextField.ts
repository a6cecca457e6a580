import type { TypedDocumentNode } from '@graphql-typed-document-node/core'
import {
  type ChangeEvent,
  useCallback,
  useEffect,
  useEffectEvent,
  useRef,
  useState,
} from 'react'
import { useChronicle } from './context'
import { ChronicleError, toChronicleError } from './errors'
import { type Selection, type SyncState, TextSync } from './textSync'
import { useReload, useSettleReload } from './useReload'
import { useStableValue } from './useStableValue'
import { useSubscription } from './useSubscription'

export interface TextFieldOptions<Q, QV, S, SV, M, MV> {
  /** The Text field's name (its `getText` name in the entity's Yjs document). */
  field: string
  /** Loads the entity's `textState`. */
  state: { query: TypedDocumentNode<Q, QV>; variables: QV; select: (data: Q) => string | null | undefined }
  /** The entity's `xChanged(id)` subscription, selecting `event { yrsUpdate }`. */
  changes: { subscription: TypedDocumentNode<S, SV>; variables: SV; select: (data: S) => string | null | undefined }
  /** An update mutation that takes the base64 Yjs update as `{ <field>: { yrsUpdate } }`. */
  save: { mutation: TypedDocumentNode<M, MV>; variables: (yrsUpdate: string) => MV }
}

export interface TextFieldResult {
  value: string
  /** Until the text is loaded (edit nothing before). */
  loaded: boolean
  /** `saving` while local edits are on their way, `retrying` after a failure, `failed` when refused. */
  sync: SyncState
  error: ChronicleError | undefined
  /** Spread onto a <textarea> or <input>: `value`, `onChange`, `ref`, `readOnly`. */
  bind: {
    value: string
    readOnly: boolean
    onChange: (e: ChangeEvent<HTMLTextAreaElement | HTMLInputElement>) => void
    ref: (el: HTMLTextAreaElement | HTMLInputElement | null) => void
  }
}

type Editable = HTMLTextAreaElement | HTMLInputElement

function selectionOf(el: Editable | null): Selection | undefined {
  if (!el || el.selectionStart === null || el.selectionEnd === null) return undefined
  return { start: el.selectionStart, end: el.selectionEnd }
}

/**
 * Collaborative editing of one Text field: the text lives in a Yjs document
 * loaded from `textState`; local edits go out as Yjs updates; remote ones (the
 * `yrsUpdate` of each change event, or a fresh `textState` after a reconnect)
 * merge in, and the caret stays on the characters it was between.
 */
export function useTextField<Q, QV, S, SV, M, MV>(options: TextFieldOptions<Q, QV, S, SV, M, MV>): TextFieldResult {
  const client = useChronicle()
  const { field } = options
  const stateVars = useStableValue(options.state.variables)
  const { query } = options.state
  const { subscription, variables: changeVars } = options.changes
  const [sync, setSync] = useState<TextSync | null>(null)
  const [value, setValue] = useState('')
  /** The document whose state has been loaded. */
  const [loaded, setLoaded] = useState<TextSync | null>(null)
  const [reload, refetch] = useReload()
  useSettleReload(sync !== null, sync, refetch)
  const [syncState, setSyncState] = useState<SyncState>('idle')
  const [error, setError] = useState<ChronicleError | undefined>(undefined)
  const element = useRef<Editable | null>(null)

  const selectState = useEffectEvent((data: Q) => options.state.select(data))
  const save = useEffectEvent(async (update: string) => {
    await client.request(options.save.mutation, options.save.variables(update))
  })

  /**
   * Merges a remote update, keeping the caret (and selection) on the
   * characters it was between. The element is written at once, not on the
   * next render: a keystroke in between would otherwise edit the old text.
   */
  const merge = useCallback((text: TextSync, update: string) => {
    const before = text.value
    const el = element.current
    const selection = el && el.value === before ? selectionOf(el) : undefined
    const anchored = selection && text.anchor(selection)
    const direction = el?.selectionDirection ?? undefined
    text.applyRemote(update)
    const after = text.value
    if (after === before) return
    if (el) {
      el.value = after
      if (anchored) {
        const moved = text.resolve(anchored)
        el.setSelectionRange(moved.start, moved.end, direction)
      }
    }
    setValue(after)
  }, [])

  // One Yjs document per field of one entity.
  useEffect(() => {
    const text = new TextSync(field, (update) => save(update), { retryable: (e) => toChronicleError(e).transient })
    // The document lives exactly as long as this effect (StrictMode makes two); render the current one.
    // eslint-disable-next-line react/set-state-in-effect
    setSync(text)
    const offState = text.subscribe(() => {
      setSyncState(text.state)
      if (text.state === 'failed' || text.state === 'retrying') setError(toChronicleError(text.lastError))
      else if (text.state === 'idle') setError(undefined)
    })
    // After a reconnect, send again what may not have arrived.
    const offReconnect = client.onReconnect(() => void text.flush())
    return () => {
      offState()
      offReconnect()
      text.dispose()
    }
  }, [client, field, query, stateVars])

  // Load (and after a reconnect, reload) the whole state: merging it brings in anything missed.
  useEffect(() => {
    if (!sync) return
    let current = true
    client.request(query, stateVars).then(
      (data) => {
        if (!current) return
        const state = selectState(data)
        if (state == null) {
          setError(new ChronicleError('NOT_FOUND', 'this entity does not exist (any more)'))
          return
        }
        merge(sync, state)
        setValue(sync.value)
        setLoaded(sync)
        setError(undefined)
      },
      (e: unknown) => {
        if (current) setError(toChronicleError(e))
      },
    )
    return () => {
      current = false
    }
  }, [client, query, stateVars, sync, merge, reload])

  const live = useSubscription(
    subscription,
    changeVars,
    (data) => {
      const update = options.changes.select(data)
      if (!sync || !update) return
      merge(sync, update)
      if (sync.missing) refetch()
    },
    { skip: sync === null, onRestart: refetch },
  )

  const onChange = useCallback(
    (e: ChangeEvent<Editable>) => {
      if (!sync) return
      const el = e.currentTarget
      sync.setLocal(el.value, el.selectionEnd ?? undefined)
      setValue(sync.value)
    },
    [sync],
  )
  const ready = sync !== null && loaded === sync
  const ref = useCallback((el: Editable | null) => {
    element.current = el
  }, [])

  return {
    value: ready ? value : '',
    loaded: ready,
    sync: syncState,
    error: error ?? live.error,
    bind: { value: ready ? value : '', readOnly: !ready, onChange, ref },
  }
}
