import { useTextField } from '../chronicle'
import { graphql } from '../gql'
import { ErrorNotice } from '../ui/Status'

const AlbumTextState = graphql(`
  query AlbumTextState($id: ID!) {
    album(id: $id) {
      id
      textState
    }
  }
`)

const AlbumTextChanged = graphql(`
  subscription AlbumTextChanged($id: ID!) {
    albumChanged(id: $id) {
      event {
        id
        yrsUpdate
      }
    }
  }
`)

const SaveAlbumDescription = graphql(`
  mutation SaveAlbumDescription($id: ID!, $update: String!) {
    updateAlbum(id: $id, input: { description: { yrsUpdate: $update } }) {
      id
    }
  }
`)

const SYNC_LABELS = { idle: 'Saved', saving: 'Saving…', retrying: 'Not saved yet — retrying…', failed: 'Not saved' }

/** The album's description, edited by everyone at once. */
export function DescriptionEditor({ albumId }: { albumId: string }) {
  const description = useTextField({
    field: 'description',
    state: { query: AlbumTextState, variables: { id: albumId }, select: (data) => data.album?.textState },
    changes: {
      subscription: AlbumTextChanged,
      variables: { id: albumId },
      select: (data) => data.albumChanged.event.yrsUpdate,
    },
    save: { mutation: SaveAlbumDescription, variables: (update) => ({ id: albumId, update }) },
  })
  return (
    <div className="description">
      <label htmlFor="album-description">
        Description <span className="muted">(shared: everyone edits it live)</span>
      </label>
      <textarea
        id="album-description"
        rows={8}
        placeholder={description.loaded ? 'Write something about this album…' : 'Loading…'}
        {...description.bind}
      />
      <p className="muted sync" data-sync={description.sync} aria-live="polite">
        {description.loaded ? SYNC_LABELS[description.sync] : 'Loading…'}
      </p>
      {description.error && <ErrorNotice error={description.error} />}
    </div>
  )
}
