import type { RefTarget } from '../entity/fields'
import { defineModel } from '../entity/model'
import type { ArtistFieldsFragment } from '../gql/graphql'
import { ArtistSelect } from './ArtistSelect'
import {
  ArtistAtQuery,
  ArtistChanged,
  ArtistQuery,
  CreateArtist,
  DeleteArtist,
  UpdateArtist,
} from './documents'

export const artistModel = defineModel<ArtistFieldsFragment>()({
  noun: 'artist',
  plural: 'artists',
  title: 'name',
  route: (id) => ({ page: 'artist', id }),
  listRoute: { page: 'artists' },
  fields: [
    { kind: 'string', name: 'name', label: 'Name' },
    { kind: 'optional', name: 'country', label: 'Country' },
  ],
  one: { query: ArtistQuery, select: (data) => data.artist },
  changed: { subscription: ArtistChanged, select: (data) => data.artistChanged },
  at: { query: ArtistAtQuery, select: (data) => data.artistAt },
  create: CreateArtist,
  update: UpdateArtist,
  remove: DeleteArtist,
})

/** For `ref` fields that point at an artist. */
export const artistRef: RefTarget = { route: artistModel.route, Select: ArtistSelect }
