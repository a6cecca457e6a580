import * as Y from 'yjs'
import { fromBase64, toBase64 } from './base64'
import { diffText } from './textDiff'

/** A selection in a text field, as UTF-16 offsets. */
export interface Selection {
  start: number
  end: number
}

/** A selection anchored to the characters around it, so it survives concurrent edits. */
export interface AnchoredSelection {
  start: Y.RelativePosition
  end: Y.RelativePosition
}

/** Sends one base64 Yjs update to the server; rejects when it was not stored. */
export type SendUpdate = (update: string) => Promise<void>

/** `failed`: the server refused an edit for good (it was dropped; reload the text). */
export type SyncState = 'idle' | 'saving' | 'retrying' | 'failed'

export interface TextSyncOptions {
  /** Whether a failed send is worth retrying (a network error is; a refusal is not). */
  retryable?: (error: unknown) => boolean
  /** How long to gather keystrokes into one request, in ms. */
  batchDelay?: number
}

const LOCAL = Symbol('local edit')
const REMOTE = Symbol('remote update')

/**
 * One collaborative Text field, independent of React: a Yjs document loaded
 * from the server's `textState`, remote updates merged in, and local edits
 * sent out as Yjs updates one request at a time (keystrokes within
 * `batchDelay`, or made while a request is under way, are merged into the next
 * one; a failed one is sent again, which is safe because applying an update
 * twice changes nothing).
 */
export class TextSync {
  readonly doc = new Y.Doc()
  readonly text: Y.Text
  private queue: Uint8Array[] = []
  private inflight = false
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private failures = 0
  private disposed = false
  private readonly listeners = new Set<() => void>()
  state: SyncState = 'idle'
  lastError: unknown = undefined

  readonly field: string
  private readonly send: SendUpdate
  private readonly retryable: (error: unknown) => boolean
  private readonly batchDelay: number
  private batchTimer: ReturnType<typeof setTimeout> | undefined

  /** @param send stores one update on the server */
  constructor(field: string, send: SendUpdate, options: TextSyncOptions = {}) {
    this.field = field
    this.send = send
    this.retryable = options.retryable ?? (() => true)
    this.batchDelay = options.batchDelay ?? 100
    this.text = this.doc.getText(field)
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== LOCAL) return
      this.queue.push(update)
      if (this.batchTimer === undefined && !this.inflight) {
        this.batchTimer = setTimeout(() => void this.flush(), this.batchDelay)
      }
    })
    this.text.observe(() => this.emit())
  }

  get value(): string {
    return this.text.toString()
  }

  /**
   * Whether remote updates are waiting for ones this document never got (an
   * update was missed): reload the whole state to fill the gap.
   */
  get missing(): boolean {
    return this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null
  }

  /** Whether local edits are still waiting to reach the server. */
  get dirty(): boolean {
    return this.queue.length > 0 || this.inflight
  }

  /** Calls `listener` after every change of the text or of the sync state. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Merges a base64 update (or a whole `textState`) from the server. */
  applyRemote(update: string): void {
    Y.applyUpdate(this.doc, fromBase64(update), REMOTE)
  }

  /** Records the field's new local value (e.g. a textarea's), as the smallest splice. */
  setLocal(next: string, caret?: number): void {
    const splice = diffText(this.value, next, caret)
    if (!splice) return
    this.doc.transact(() => {
      if (splice.delete > 0) this.text.delete(splice.index, splice.delete)
      if (splice.insert) this.text.insert(splice.index, splice.insert)
    }, LOCAL)
  }

  /** Anchors a selection to the text, before a remote change moves things around. */
  anchor(selection: Selection): AnchoredSelection {
    // Associate with the character on the left, so text another user types at
    // the caret lands after it and one's own typing continues where it was.
    return {
      start: Y.createRelativePositionFromTypeIndex(this.text, selection.start, -1),
      end: Y.createRelativePositionFromTypeIndex(this.text, selection.end, -1),
    }
  }

  /** Where an anchored selection is now. */
  resolve(anchored: AnchoredSelection): Selection {
    const at = (pos: Y.RelativePosition) =>
      Y.createAbsolutePositionFromRelativePosition(pos, this.doc)?.index ?? this.text.length
    const start = at(anchored.start)
    return { start, end: Math.max(start, at(anchored.end)) }
  }

  /** Sends queued local edits now (also called on reconnect). */
  async flush(): Promise<void> {
    clearTimeout(this.batchTimer)
    this.batchTimer = undefined
    if (this.inflight || this.disposed || this.queue.length === 0) return
    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    const batch = this.queue
    this.queue = []
    const update = batch.length === 1 ? batch[0] : Y.mergeUpdates(batch)
    this.inflight = true
    this.setState('saving')
    try {
      await this.send(toBase64(update))
      this.failures = 0
      this.lastError = undefined
    } catch (e) {
      this.lastError = e
      if (!this.retryable(e)) {
        this.failures = 0
        this.queue = []
        this.setState('failed')
        return
      }
      this.queue.unshift(update)
      this.failures++
    } finally {
      this.inflight = false
    }
    if (this.disposed) return
    if (this.failures > 0) {
      this.setState('retrying')
      const wait = Math.min(500 * 2 ** (this.failures - 1), 10_000)
      this.retryTimer = setTimeout(() => void this.flush(), wait)
    } else if (this.queue.length > 0) {
      await this.flush()
    } else {
      this.setState('idle')
    }
  }

  dispose(): void {
    this.disposed = true
    clearTimeout(this.retryTimer)
    clearTimeout(this.batchTimer)
    this.listeners.clear()
    this.doc.destroy()
  }

  private setState(state: SyncState): void {
    if (this.state === state) return
    this.state = state
    this.emit()
  }

  private emit(): void {
    for (const l of this.listeners) l()
  }
}
