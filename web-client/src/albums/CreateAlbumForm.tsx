import { type FormEvent, useState } from 'react'
import { useMutation } from '../chronicle'
import { graphql } from '../gql'
import { ErrorNotice } from '../ui/Status'
import { ArtistSelect } from './ArtistSelect'

const CreateAlbum = graphql(`
  mutation CreateAlbum($input: AlbumCreateInput!) {
    createAlbum(input: $input) {
      id
    }
  }
`)

export function CreateAlbumForm() {
  const [name, setName] = useState('')
  const [year, setYear] = useState(() => String(new Date().getFullYear()))
  const [artistId, setArtistId] = useState('')
  const [create, { running, error }] = useMutation(CreateAlbum)

  const submit = (e: FormEvent) => {
    e.preventDefault()
    create({ input: { name: name.trim(), year: Number(year), artistId, description: '' } }).then(
      () => setName(''),
      () => {},
    )
  }

  return (
    <form className="inline-form" onSubmit={submit} aria-label="New album">
      <input placeholder="Album name" value={name} onChange={(e) => setName(e.target.value)} required />
      <input
        type="number"
        aria-label="Year"
        value={year}
        onChange={(e) => setYear(e.target.value)}
        required
        className="year"
      />
      <ArtistSelect value={artistId} onChange={setArtistId} />
      <button type="submit" disabled={running || !name.trim() || !artistId}>
        Add album
      </button>
      {error && <ErrorNotice error={error} />}
    </form>
  )
}
