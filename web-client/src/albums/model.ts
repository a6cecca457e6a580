import { artistRef } from '../artists/model'
import { defineModel } from '../entity/model'
import type { AlbumFieldsFragment } from '../gql/graphql'
import { AlbumAtQuery, AlbumChanged, AlbumQuery, CreateAlbum, DeleteAlbum, UpdateAlbum } from './documents'

export const albumModel = defineModel<AlbumFieldsFragment>()({
  noun: 'album',
  plural: 'albums',
  title: 'name',
  route: (id) => ({ page: 'album', id }),
  listRoute: { page: 'albums' },
  fields: [
    { kind: 'string', name: 'name', label: 'Name' },
    { kind: 'int', name: 'year', label: 'Year', initial: () => new Date().getFullYear() },
    { kind: 'ref', name: 'artistId', entity: 'artist', label: 'Artist', target: artistRef },
    { kind: 'text', name: 'description', label: 'Description' },
  ],
  one: { query: AlbumQuery, select: (data) => data.album },
  changed: { subscription: AlbumChanged, select: (data) => data.albumChanged },
  at: { query: AlbumAtQuery, select: (data) => data.albumAt },
  create: CreateAlbum,
  update: UpdateAlbum,
  remove: DeleteAlbum,
})
