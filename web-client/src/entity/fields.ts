import type { ComponentType } from 'react'
import type { Route } from '../router'

/**
 * A model's fields, described once, drive its forms, tables and snapshots.
 * Names are checked against the entity type codegen made from the schema, so
 * a field that is missing or of another type fails the build.
 */

/** What the generic components need of any entity: its id and version metadata. */
export type Versioned = { id: string; heads: string[]; updatedBy: string; updatedAt: string }

/** The props of a picker for a `ref` field. */
export interface RefSelectProps {
  value: string
  onChange: (id: string) => void
  /** Its accessible name. */
  label: string
}

/** The model a `ref` field points at. */
export interface RefTarget {
  route: (id: string) => Route
  Select: ComponentType<RefSelectProps>
}

/** The names of `N`'s fields whose type is `V` (nullable ones only when `V` is). */
export type KeysOf<N, V> = { [K in keyof N]-?: [N[K]] extends [V] ? K : never }[keyof N] & string

type NullableStringKeys<N> = {
  [K in keyof N]-?: [N[K]] extends [string | null | undefined] ? (null extends N[K] ? K : never) : never
}[keyof N] &
  string

export type FieldSpec<N> =
  /** A required `String!`. */
  | { kind: 'string'; name: KeysOf<N, string>; label: string }
  /** A required `Int!`; `initial` fills it in a new entity's form. */
  | { kind: 'int'; name: KeysOf<N, number>; label: string; initial?: () => number }
  /** A nullable `String`: blank means null. */
  | { kind: 'optional'; name: NullableStringKeys<N>; label: string }
  /** A `Ref`: `name` is its id field (`artistId`), `entity` the entity beside it (`artist`). */
  | {
      kind: 'ref'
      name: KeysOf<N, string>
      entity: KeysOf<N, { name: string } | null | undefined>
      label: string
      target: RefTarget
    }
  /**
   * A collaborative Text field: shown in snapshots, never in these forms
   * (it is edited live with useTextField, and merges instead of conflicting).
   */
  | { kind: 'text'; name: string; label: string }

export type Fields<N> = readonly FieldSpec<N>[]

/** What the code below needs to know of a field, whatever its entity type. */
export type Named =
  | { kind: 'string' | 'ref' | 'optional' | 'text'; name: string }
  | { kind: 'int'; name: string; initial?: () => number }

/** The fields a form edits. */
export type FormField<S extends Named> = Exclude<S, { kind: 'text' }>

type InputValue<S> = S extends { kind: 'int' } ? number : S extends { kind: 'optional' } ? string | null : string

/** The `XCreateInput` that `F` makes: every field but text fields, which start empty. */
export type CreateInput<F extends readonly Named[]> = {
  [S in F[number] as S extends { kind: 'text' } ? never : S['name']]: InputValue<S>
}

/** The `XUpdateInput` that `F` makes: the changed fields only. */
export type UpdateInput<F extends readonly Named[]> = Partial<CreateInput<F>>

/** The text fields' values, which snapshots (`xAt`) select beside the entity's other fields. */
export type TextValues<F extends readonly Named[]> = {
  [S in F[number] as S extends { kind: 'text' } ? S['name'] : never]: string
}

/** A form's values by field name: each as the string its input holds. */
export type Draft = Readonly<Partial<Record<string, string>>>

/** An entity read as a bag of fields, for the code that walks them by name. */
export type Row = { readonly [field: string]: unknown }

const INT_MIN = -(2 ** 31)
const INT_MAX = 2 ** 31 - 1

export function formFields<S extends Named>(fields: readonly S[]): FormField<S>[] {
  return fields.filter((f): f is FormField<S> => f.kind !== 'text')
}

/** A field's value as its input holds it. */
export function formValue(field: Named, node: Row): string {
  const value = node[field.name]
  if (typeof value === 'number') return String(value)
  return typeof value === 'string' ? value : ''
}

/** The name of the entity a `ref` field points at, when it exists. */
export function refName(field: { entity: string }, node: Row): string | undefined {
  const target = node[field.entity]
  if (typeof target !== 'object' || target === null || !('name' in target)) return undefined
  return typeof target.name === 'string' ? target.name : undefined
}

/** The form's values for an existing entity. */
export function draftOf(fields: readonly Named[], node: Row): Draft {
  return Object.fromEntries(formFields(fields).map((f) => [f.name, formValue(f, node)]))
}

/** The form's values for a new entity. */
export function initialDraft(fields: readonly Named[]): Draft {
  return Object.fromEntries(
    formFields(fields).map((f) => [f.name, f.kind === 'int' && f.initial ? String(f.initial()) : '']),
  )
}

function isInt(value: string): boolean {
  if (!/^\s*-?\d+\s*$/.test(value)) return false
  const n = Number(value)
  return n >= INT_MIN && n <= INT_MAX
}

/** Whether `value` can be saved in `field`. */
function isValid(field: Named, value: string): boolean {
  switch (field.kind) {
    case 'string':
    case 'ref':
      return value.trim() !== ''
    case 'int':
      return isInt(value)
    case 'optional':
    case 'text':
      return true
  }
}

/** Whether every field of the form can be saved. */
export function isComplete(fields: readonly Named[], draft: Draft): boolean {
  return formFields(fields).every((f) => isValid(f, draft[f.name] ?? ''))
}

/** A form value as the GraphQL input takes it. */
function inputValue(field: Named, value: string): string | number | null {
  switch (field.kind) {
    case 'int':
      return Number(value.trim())
    case 'optional':
      return value.trim() || null
    case 'ref':
      return value
    case 'string':
    case 'text':
      return value.trim()
  }
}

/** The form fields whose value would be saved differently from `base`'s. */
export function changedFields<S extends Named>(fields: readonly S[], base: Draft, draft: Draft): FormField<S>[] {
  return formFields(fields).filter((f) => inputValue(f, draft[f.name] ?? '') !== inputValue(f, base[f.name] ?? ''))
}

/** The create mutation's input. */
export function toCreateInput<const F extends readonly Named[]>(fields: F, draft: Draft): CreateInput<F> {
  const input = Object.fromEntries(formFields(fields).map((f) => [f.name, inputValue(f, draft[f.name] ?? '')]))
  // The entries are exactly CreateInput's keys, each converted for its kind; fromEntries cannot say so.
  return input as CreateInput<F>
}

/**
 * The update mutation's input: only the fields the person changed from
 * `base`, so that saving does not write back values others changed meanwhile.
 */
export function toUpdateInput<const F extends readonly Named[]>(fields: F, base: Draft, draft: Draft): UpdateInput<F> {
  const input = Object.fromEntries(
    changedFields(fields, base, draft).map((f) => [f.name, inputValue(f, draft[f.name] ?? '')]),
  )
  // A subset of UpdateInput's keys, each converted for its kind; fromEntries cannot say so.
  return input as UpdateInput<F>
}

/** The person's changes (`draft` against `base`), made over `current` instead. */
export function rebase(base: Draft, draft: Draft, current: Draft): Draft {
  return Object.fromEntries(
    Object.keys(current).map((name) => [name, draft[name] !== base[name] ? draft[name] : current[name]]),
  )
}
