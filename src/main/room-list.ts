// The room list: what discovery reports, as the UI lists it, and where a listed room can be reached now.
import type { DiscoveryPort } from './app-service.ts'
import type { RoomListing } from '../shared/bridge.ts'
import { formatAddress, type RoomAddress, type RoomEvent, type RoomInfo } from '../shared/discovery.ts'
import { Emitter } from '../shared/emitter.ts'
import type { RoomSummary } from '../shared/protocol.ts'
import { parseRoomAddress } from './discovery/by-address.ts'
import { resolveRoom } from './discovery/probe.ts'

function toListing(r: RoomInfo): RoomListing {
  return {
    id: r.id,
    name: r.name,
    host: r.host,
    members: r.members,
    passwordRequired: r.passwordRequired,
    addresses: r.addresses.map(formatAddress),
  }
}

export class RoomList extends Emitter<{ rooms: { kind: RoomEvent['event']; room: RoomListing } }> {
  #rooms = new Map<string, RoomListing>()
  #browse: ReturnType<DiscoveryPort['browse']> | undefined

  /** Start browsing (once). */
  start(discovery: DiscoveryPort): void {
    this.#browse ??= discovery.browse((e) => this.#onEvent(e))
  }

  get rooms(): RoomListing[] {
    return [...this.#rooms.values()]
  }

  get(id: string): RoomListing | undefined {
    return this.#rooms.get(id)
  }

  /** Where a listed room answers now: discovery's best address, else a probe of every address it was seen at. */
  async resolve(listed: RoomListing): Promise<{ address: RoomAddress; summary: RoomSummary } | undefined> {
    return (
      (await this.#browse?.resolve(listed.id)) ??
      (await resolveRoom(
        listed.addresses.map((a) => parseRoomAddress(a)).filter((a) => a !== undefined),
        listed.id,
      ))
    )
  }

  async stop(): Promise<void> {
    const browse = this.#browse
    this.#browse = undefined
    await browse?.stop().catch(() => {})
  }

  #onEvent(e: RoomEvent): void {
    const room = toListing(e.room)
    if (e.event === 'down') this.#rooms.delete(room.id)
    else this.#rooms.set(room.id, room)
    this.emit('rooms', { kind: e.event, room })
  }
}
