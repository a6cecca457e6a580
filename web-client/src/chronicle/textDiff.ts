/** One edit of a string, in UTF-16 code units (as JavaScript strings, Yjs and the server count). */
export interface Splice {
  index: number
  delete: number
  insert: string
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff

/**
 * The single splice that turns `before` into `after`: the common prefix and
 * suffix are kept, the middle replaced. Never splits a surrogate pair.
 * `caret` (where the edit ended, e.g. the textarea's selectionEnd) picks the
 * right splice when the change is ambiguous, as typing "a" into "aa" is.
 */
export function diffText(before: string, after: string, caret?: number): Splice | null {
  if (before === after) return null
  const max = Math.min(before.length, after.length)
  let prefix = 0
  while (prefix < max && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++
  if (caret !== undefined) {
    // The edit cannot start past where the caret ended up (minus what was inserted).
    const inserted = after.length - before.length
    prefix = Math.min(prefix, Math.max(0, caret - Math.max(0, inserted)))
  }
  let suffix = 0
  while (
    suffix < max - prefix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  ) {
    suffix++
  }
  // Keep surrogate pairs whole on both edges.
  if (prefix > 0 && isHighSurrogate(before.charCodeAt(prefix - 1))) prefix--
  if (suffix > 0 && isLowSurrogate(before.charCodeAt(before.length - suffix))) suffix--
  return {
    index: prefix,
    delete: before.length - prefix - suffix,
    insert: after.slice(prefix, after.length - suffix),
  }
}

/** Applies a splice to a string (the inverse of `diffText`). */
export function applySplice(text: string, s: Splice): string {
  return text.slice(0, s.index) + s.insert + text.slice(s.index + s.delete)
}
