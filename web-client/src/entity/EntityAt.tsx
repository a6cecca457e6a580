import { useQuery } from '../chronicle'
import { ErrorNotice, Loading } from '../ui/Status'
import type { Fields, Versioned } from './fields'
import { FieldValues } from './FieldValues'
import type { EntityModel } from './model'

interface Props<N extends Versioned, F extends Fields<N>, A> {
  model: Pick<EntityModel<N, F, unknown, unknown, A>, 'fields' | 'at'>
  id: string
  event: string
}

/** The entity as it was right after `event`, every field included. */
export function EntityAt<N extends Versioned, F extends Fields<N>, A>({ model, id, event }: Props<N, F, A>) {
  const { data, error } = useQuery(model.at.query, { id, event })
  if (error) return <ErrorNotice error={error} />
  if (!data) return <Loading what="that version" />
  const snapshot = model.at.select(data)
  if (!snapshot) return <p className="muted">Deleted at this point.</p>
  return <FieldValues fields={model.fields} node={snapshot} className="fields snapshot" />
}
