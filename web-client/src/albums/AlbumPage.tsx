import { EntityPage } from '../entity/EntityPage'
import { TrackList } from '../tracks/TrackList'
import { DescriptionEditor } from './DescriptionEditor'
import { albumModel } from './model'

export function AlbumPage({ id }: { id: string }) {
  return (
    <EntityPage model={albumModel} id={id}>
      <DescriptionEditor albumId={id} />
      <TrackList albumId={id} />
    </EntityPage>
  )
}
