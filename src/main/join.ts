// Where to connect for "join": a room from the list (resolved to the address that answers now) or an
// address typed by the user (probed). The app's own hosted room is joined over loopback. A room that does not
// answer but that this device holds history for is opened from that history, at the address it was last joined.
import type { RoomList } from './room-list.ts'
import type { RoomAddress } from '../shared/discovery.ts'
import { BeaconError } from '../shared/errors.ts'
import { parseRoomAddress, roomByAddress } from './discovery/by-address.ts'
import type { KnownRoom } from './local-history/store.ts'

export interface JoinTarget {
  address: RoomAddress
  room: { id: string; name: string; passwordRequired: boolean }
  /** The host did not answer: the room opens from this device's history and keeps trying. */
  offline?: true
}

/** Rooms this device holds history for (local-history/store.ts). */
export interface KnownRooms {
  known(by: { id: string } | { address: RoomAddress }): KnownRoom | undefined
}

export async function resolveTarget(
  target: string,
  list: RoomList,
  known: KnownRooms,
  hosted?: { id: string; port: number },
): Promise<JoinTarget> {
  try {
    return await reachable(target, list, hosted)
  } catch (e) {
    if (!(e instanceof BeaconError) || e.code !== 'unreachable') throw e
    const address = parseRoomAddress(target)
    const room = known.known({ id: target }) ?? (address ? known.known({ address }) : undefined)
    if (!room) throw e
    return { address: room.address, room: { id: room.id, name: room.name, passwordRequired: room.passwordRequired }, offline: true }
  }
}

async function reachable(target: string, list: RoomList, hosted?: { id: string; port: number }): Promise<JoinTarget> {
  const listed = list.get(target)
  let found: JoinTarget
  if (listed) {
    const r = await list.resolve(listed)
    if (!r) throw new BeaconError('unreachable', `"${listed.name}" did not answer at ${listed.addresses.join(', ') || 'any address'}`)
    found = { address: r.address, room: r.summary }
  } else {
    const info = await roomByAddress(target) // BeaconError: bad_argument, unreachable, room_not_found
    found = { address: info.addresses[0]!, room: info }
  }
  if (hosted && found.room.id === hosted.id) found.address = { address: '127.0.0.1', port: hosted.port }
  return { address: found.address, room: { id: found.room.id, name: found.room.name, passwordRequired: found.room.passwordRequired } }
}
