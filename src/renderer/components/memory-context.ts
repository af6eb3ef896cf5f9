// What the window remembers of each room while the reader looks at another (in memory, for this run of the
// app): the composer's drafts and where each message list was scrolled to.
import { createContext } from 'react'
import { Drafts } from '../state/drafts.ts'
import { ScrollPlaces } from '../state/scroll-places.ts'

export interface RoomMemory {
  drafts: Drafts
  places: ScrollPlaces
}

export const newRoomMemory = (): RoomMemory => ({ drafts: new Drafts(), places: new ScrollPlaces() })

export const RoomMemoryContext = createContext<RoomMemory>(newRoomMemory())
