import { type LiveQueryResult, useMutation } from '../chronicle'
import { href } from '../router'
import { Empty, ErrorNotice, Loading } from '../ui/Status'
import { type FieldSpec, type Fields, type Row, type Versioned, formFields, formValue, refName } from './fields'
import { type EntityModel, capitalize, titleOf } from './model'

interface Props<N extends Versioned, F extends Fields<N>> {
  model: Pick<EntityModel<N, F, unknown, unknown, unknown>, 'noun' | 'plural' | 'title' | 'fields' | 'route' | 'remove'>
  list: LiveQueryResult<N>
  /** Fields not to show (e.g. the artist, on an artist's page). */
  hide?: readonly F[number]['name'][]
}

function Cell<N>({ field, node }: { field: FieldSpec<N>; node: Row }) {
  const value = formValue(field, node)
  if (field.kind !== 'ref') return <span className="muted">{value || '—'}</span>
  return (
    <a className="muted" href={href(field.target.route(value))}>
      {refName(field, node) ?? `unknown ${field.label.toLowerCase()}`}
    </a>
  )
}

/** A live list of entities: the title links to each one's page, then its other fields, and Delete. */
export function EntityTable<N extends Versioned, F extends Fields<N>>({ model, list, hide = [] }: Props<N, F>) {
  const { nodes, totalCount, error, refetch, loadMore } = list
  const [remove, removing] = useMutation(model.remove)
  const columns = formFields(model.fields).filter((f) => f.name !== model.title && !hide.includes(f.name))
  if (error && nodes === undefined) return <ErrorNotice error={error} retry={refetch} />
  if (nodes === undefined) return <Loading what={model.plural} />
  return (
    <>
      {error && <ErrorNotice error={error} retry={refetch} />}
      {removing.error && <ErrorNotice error={removing.error} />}
      {nodes.length === 0 ? (
        <Empty>No {model.plural} yet.</Empty>
      ) : (
        <>
          <p className="count">
            {totalCount} {model.plural}
          </p>
          <ul className="rows" aria-label={capitalize(model.plural)}>
            {nodes.map((node) => {
              const title = titleOf(model, node)
              return (
                <li key={node.id} className="row" data-id={node.id}>
                  <a href={href(model.route(node.id))}>{title}</a>
                  {columns.map((field) => (
                    <Cell key={field.name} field={field} node={node} />
                  ))}
                  <button
                    type="button"
                    className="danger"
                    onClick={() => remove({ id: node.id }).catch(() => {})}
                    aria-label={`Delete ${title}`}
                  >
                    Delete
                  </button>
                </li>
              )
            })}
          </ul>
          {loadMore && (
            <button type="button" onClick={loadMore}>
              Load more
            </button>
          )}
        </>
      )}
    </>
  )
}
