import { type FormEvent, useState } from 'react'
import { useMutation } from '../chronicle'
import { ErrorNotice } from '../ui/Status'
import { FieldInput } from './FieldInput'
import {
  type FieldSpec,
  type Fields,
  type FormField,
  type Versioned,
  formFields,
  initialDraft,
  isComplete,
  toCreateInput,
} from './fields'
import { type EntityModel, capitalize } from './model'

interface Props<N extends Versioned, F extends Fields<N>> {
  model: Pick<EntityModel<N, F, unknown, unknown, unknown>, 'noun' | 'fields' | 'create'>
}

/** How an input of the one-line form names itself, without a visible label. */
function naming<N>(noun: string, field: FormField<FieldSpec<N>>): { placeholder?: string; ariaLabel?: string } {
  switch (field.kind) {
    case 'string':
      return { placeholder: `${capitalize(noun)} ${field.label.toLowerCase()}` }
    case 'optional':
      return { placeholder: `${field.label} (optional)` }
    case 'int':
      return { ariaLabel: field.label }
    case 'ref':
      return {}
  }
}

/** A one-line form that creates an entity; text fields start empty. */
export function EntityCreateForm<N extends Versioned, F extends Fields<N>>({ model }: Props<N, F>) {
  const { noun, fields } = model
  const [draft, setDraft] = useState(() => initialDraft(fields))
  const [create, { running, error }] = useMutation(model.create)

  const submit = (e: FormEvent) => {
    e.preventDefault()
    create({ input: toCreateInput(fields, draft) }).then(
      () => setDraft(initialDraft(fields)),
      () => {},
    )
  }

  return (
    <form className="inline-form" onSubmit={submit} aria-label={`New ${noun}`}>
      {formFields(fields).map((field) => (
        <FieldInput
          key={field.name}
          field={field}
          value={draft[field.name] ?? ''}
          onChange={(value) => setDraft((d) => ({ ...d, [field.name]: value }))}
          {...naming(noun, field)}
        />
      ))}
      <button type="submit" disabled={running || !isComplete(fields, draft)}>
        Add {noun}
      </button>
      {error && <ErrorNotice error={error} />}
    </form>
  )
}
