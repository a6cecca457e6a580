import { describe, expect, it } from 'vitest'
import {
  type Fields,
  type RefTarget,
  type Versioned,
  changedFields,
  draftOf,
  initialDraft,
  isComplete,
  rebase,
  refName,
  toCreateInput,
  toUpdateInput,
} from './fields'

type Album = Versioned & {
  name: string
  year: number
  label: string | null
  artistId: string
  artist: { id: string; name: string } | null
}

const artist: RefTarget = { route: (id) => ({ page: 'artist', id }), Select: () => null }

const fields = [
  { kind: 'string', name: 'name', label: 'Name' },
  { kind: 'int', name: 'year', label: 'Year', initial: () => 1959 },
  { kind: 'optional', name: 'label', label: 'Label' },
  { kind: 'ref', name: 'artistId', entity: 'artist', label: 'Artist', target: artist },
  { kind: 'text', name: 'description', label: 'Description' },
] as const satisfies Fields<Album>

const album: Album = {
  id: 'b1',
  heads: ['e1'],
  updatedBy: 'alice',
  updatedAt: '2026-01-01T00:00:00.000Z',
  name: 'Kind of Blue',
  year: 1959,
  label: null,
  artistId: 'a1',
  artist: { id: 'a1', name: 'Miles Davis' },
}

describe('draftOf', () => {
  it('holds every field but text fields as a string', () => {
    expect(draftOf(fields, album)).toEqual({ name: 'Kind of Blue', year: '1959', label: '', artistId: 'a1' })
    expect(draftOf(fields, { ...album, label: 'Columbia' }).label).toBe('Columbia')
  })
})

describe('initialDraft', () => {
  it('is blank but for initial values', () => {
    expect(initialDraft(fields)).toEqual({ name: '', year: '1959', label: '', artistId: '' })
  })
})

describe('isComplete', () => {
  const draft = draftOf(fields, album)
  it('accepts a whole entity, with the optional field blank', () => {
    expect(isComplete(fields, draft)).toBe(true)
  })
  it('needs a required string and a ref', () => {
    expect(isComplete(fields, { ...draft, name: '  ' })).toBe(false)
    expect(isComplete(fields, { ...draft, artistId: '' })).toBe(false)
  })
  it('needs a whole 32-bit number in an int', () => {
    for (const year of ['', 'abc', '19.5', '1e3', '2147483648', '-2147483649']) {
      expect(isComplete(fields, { ...draft, year }), year).toBe(false)
    }
    for (const year of [' 1959 ', '-12', '2147483647', '-2147483648']) {
      expect(isComplete(fields, { ...draft, year }), year).toBe(true)
    }
  })
})

describe('toCreateInput', () => {
  it('converts each field for its kind and leaves text fields out', () => {
    const input: { name: string; year: number; label: string | null; artistId: string } = toCreateInput(fields, {
      name: ' Kind of Blue ',
      year: '1959',
      label: '  ',
      artistId: 'a1',
    })
    expect(input).toEqual({ name: 'Kind of Blue', year: 1959, label: null, artistId: 'a1' })
    expect(toCreateInput(fields, { name: 'x', year: '1', label: ' Columbia', artistId: 'a2' }).label).toBe('Columbia')
  })
})

describe('toUpdateInput', () => {
  const base = draftOf(fields, album)
  it('is empty when nothing changed, or only whitespace around a string', () => {
    expect(toUpdateInput(fields, base, base)).toEqual({})
    expect(toUpdateInput(fields, base, { ...base, name: 'Kind of Blue  ', year: ' 1959' })).toEqual({})
  })
  it('has exactly the changed fields', () => {
    expect(toUpdateInput(fields, base, { ...base, year: '1960' })).toEqual({ year: 1960 })
    expect(toUpdateInput(fields, base, { ...base, name: 'Blue', artistId: 'a2' })).toEqual({
      name: 'Blue',
      artistId: 'a2',
    })
  })
  it('clears an optional field with null', () => {
    const withLabel = { ...base, label: 'Columbia' }
    expect(toUpdateInput(fields, withLabel, { ...withLabel, label: '' })).toEqual({ label: null })
  })
  it('agrees with changedFields', () => {
    const draft = { ...base, name: 'Blue', label: 'Columbia' }
    const changed = changedFields(fields, base, draft).map((f) => f.name)
    expect(changed).toEqual(Object.keys(toUpdateInput(fields, base, draft)))
    expect(changed).toEqual(['name', 'label'])
  })
})

describe('rebase', () => {
  it("keeps the person's changes and takes the rest from the current state", () => {
    const base = { name: 'Kind of Blue', year: '1959', label: '', artistId: 'a1' }
    const mine = { ...base, name: 'Kind of Blue (Remaster)' }
    const current = { ...base, name: 'Kind of Blue (Legacy)', year: '1960' }
    expect(rebase(base, mine, current)).toEqual({ ...current, name: 'Kind of Blue (Remaster)' })
    expect(rebase(base, base, current)).toEqual(current)
  })
})

describe('refName', () => {
  it('is the name of the entity beside the id, when there is one', () => {
    expect(refName(fields[3], album)).toBe('Miles Davis')
    expect(refName(fields[3], { ...album, artist: null })).toBeUndefined()
  })
})
