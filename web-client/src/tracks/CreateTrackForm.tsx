import { type FormEvent, useState } from 'react'
import { useMutation } from '../chronicle'
import { graphql } from '../gql'
import { ErrorNotice } from '../ui/Status'

const CreateTrack = graphql(`
  mutation CreateTrack($input: TrackCreateInput!) {
    createTrack(input: $input) {
      id
    }
  }
`)

export function CreateTrackForm({ albumId, position }: { albumId: string; position: number }) {
  const [name, setName] = useState('')
  const [create, { running, error }] = useMutation(CreateTrack)

  const submit = (e: FormEvent) => {
    e.preventDefault()
    create({ input: { name: name.trim(), position, albumId } }).then(
      () => setName(''),
      () => {},
    )
  }

  return (
    <form className="inline-form" onSubmit={submit} aria-label="New track">
      <input placeholder={`Track ${position} name`} value={name} onChange={(e) => setName(e.target.value)} required />
      <button type="submit" disabled={running || !name.trim()}>
        Add track
      </button>
      {error && <ErrorNotice error={error} />}
    </form>
  )
}
