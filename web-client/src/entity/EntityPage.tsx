import type { ReactNode } from 'react'
import { useEntity } from '../chronicle'
import { HistoryPanel } from '../history/HistoryPanel'
import { href } from '../router'
import { ErrorNotice, Loading } from '../ui/Status'
import { EntityAt } from './EntityAt'
import { EntityForm } from './EntityForm'
import type { Fields, Versioned } from './fields'
import { type EntityModel, titleOf } from './model'

interface Props<N extends Versioned, F extends Fields<N>, Q, S, A> {
  model: EntityModel<N, F, Q, S, A>
  id: string
  /** What the model shows besides its fields (text editors, related lists); rendered once it is loaded. */
  children?: ReactNode
}

/** One entity, live: its title, fields and edit form, `children`, and its history. */
export function EntityPage<N extends Versioned, F extends Fields<N>, Q, S, A>({
  model,
  id,
  children,
}: Props<N, F, Q, S, A>) {
  const { entity, error, refetch } = useEntity({
    query: model.one.query,
    variables: { id },
    select: model.one.select,
    subscription: model.changed.subscription,
    subscriptionVariables: { id },
    change: model.changed.select,
  })

  if (error && entity === undefined) return <ErrorNotice error={error} retry={refetch} />
  if (entity === undefined) return <Loading what={`the ${model.noun}`} />
  if (entity === null) {
    return (
      <section className="page">
        <p className="status empty">
          This {model.noun} does not exist, or was deleted.
        </p>
        <a href={href(model.listRoute)}>Back to {model.plural}</a>
      </section>
    )
  }
  return (
    <section className="page detail">
      <div className="main-column">
        <h2>{titleOf(model, entity)}</h2>
        {error && <ErrorNotice error={error} retry={refetch} />}
        <EntityForm model={model} entity={entity} />
        {children}
      </div>
      <HistoryPanel entityId={id} renderSnapshot={(event) => <EntityAt model={model} id={id} event={event} />} />
    </section>
  )
}
