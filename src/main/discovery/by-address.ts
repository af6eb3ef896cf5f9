// Join by address, for networks that block multicast: `host:port`, `host`, `http://host:port/` (or the
// ws:// URL) resolve to the same RoomInfo a browser would list, through `GET /api/room`.
import { BeaconError } from '../../shared/errors.ts'
import { DEFAULT_ROOM_PORT, DISCOVERY, type RoomAddress, type RoomInfo } from '../../shared/discovery.ts'
import { normalizeName } from '../../shared/text.ts'
import { probeRoom } from './probe.ts'

/** `host:port` / URL → address and port; undefined for anything else. */
export function parseRoomAddress(input: string): RoomAddress | undefined {
  const text = input.trim()
  if (!text || text.length > 300) return undefined
  let url: URL
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`)
  } catch {
    return undefined
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol) || url.username || url.password) return undefined
  const address = url.hostname.replace(/^\[|\]$/g, '')
  if (!address) return undefined
  // URL drops a scheme's default port (http://h:80/), so an explicit one is read from the text itself.
  const explicit = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:\[[^\]]*\]|[^/?#:]*):(\d{1,5})(?:[/?#]|$)/i.exec(text)
  const port = url.port ? Number(url.port) : explicit ? Number(explicit[1]) : DEFAULT_ROOM_PORT
  return { address, port }
}

/** The room at an address, or a BeaconError: `bad_argument` (not an address), `unreachable`, `room_not_found`. */
export async function roomByAddress(input: string, timeoutMs: number = DISCOVERY.byAddressTimeoutMs): Promise<RoomInfo> {
  const target = parseRoomAddress(input)
  if (!target) throw new BeaconError('bad_argument', `not a room address: ${JSON.stringify(input.slice(0, 80))} (expected host:port)`)
  const r = await probeRoom(target, timeoutMs)
  if (!r.ok) {
    const code = r.reason === 'not a Beacon room' || r.reason.startsWith('HTTP') ? 'room_not_found' : 'unreachable'
    throw new BeaconError(code, `no Beacon room at ${target.address}:${target.port} (${r.reason})`)
  }
  const s = r.summary
  const name = normalizeName(s.name) || 'Room' // whatever answers there is shown to a person: cleaned
  return {
    id: s.id,
    name,
    roomName: name,
    host: normalizeName(s.host),
    members: s.members,
    passwordRequired: s.passwordRequired,
    addresses: [target],
  }
}
