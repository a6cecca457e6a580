import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { fromBase64, toBase64 } from './base64'
import { TextSync } from './textSync'

/** A stand-in for the server: one Yjs document that broadcasts what it stores. */
class FakeServer {
  readonly doc = new Y.Doc()
  readonly clients: TextSync[] = []
  failNext = 0

  constructor(initial = '') {
    this.doc.getText('description').insert(0, initial)
  }

  get textState(): string {
    return toBase64(Y.encodeStateAsUpdate(this.doc))
  }

  get text(): string {
    return this.doc.getText('description').toString()
  }

  connect(): TextSync {
    const client = new TextSync('description', (update) => this.receive(update), { batchDelay: 0 })
    client.applyRemote(this.textState)
    this.clients.push(client)
    return client
  }

  async receive(update: string): Promise<void> {
    await Promise.resolve()
    if (this.failNext > 0) {
      this.failNext--
      throw new Error('network down')
    }
    Y.applyUpdate(this.doc, fromBase64(update))
    // Every subscriber (the sender too) gets the event's update.
    for (const c of this.clients) c.applyRemote(update)
  }
}

async function settle(...clients: TextSync[]): Promise<void> {
  for (let i = 0; i < 50 && clients.some((c) => c.dirty); i++) {
    await vi.advanceTimersByTimeAsync(50)
  }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('TextSync', () => {
  it('loads a textState made by the server (Yrs)', () => {
    // What the Chronicle server answered for an album created with description "hello world".
    const sync = new TextSync('description', async () => {})
    sync.applyRemote('AQHVloi1sfHhAQAEAQtkZXNjcmlwdGlvbgtoZWxsbyB3b3JsZAA=')
    expect(sync.value).toBe('hello world')
  })

  it('merges concurrent edits from two clients so both survive everywhere', async () => {
    vi.useFakeTimers()
    const server = new FakeServer('The middle.')
    const alice = server.connect()
    const bob = server.connect()
    // Both type before either hears from the other.
    alice.setLocal('Alice first. The middle.', 'Alice first. '.length)
    bob.setLocal('The middle. Bob last.', 'The middle. Bob last.'.length)
    await settle(alice, bob)
    expect(server.text).toBe('Alice first. The middle. Bob last.')
    expect(alice.value).toBe(server.text)
    expect(bob.value).toBe(server.text)
  })

  it('gathers keystrokes into one request', async () => {
    vi.useFakeTimers()
    const sent: string[] = []
    const sync = new TextSync('description', async (u) => void sent.push(u), { batchDelay: 100 })
    sync.setLocal('a')
    sync.setLocal('ab')
    sync.setLocal('abc')
    expect(sent).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(100)
    expect(sent).toHaveLength(1)
    const check = new Y.Doc()
    Y.applyUpdate(check, fromBase64(sent[0]))
    expect(check.getText('description').toString()).toBe('abc')
  })

  it('retries a failed send, with what was typed meanwhile', async () => {
    vi.useFakeTimers()
    const server = new FakeServer()
    const sync = server.connect()
    server.failNext = 1
    sync.setLocal('one')
    await vi.advanceTimersByTimeAsync(1)
    expect(sync.state).toBe('retrying')
    sync.setLocal('one two')
    await settle(sync)
    expect(sync.state).toBe('idle')
    expect(server.text).toBe('one two')
  })

  it('drops an edit the server refuses for good', async () => {
    vi.useFakeTimers()
    const sync = new TextSync(
      'description',
      async () => {
        throw new Error('NOT_FOUND')
      },
      { batchDelay: 0, retryable: () => false },
    )
    sync.setLocal('x')
    await vi.advanceTimersByTimeAsync(1)
    expect(sync.state).toBe('failed')
    expect(sync.dirty).toBe(false)
  })

  it('applies remote updates that arrive out of order', () => {
    const source = new Y.Doc()
    const updates: Uint8Array[] = []
    source.on('update', (u: Uint8Array) => updates.push(u))
    const text = source.getText('description')
    text.insert(0, 'abc')
    text.insert(3, 'def')
    const sync = new TextSync('description', async () => {})
    sync.applyRemote(toBase64(updates[1]))
    expect(sync.value).toBe('')
    expect(sync.missing).toBe(true)
    sync.applyRemote(toBase64(updates[0]))
    expect(sync.value).toBe('abcdef')
    expect(sync.missing).toBe(false)
    // Applying one twice changes nothing.
    sync.applyRemote(toBase64(updates[0]))
    expect(sync.value).toBe('abcdef')
  })
})

describe('caret mapping', () => {
  /** A client whose text is `initial`, and a remote peer that edits the same document. */
  function pair(initial: string) {
    const remote = new Y.Doc()
    remote.getText('description').insert(0, initial)
    const local = new TextSync('description', async () => {})
    local.applyRemote(toBase64(Y.encodeStateAsUpdate(remote)))
    const edit = (fn: (t: Y.Text) => void) => {
      const before = Y.encodeStateVector(remote)
      fn(remote.getText('description'))
      local.applyRemote(toBase64(Y.encodeStateAsUpdate(remote, before)))
    }
    return { local, edit }
  }

  it('moves the caret by what was inserted or deleted before it', () => {
    const { local, edit } = pair('hello world')
    const caret = local.anchor({ start: 6, end: 11 }) // "world" selected
    edit((t) => t.insert(0, '>> '))
    expect(local.resolve(caret)).toEqual({ start: 9, end: 14 })
    edit((t) => t.delete(0, 3))
    expect(local.resolve(caret)).toEqual({ start: 6, end: 11 })
  })

  type CaretCase = [what: string, initial: string, caret: number, edit: (t: Y.Text) => void, value: string, after: number]
  it.each<CaretCase>([
    ['leaves the caret alone for edits after it', 'hello world', 5, (t) => t.insert(11, '!'), 'hello world!', 5],
    ['keeps the caret before text another user types at the same place', 'ab', 1, (t) => t.insert(1, 'XYZ'), 'aXYZb', 1],
    ['keeps the caret at the start of the text', 'ab', 0, (t) => t.insert(0, 'XYZ'), 'XYZab', 0],
    ['collapses the caret where a deleted range was', '0123456789', 5, (t) => t.delete(3, 4), '012789', 3],
    ['keeps counting in UTF-16 code units around emoji', '😀 ok', 3, (t) => t.insert(0, '🎉'), '🎉😀 ok', 5],
  ])('%s', (_what, initial, caret, edit, value, after) => {
    const peers = pair(initial)
    const anchored = peers.local.anchor({ start: caret, end: caret })
    peers.edit(edit)
    expect(peers.local.value).toBe(value)
    expect(peers.local.resolve(anchored)).toEqual({ start: after, end: after })
  })
})
