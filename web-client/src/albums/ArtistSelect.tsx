import { useArtists } from '../artists/useArtists'

interface Props {
  value: string
  onChange: (artistId: string) => void
}

/** A live list of artists to pick from. */
export function ArtistSelect({ value, onChange }: Props) {
  const { nodes } = useArtists()
  return (
    <select value={value} onChange={(e) => onChange(e.target.value)} required aria-label="Artist">
      <option value="" disabled>
        {nodes === undefined ? 'Loading artists…' : nodes.length === 0 ? 'Add an artist first' : 'Choose an artist'}
      </option>
      {nodes?.map((artist) => (
        <option key={artist.id} value={artist.id}>
          {artist.name}
        </option>
      ))}
    </select>
  )
}
