import { type FormEvent, useState } from 'react'
import { useMutation } from '../chronicle'
import { graphql } from '../gql'
import type { AlbumFieldsFragment } from '../gql/graphql'
import { href } from '../router'
import { ErrorNotice } from '../ui/Status'
import { formatTime } from '../ui/time'
import { ArtistSelect } from './ArtistSelect'

const UpdateAlbum = graphql(`
  mutation UpdateAlbum($id: ID!, $input: AlbumUpdateInput!) {
    updateAlbum(id: $id, input: $input) {
      id
    }
  }
`)

interface Draft {
  name: string
  year: string
  artistId: string
}

/** Shows the album's fields; "Edit" opens a form over a copy, so remote changes do not overwrite typing. */
export function EditAlbumForm({ album }: { album: AlbumFieldsFragment }) {
  const [draft, setDraft] = useState<Draft | null>(null)
  const [update, { running, error }] = useMutation(UpdateAlbum)

  if (!draft) {
    return (
      <div className="facts">
        <p>
          {album.year} · by{' '}
          <a href={href({ page: 'artist', id: album.artistId })}>{album.artist?.name ?? 'unknown artist'}</a>
        </p>
        <p className="muted">
          Last changed by {album.updatedBy} at {formatTime(album.updatedAt)}
        </p>
        <button
          type="button"
          onClick={() => setDraft({ name: album.name, year: String(album.year), artistId: album.artistId })}
        >
          Edit
        </button>
      </div>
    )
  }

  const submit = (e: FormEvent) => {
    e.preventDefault()
    const input = { name: draft.name.trim(), year: Number(draft.year), artistId: draft.artistId }
    update({ id: album.id, input }).then(
      () => setDraft(null),
      () => {},
    )
  }

  return (
    <form className="edit-form" onSubmit={submit} aria-label="Edit album">
      <label>
        Name
        <input value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} required />
      </label>
      <label>
        Year
        <input
          type="number"
          value={draft.year}
          onChange={(e) => setDraft({ ...draft, year: e.target.value })}
          required
        />
      </label>
      <label>
        Artist
        <ArtistSelect value={draft.artistId} onChange={(artistId) => setDraft({ ...draft, artistId })} />
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
