import { href } from '../router'
import { type FieldSpec, type Row, formValue, refName } from './fields'

interface Props<N> {
  fields: readonly FieldSpec<N>[]
  node: Row
  /** Fields to mark as changed. */
  changed?: ReadonlySet<string>
  className?: string
}

function Value<N>({ field, node }: { field: FieldSpec<N>; node: Row }) {
  const value = formValue(field, node)
  switch (field.kind) {
    case 'ref': {
      const name = refName(field, node)
      return name === undefined ? '—' : <a href={href(field.target.route(value))}>{name}</a>
    }
    case 'string':
    case 'int':
    case 'optional':
    case 'text':
      return value || '—'
  }
}

/** An entity's fields as a list of labels and values. */
export function FieldValues<N>({ fields, node, changed, className = 'fields' }: Props<N>) {
  return (
    <dl className={className}>
      {fields.map((field) => {
        const isChanged = changed?.has(field.name) ?? false
        return (
          <div key={field.name} className={isChanged ? 'changed' : undefined} data-field={field.name}>
            <dt>
              {field.label}
              {isChanged && <span className="tag">changed</span>}
            </dt>
            <dd className={field.kind === 'text' ? 'pre' : undefined}>
              <Value field={field} node={node} />
            </dd>
          </div>
        )
      })}
    </dl>
  )
}
