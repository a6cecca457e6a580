/** Orders strings as the server does (by code point), for keeping live lists sorted. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** The server's `NAME_ASC`: by name, then id. */
export function byName<N extends { id: string; name: string }>(a: N, b: N): number {
  return compareText(a.name, b.name) || compareText(a.id, b.id)
}
