import { useSyncExternalStore } from 'react'

/** The app's pages, kept in the address's hash so any server can serve the app. */
export type Route =
  | { page: 'artists' }
  | { page: 'artist'; id: string }
  | { page: 'albums' }
  | { page: 'album'; id: string }
  | { page: 'audit'; userId: string | null }

export function parseRoute(hash: string): Route {
  const [page = '', arg] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent)
  switch (page) {
    case 'artists':
      return arg ? { page: 'artist', id: arg } : { page: 'artists' }
    case 'albums':
      return arg ? { page: 'album', id: arg } : { page: 'albums' }
    case 'audit':
      return { page: 'audit', userId: arg || null }
    default:
      return { page: 'albums' }
  }
}

export function href(route: Route): string {
  switch (route.page) {
    case 'artists':
    case 'albums':
      return `#/${route.page}`
    case 'artist':
      return `#/artists/${encodeURIComponent(route.id)}`
    case 'album':
      return `#/albums/${encodeURIComponent(route.id)}`
    case 'audit':
      return route.userId ? `#/audit/${encodeURIComponent(route.userId)}` : '#/audit'
  }
}

export function navigate(route: Route): void {
  window.location.hash = href(route)
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener)
  return () => window.removeEventListener('hashchange', listener)
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash)
  return parseRoute(hash)
}
