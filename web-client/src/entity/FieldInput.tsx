import type { FieldSpec, FormField } from './fields'

interface Props<N> {
  field: FormField<FieldSpec<N>>
  value: string
  onChange: (value: string) => void
  /** For forms without visible labels. */
  placeholder?: string
  ariaLabel?: string
}

/** The input for one field; it holds the value as a string (see fields.ts for the conversion). */
export function FieldInput<N>({ field, value, onChange, placeholder, ariaLabel }: Props<N>) {
  switch (field.kind) {
    case 'ref': {
      const { Select } = field.target
      return <Select value={value} onChange={onChange} label={field.label} />
    }
    case 'int':
      return (
        <input
          type="number"
          className="number"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          required
          placeholder={placeholder}
          aria-label={ariaLabel}
        />
      )
    case 'string':
    case 'optional':
      return (
        <input
          value={value}
          onChange={(e) => onChange(e.target.value)}
          required={field.kind === 'string'}
          placeholder={placeholder}
          aria-label={ariaLabel}
        />
      )
  }
}
