// Is a room really there? `GET /api/room` at one address, and picking the address to join among several.
import { request, type ClientRequest, type IncomingMessage } from 'node:http'
import { isIP } from 'node:net'
import { networkInterfaces } from 'node:os'
import { DISCOVERY, type RoomAddress } from '../../shared/discovery.ts'
import { RoomSummary } from '../../shared/protocol.ts'
import { TokenBucket } from '../../shared/rate-limit.ts'
import { sameSubnet, usableLinks } from './interfaces.ts'

/** A room summary is small; anything longer is not a Beacon host. */
const MAX_SUMMARY_BYTES = 16 * 1024

export type ProbeResult = { ok: true; summary: RoomSummary } | { ok: false; reason: string }

/** One bounded GET /api/room; never rejects. */
export function probeRoom(target: RoomAddress, timeoutMs: number = DISCOVERY.probeTimeoutMs): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const bare = target.address.replace(/^\[|\]$/g, '')
    // The Host header names the address without an IPv6 zone: the host checks it (DNS rebinding).
    const hostHeader = isIP(bare) === 6 ? `[${bare.replace(/%.*$/, '')}]:${target.port}` : `${bare}:${target.port}`
    let req: ClientRequest
    try {
      req = request({
        host: bare,
        port: target.port,
        path: '/api/room',
        agent: false,
        headers: { host: hostHeader, accept: 'application/json' },
      })
    } catch (e) {
      return resolve({ ok: false, reason: (e as Error).message }) // e.g. a port out of range
    }
    const timer = setTimeout(() => done({ ok: false, reason: 'timed out' }), timeoutMs)
    function done(r: ProbeResult): void {
      clearTimeout(timer)
      req.destroy()
      resolve(r) // later calls are no-ops
    }
    req.on('error', (e) => done({ ok: false, reason: e.message }))
    req.on('response', (res) => readSummary(res, done))
    req.end()
  })
}

function readSummary(res: IncomingMessage, done: (r: ProbeResult) => void): void {
  if (res.statusCode !== 200) return done({ ok: false, reason: `HTTP ${res.statusCode}` })
  const chunks: Buffer[] = []
  let size = 0
  res.on('data', (c: Buffer) => {
    size += c.length
    if (size > MAX_SUMMARY_BYTES) return done({ ok: false, reason: 'answer too large' })
    chunks.push(c)
  })
  res.on('error', (e) => done({ ok: false, reason: e.message }))
  res.on('end', () => {
    let parsed
    try {
      parsed = RoomSummary.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')))
    } catch {
      return done({ ok: false, reason: 'not a Beacon room' })
    }
    done(parsed.success ? { ok: true, summary: parsed.data } : { ok: false, reason: 'not a Beacon room' })
  })
}

/** Lower is tried first: same subnet as one of our interfaces, then IPv4, then IPv6, link-local last. */
export function addressRank(address: string, links = usableLinks(undefined, networkInterfaces())): number {
  const v = isIP(address)
  if (v === 4) return links.some((l) => sameSubnet(address, l)) ? 0 : 1
  if (v === 6) return /^fe[89ab]/i.test(address) ? 3 : 2
  return 1 // a host name typed by the user
}

export function rankAddresses<T extends RoomAddress>(candidates: readonly T[]): T[] {
  const links = usableLinks(undefined, networkInterfaces())
  return candidates
    .map((c, i) => ({ c, i, rank: addressRank(c.address, links) }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((x) => x.c)
}

export interface ResolvedRoom {
  address: RoomAddress
  summary: RoomSummary
}

/** Rate limits on probes, per address and in all: announcements must not turn a browser into a flood. */
export class ProbeGate {
  #all = new TokenBucket(DISCOVERY.probesPerSecond, DISCOVERY.probeBurst)
  #per = new Map<string, TokenBucket>()

  /** May one probe go to `address` now? */
  allow(address: string): boolean {
    let bucket = this.#per.get(address)
    if (!bucket) {
      if (this.#per.size >= MAX_GATED_ADDRESSES) this.#per.clear() // forgetting is safe: the global bucket still holds
      this.#per.set(address, (bucket = new TokenBucket(DISCOVERY.probesPerAddressPerSecond, DISCOVERY.probeAddressBurst)))
    }
    return bucket.take() && this.#all.take()
  }
}

/** Per-address buckets kept at once. */
const MAX_GATED_ADDRESSES = 1024

/**
 * The best reachable address of a room: candidates are asked at once (bounded, and through `gate` when
 * given), and the best-ranked one that answers `/api/room` with the expected room id wins. `skipped` when the
 * gate let no probe go: nothing was learnt.
 */
export async function probeCandidates(
  candidates: readonly RoomAddress[],
  expectedId: string | undefined,
  timeoutMs: number,
  gate?: ProbeGate,
): Promise<ResolvedRoom | 'failed' | 'skipped'> {
  const ranked = rankAddresses(candidates)
    .slice(0, DISCOVERY.maxCandidates)
    .filter((a) => !gate || gate.allow(a.address))
  if (ranked.length === 0) return 'skipped'
  const attempts = ranked.map((a) => probeRoom(a, timeoutMs))
  for (const [i, attempt] of attempts.entries()) {
    const r = await attempt
    if (r.ok && (expectedId === undefined || r.summary.id === expectedId)) return { address: ranked[i]!, summary: r.summary }
  }
  return 'failed'
}

/** The best reachable address of a room (see probeCandidates); undefined when none answers. */
export async function resolveRoom(
  candidates: readonly RoomAddress[],
  expectedId?: string,
  timeoutMs: number = DISCOVERY.probeTimeoutMs,
): Promise<ResolvedRoom | undefined> {
  const r = await probeCandidates(candidates, expectedId, timeoutMs)
  return typeof r === 'string' ? undefined : r
}
