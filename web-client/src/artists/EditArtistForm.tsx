import { type FormEvent, useState } from 'react'
import { useMutation } from '../chronicle'
import { graphql } from '../gql'
import type { ArtistFieldsFragment } from '../gql/graphql'
import { ErrorNotice } from '../ui/Status'
import { formatTime } from '../ui/time'

const UpdateArtist = graphql(`
  mutation UpdateArtist($id: ID!, $input: ArtistUpdateInput!) {
    updateArtist(id: $id, input: $input) {
      id
    }
  }
`)

interface Draft {
  name: string
  country: string
}

/** Shows the artist; "Edit" opens a form over a copy, so remote changes do not overwrite typing. */
export function EditArtistForm({ artist }: { artist: ArtistFieldsFragment }) {
  const [draft, setDraft] = useState<Draft | null>(null)
  const [update, { running, error }] = useMutation(UpdateArtist)

  if (!draft) {
    return (
      <div className="facts">
        <p>
          Country: <strong>{artist.country ?? '—'}</strong>
        </p>
        <p className="muted">
          Last changed by {artist.updatedBy} at {formatTime(artist.updatedAt)}
        </p>
        <button type="button" onClick={() => setDraft({ name: artist.name, country: artist.country ?? '' })}>
          Edit
        </button>
      </div>
    )
  }

  const submit = (e: FormEvent) => {
    e.preventDefault()
    const input = { name: draft.name.trim(), country: draft.country.trim() || null }
    update({ id: artist.id, input }).then(
      () => setDraft(null),
      () => {},
    )
  }

  return (
    <form className="edit-form" onSubmit={submit} aria-label="Edit artist">
      <label>
        Name
        <input value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} required />
      </label>
      <label>
        Country
        <input value={draft.country} onChange={(e) => setDraft({ ...draft, country: e.target.value })} />
      </label>
      <div className="buttons">
        <button type="submit" disabled={running || !draft.name.trim()}>
          Save
        </button>
        <button type="button" onClick={() => setDraft(null)}>
          Cancel
        </button>
      </div>
      {error && <ErrorNotice error={error} />}
    </form>
  )
}
