import { type FormEvent, useState } from 'react'
import { useMutation } from '../chronicle'
import { graphql } from '../gql'
import { ErrorNotice } from '../ui/Status'

const CreateArtist = graphql(`
  mutation CreateArtist($input: ArtistCreateInput!) {
    createArtist(input: $input) {
      id
    }
  }
`)

export function CreateArtistForm() {
  const [name, setName] = useState('')
  const [country, setCountry] = useState('')
  const [create, { running, error }] = useMutation(CreateArtist)

  const submit = (e: FormEvent) => {
    e.preventDefault()
    create({ input: { name: name.trim(), country: country.trim() || null } }).then(
      () => {
        setName('')
        setCountry('')
      },
      () => {},
    )
  }

  return (
    <form className="inline-form" onSubmit={submit} aria-label="New artist">
      <input placeholder="Artist name" value={name} onChange={(e) => setName(e.target.value)} required />
      <input placeholder="Country (optional)" value={country} onChange={(e) => setCountry(e.target.value)} />
      <button type="submit" disabled={running || !name.trim()}>
        Add artist
      </button>
      {error && <ErrorNotice error={error} />}
    </form>
  )
}
