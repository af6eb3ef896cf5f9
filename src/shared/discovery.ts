// LAN discovery (PROTOCOL.md "Discovery"): the RoomInfo a browser reports, the TXT record's keys, the
// instance-name rules and every discovery interval. Isomorphic: the desktop bridge uses RoomInfo too.
import { z } from 'zod'
import { formatAddress as hostPort } from './address.ts'
import { PROTOCOL_VERSION, RoomIdText, RoomNameText, SERVICE_TYPE, WS_PATH } from './protocol.ts'

export { DEFAULT_ROOM_PORT } from './address.ts'

/** `_beacon-chat._tcp.local`: the DNS-SD service every room is published under. */
export const SERVICE_NAME = `_${SERVICE_TYPE}._tcp.local`
/** DNS-SD's meta-query name, answered so generic browsers (avahi-browse -a, dns-sd -B) list the type. */
export const SERVICES_META_NAME = '_services._dns-sd._udp.local'

export const DISCOVERY = {
  /** Record TTLs (RFC 6762 §10): records naming a host 120 s, the rest 75 min. */
  hostTtlSeconds: 120,
  otherTtlSeconds: 4500,
  /** Probing before first use of a name: 3 queries 250 ms apart (RFC 6762 §8.1). */
  probeCount: 3,
  probeIntervalMs: 250,
  /** Announcements after probing, and after a TXT change (member count). */
  announceDelaysMs: [0, 1000, 3000],
  updateDelaysMs: [0, 1000],
  /** Member-count changes within this window are announced once. */
  membersDebounceMs: 200,
  /** Answers to multicast queries wait a random 20–120 ms so several responders do not collide. */
  responseDelayMinMs: 20,
  responseDelayMaxMs: 120,
  /** The browser queries at start, then at growing intervals up to this one (bonjour-service #9). */
  queryDelaysMs: [0, 1000, 2000, 4000, 8000],
  queryMaxIntervalMs: 20_000,
  /** While rooms are listed each is probed on /api/room this often; a failed probe removes it. */
  livenessIntervalMs: 2000,
  probeTimeoutMs: 1500,
  /** Join by address: one attempt's bound. */
  byAddressTimeoutMs: 4000,
  /** os.networkInterfaces() is re-read this often; a change re-publishes and re-queries. */
  interfacePollMs: 3000,
  /** Goodbye packets: how long stop() waits for them to leave. */
  goodbyeTimeoutMs: 1000,
  /** Candidates tried at once when picking an address to join. */
  maxCandidates: 8,
  /** `GET /api/room` probes (listing, liveness, goodbyes): token buckets per address and in all, so forged
   * announcements cannot turn browsers into an HTTP flood. */
  probesPerAddressPerSecond: 5,
  probeAddressBurst: 10,
  probesPerSecond: 20,
  probeBurst: 40,
  /** Announced rooms a browser keeps unverified at once; more are ignored until some are settled. */
  maxUnverified: 32,
  /** A goodbye is believed once a probe fails; a room that still answers this many tries stays listed. */
  goodbyeProbes: 4,
  goodbyeProbeIntervalMs: 200,
  goodbyeProbeTimeoutMs: 500,
  /** DNS limits: one label, one TXT string. */
  maxLabelBytes: 63,
  maxTxtStringBytes: 255,
} as const

export const RoomAddress = z.object({ address: z.string().min(1), port: z.number().int().min(1).max(65535) })
export type RoomAddress = z.infer<typeof RoomAddress>

export const RoomInfo = z.object({
  /** Room id: stable for the room's life, the key records are merged by. */
  id: z.string().min(1),
  /** The name to list: unique on the network (`Lunch (2)` when two rooms are called Lunch). */
  name: z.string(),
  /** The room's own name, as its host set it. */
  roomName: z.string(),
  /** Display name of whoever hosts it. */
  host: z.string(),
  members: z.number().int().nonnegative(),
  passwordRequired: z.boolean(),
  /** Every address and port the room was seen at, best first. */
  addresses: z.array(RoomAddress),
})
export type RoomInfo = z.infer<typeof RoomInfo>

export type RoomEvent = { event: 'up' | 'update' | 'down'; room: RoomInfo }

/** `host:port`, with brackets for IPv6 (src/shared/address.ts): what "Join by address…" accepts back. */
export function formatAddress(a: RoomAddress): string {
  return hostPort(a.address, a.port)
}

// --- TXT record -------------------------------------------------------------------------------------

/** What a room's TXT record says, parsed; anything malformed is not a Beacon v1 room. */
export const RoomTxt = z.object({
  v: z.literal(String(PROTOCOL_VERSION)),
  id: RoomIdText,
  room: RoomNameText.min(1),
  host: z.string().max(200).default(''),
  path: z.string().default(WS_PATH),
  pw: z.enum(['0', '1']).default('0'),
  n: z
    .string()
    .regex(/^\d{1,6}$/)
    .default('0'),
})
export type RoomTxt = z.infer<typeof RoomTxt>

export interface TxtFields {
  id: string
  room: string
  host: string
  passwordRequired: boolean
  members: number
}

/** The TXT key/value pairs a host publishes, each within one TXT string's 255 bytes. */
export function encodeTxt(f: TxtFields): Record<string, string> {
  const fit = (key: string, value: string) => truncateUtf8(value, DISCOVERY.maxTxtStringBytes - key.length - 1)
  return {
    v: String(PROTOCOL_VERSION),
    id: fit('id', f.id),
    room: fit('room', f.room),
    host: fit('host', f.host),
    path: WS_PATH,
    pw: f.passwordRequired ? '1' : '0',
    n: String(f.members),
  }
}

export function parseTxt(pairs: Record<string, string>): RoomTxt | undefined {
  const r = RoomTxt.safeParse(pairs)
  return r.success ? r.data : undefined
}

// --- instance names ---------------------------------------------------------------------------------

/**
 * The DNS-SD instance label for a room: its name, then `Name (2)`, `Name (3)`… on conflicts. Dots stay (RFC
 * 6763 §4.3; the encoder escapes them); one DNS label holds 63 bytes, so long names are cut; a backslash,
 * which would read as an escape, is dropped.
 */
export function instanceName(room: string, attempt: number): string {
  const suffix = attempt > 1 ? ` (${attempt})` : ''
  const base = room.replace(/\\/g, '').trim() || 'Room'
  return truncateUtf8(base, DISCOVERY.maxLabelBytes - suffix.length) + suffix
}

/**
 * The name to list for a room: its own name (from its host), with the suffix its advertiser had to add on a
 * conflict. An instance label that is not that name (a peer's claim) is never shown instead.
 */
export function listedName(instance: string, room: string): string {
  const m = / \((\d+)\)$/.exec(instance)
  if (!m || instance === instanceName(room, 1)) return room
  return instance === instanceName(room, Number(m[1])) ? `${room} (${m[1]})` : room
}

/** Cut a string to at most `max` UTF-8 bytes without splitting a character (no TextEncoder here). */
export function truncateUtf8(s: string, max: number): string {
  let bytes = 0
  let out = ''
  for (const ch of s) {
    const cp = ch.codePointAt(0)!
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4
    if (bytes + size > max) break
    bytes += size
    out += ch
  }
  return out
}
