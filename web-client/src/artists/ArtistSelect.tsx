import type { RefSelectProps } from '../entity/fields'
import { useArtists } from './useArtists'

/** A live list of artists to pick from. */
export function ArtistSelect({ value, onChange, label }: RefSelectProps) {
  const { nodes } = useArtists()
  return (
    <select value={value} onChange={(e) => onChange(e.target.value)} required aria-label={label}>
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
