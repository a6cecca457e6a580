import { describe, expect, it } from 'vitest'
import { applySplice, diffText } from './textDiff'

describe('diffText', () => {
  it('finds insertions, deletions and replacements', () => {
    expect(diffText('hello world', 'hello brave world')).toEqual({ index: 6, delete: 0, insert: 'brave ' })
    expect(diffText('hello brave world', 'hello world')).toEqual({ index: 6, delete: 6, insert: '' })
    expect(diffText('hello world', 'hello there')).toEqual({ index: 6, delete: 5, insert: 'there' })
    expect(diffText('', 'abc')).toEqual({ index: 0, delete: 0, insert: 'abc' })
    expect(diffText('abc', '')).toEqual({ index: 0, delete: 3, insert: '' })
    expect(diffText('same', 'same')).toBeNull()
  })

  it('uses the caret to place an ambiguous edit', () => {
    // Typing "a" at the start of "aa": without the caret it looks like an append.
    expect(diffText('aa', 'aaa')).toEqual({ index: 2, delete: 0, insert: 'a' })
    expect(diffText('aa', 'aaa', 1)).toEqual({ index: 0, delete: 0, insert: 'a' })
    // Backspace over the middle "a" of "aaa" (caret ends at 1).
    expect(diffText('aaa', 'aa', 1)).toEqual({ index: 1, delete: 1, insert: '' })
    // Pasting "xx" between two "x"s.
    expect(diffText('xx', 'xxxx', 3)).toEqual({ index: 1, delete: 0, insert: 'xx' })
  })

  it('never splits a surrogate pair', () => {
    // 😀 is \ud83d\ude00 and 😁 is \ud83d\ude01: they share the high surrogate.
    const s = diffText('a😀b', 'a😁b')
    expect(s).toEqual({ index: 1, delete: 2, insert: '😁' })
    // Shared low surrogate: 🀀 (\ud83c\udc00) vs 𐰀 (\ud803\udc00).
    expect(diffText('🀀', '𐰀')).toEqual({ index: 0, delete: 2, insert: '𐰀' })
  })

  it('always yields a splice that turns one text into the other', () => {
    const alphabet = ['a', 'b', ' ', 'é', '😀', '\n']
    let seed = 42
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed
    }
    const word = () => Array.from({ length: random() % 8 }, () => alphabet[random() % alphabet.length]).join('')
    for (let i = 0; i < 2000; i++) {
      const before = word()
      const after = word()
      const caret = random() % (after.length + 1)
      const splice = diffText(before, after, caret)
      expect(splice ? applySplice(before, splice) : before).toBe(after)
    }
  })
})
