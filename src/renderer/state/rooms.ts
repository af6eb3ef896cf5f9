// The room list: listings keyed by id, kept in display order (name, then host). Pure: no React, no DOM.
import type { BridgeEvents, RoomListing } from '../../shared/bridge.ts'

export type RoomsState = readonly RoomListing[]

export function sortRooms(rooms: readonly RoomListing[]): RoomListing[] {
  return [...rooms].sort(
    (a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.host.localeCompare(b.host) || a.id.localeCompare(b.id),
  )
}

/** Apply one `rooms` event: `up` and `update` insert or replace by id, `down` removes. */
export function applyRoomEvent(rooms: RoomsState, ev: BridgeEvents['rooms']): RoomsState {
  const rest = rooms.filter((r) => r.id !== ev.room.id)
  if (ev.kind === 'down') return rest.length === rooms.length ? rooms : rest
  return sortRooms([...rest, ev.room])
}
