import type { LiveQueryResult } from '../chronicle'
import { EntityCreateForm } from './EntityCreateForm'
import { EntityTable } from './EntityTable'
import type { Fields, Versioned } from './fields'
import { type EntityModel, capitalize } from './model'

interface Props<N extends Versioned, F extends Fields<N>, Q, S, A> {
  model: EntityModel<N, F, Q, S, A>
  list: LiveQueryResult<N>
}

/** A model's page: a form for a new entity, and the live list. */
export function EntityList<N extends Versioned, F extends Fields<N>, Q, S, A>({ model, list }: Props<N, F, Q, S, A>) {
  return (
    <section className="page">
      <h2>{capitalize(model.plural)}</h2>
      <EntityCreateForm<N, F> model={model} />
      <EntityTable model={model} list={list} />
    </section>
  )
}
