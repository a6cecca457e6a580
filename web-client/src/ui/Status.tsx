import type { ReactNode } from 'react'
import type { ChronicleError } from '../chronicle'
import { describeError } from './describeError'

export function Loading({ what }: { what: string }) {
  return (
    <p className="status loading" role="status">
      Loading {what}…
    </p>
  )
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="status empty">{children}</p>
}

export function ErrorNotice({ error, retry }: { error: ChronicleError; retry?: () => void }) {
  return (
    <div className="status error" role="alert" title={`${error.code}: ${error.message}`}>
      <span>{describeError(error)}</span>
      {retry && (
        <button type="button" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  )
}
