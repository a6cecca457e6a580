import type { TypedDocumentNode } from '@graphql-typed-document-node/core'
import type { LiveChange } from '../chronicle'
import type { Route } from '../router'
import type { CreateInput, Fields, KeysOf, Row, TextValues, UpdateInput, Versioned } from './fields'

/** An entity with its text fields, as a snapshot (`xAt`) selects it. */
type Snapshot<N, F extends Fields<N>> = N & TextValues<F>

/** What editing an entity takes: its fields, a fresh read, and the update mutation. */
export interface EditBinding<N extends Versioned, F extends Fields<N>, Q> {
  fields: F
  /** `x(id)`: the entity afresh, with the fields the other documents select. */
  one: { query: TypedDocumentNode<Q, { id: string }>; select: (data: Q) => N | null | undefined }
  /** `updateX(id, input, ifHeads)`. */
  update: TypedDocumentNode<unknown, { id: string; input: UpdateInput<F>; ifHeads: string[] }>
}

/**
 * Everything the generic entity components need of a model: its fields and
 * its typed operations (written beside the model, typed by codegen). The
 * documents' variable types are checked against `fields`, so an input the
 * fields do not make fails the build.
 */
export interface EntityModel<N extends Versioned, F extends Fields<N>, Q, S, A> extends EditBinding<N, F, Q> {
  /** Lowercase, for sentences: "album", "albums". */
  noun: string
  plural: string
  /** The field that names an entity in headings, links and buttons. */
  title: KeysOf<N, string>
  route: (id: string) => Route
  listRoute: Route
  /** `xChanged(id)`, selecting the same entity fields as `one`. */
  changed: { subscription: TypedDocumentNode<S, { id: string }>; select: (data: S) => LiveChange<N> }
  /** `xAt(id, event)`, selecting the same fields plus the text fields. */
  at: {
    query: TypedDocumentNode<A, { id: string; event: string }>
    select: (data: A) => Snapshot<N, F> | null | undefined
  }
  create: TypedDocumentNode<unknown, { input: CreateInput<F> }>
  remove: TypedDocumentNode<unknown, { id: string }>
}

/**
 * `update` must declare `$ifHeads`. Its variables' type cannot tell: a
 * mutation without it still accepts what the form sends (extra variables are
 * allowed), and would then overwrite others' changes without a word.
 */
type DeclaresIfHeads<D> =
  D extends TypedDocumentNode<unknown, infer V>
    ? 'ifHeads' extends keyof V
      ? unknown
      : { $ifHeads: 'missing' }
    : never

/**
 * Checks editing against the entity type `N` (the fragment the documents
 * select), keeping the field list's literal types, which type the inputs.
 */
export function defineEditing<N extends Versioned>() {
  return <const F extends Fields<N>, Q, U extends EditBinding<N, F, Q>['update']>(
    binding: EditBinding<N, F, Q> & { update: U & DeclaresIfHeads<U> },
  ): EditBinding<N, F, Q> => binding
}

/** Checks a model as defineEditing does. */
export function defineModel<N extends Versioned>() {
  return <const F extends Fields<N>, Q, S, A, U extends EditBinding<N, F, Q>['update']>(
    model: EntityModel<N, F, Q, S, A> & { update: U & DeclaresIfHeads<U> },
  ): EntityModel<N, F, Q, S, A> => model
}

/** What names `node`: its `title` field. */
export function titleOf(model: { title: string }, node: Row): string {
  const title = node[model.title]
  return typeof title === 'string' ? title : ''
}

export function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1)
}
