// Lists the rooms on the network: `up`, `update` and `down` of RoomInfo, one per room id.
//
// Announcements are claims, not facts. A room is listed only once its `/api/room`, at an address the
// announcement gave (address-policy.ts decides which are believable), answers with the same id; the name,
// host and password flag shown are that answer's, cleaned for display. From then on only the sources that
// announced the verified address speak for the room: another machine announcing the same id (an "evil
// twin") or a goodbye from elsewhere changes nothing, and a goodbye is believed once a probe fails. Probes
// go through one ProbeGate (per-address and global rate limits). While listed a room is probed every few
// seconds, so a host that crashed (no goodbye, PTR TTL of hours — bonjour-service #45) leaves within one
// probe. Queries repeat at growing intervals, so a browser started after the host still finds it (#9).
import { Emitter } from '../../shared/emitter.ts'
import { DISCOVERY, SERVICE_NAME, listedName, parseTxt, type RoomAddress, type RoomInfo, type RoomTxt } from '../../shared/discovery.ts'
import type { RoomSummary } from '../../shared/protocol.ts'
import { normalizeName } from '../../shared/text.ts'
import { acceptableAddress, acceptableSource } from './address-policy.ts'
import { MdnsLinks, type Received } from './links.ts'
import type { MdnsPacket, MdnsRecord } from './mdns.ts'
import { ProbeGate, probeCandidates, rankAddresses, resolveRoom, type ResolvedRoom } from './probe.ts'
import { decodeTxtData, recordsOf, sameName, unescapeLabel } from './records.ts'

interface SeenAddress extends RoomAddress {
  expiresAt: number
  /** Who announced it, under which instance name. */
  source: string
  instance: string
}

interface Entry {
  id: string
  instance: string
  members: number
  addresses: Map<string, SeenAddress>
  /** The last `/api/room` answer: what is shown. */
  summary?: RoomSummary
  /** The address that answered the last probe: listed first. */
  best?: RoomAddress
  /** Sources whose announcements count for this room once it is listed. */
  trusted: Set<string>
  listed: boolean
  probing: boolean
  leaving: boolean
  /** What was last emitted, to emit `update` only on a change. */
  emitted?: string
}

/** After a confirmed goodbye or a failed first probe, announcements of that id are not taken back for this
 * long (packets still in flight must not resurrect a room that just left). */
const QUARANTINE_MS = DISCOVERY.livenessIntervalMs

const SUFFIX = `.${SERVICE_NAME}`.toLowerCase()

export class RoomBrowser extends Emitter<{ up: RoomInfo; update: RoomInfo; down: RoomInfo; warning: string }> {
  #links: MdnsLinks
  #entries = new Map<string, Entry>()
  #quarantine = new Map<string, number>()
  #timers = new Set<NodeJS.Timeout>()
  #gate = new ProbeGate()
  #stopped = false

  constructor(opts: { interface?: string } = {}) {
    super()
    this.#links = new MdnsLinks(opts.interface)
    this.#links.on('packet', (r) => this.#receive(r))
    this.#links.on('added', (link) => void link.send(QUERY))
    this.#links.on('warning', (m) => this.emit('warning', m))
  }

  start(): void {
    this.#links.start()
    let delay = 0
    for (const ms of DISCOVERY.queryDelaysMs) this.#after((delay = ms), () => this.#queryAll())
    this.#after(delay + DISCOVERY.queryMaxIntervalMs, () => this.#every(DISCOVERY.queryMaxIntervalMs, () => this.#queryAll()))
    this.#every(DISCOVERY.livenessIntervalMs, () => this.#tick())
  }

  /** The rooms listed now. */
  rooms(): RoomInfo[] {
    return [...this.#entries.values()].filter((e) => e.listed).map(toInfo)
  }

  /** A reachable address of a listed room, checked now. */
  async resolve(id: string): Promise<ResolvedRoom | undefined> {
    const e = this.#entries.get(id)
    return e?.listed ? resolveRoom(addressesOf(e), id) : undefined
  }

  async stop(): Promise<void> {
    this.#stopped = true
    for (const t of this.#timers) clearTimeout(t)
    this.#timers.clear()
    this.#entries.clear()
    await this.#links.close()
  }

  #after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t)
      if (!this.#stopped) fn()
    }, ms)
    t.unref()
    this.#timers.add(t)
  }

  #every(ms: number, fn: () => void): void {
    const t = setInterval(() => {
      if (!this.#stopped) fn()
    }, ms)
    t.unref()
    this.#timers.add(t)
  }

  #queryAll(): void {
    // No known-answer list: every query refreshes every room's addresses (a LAN has a handful of rooms).
    void this.#links.sendAll(() => QUERY)
  }

  // --- packets --------------------------------------------------------------------------------------

  #receive({ packet, rinfo, link }: Received): void {
    if (this.#stopped || packet.type !== 'response') return
    const onLoopback = link.link.internal
    if (!acceptableSource(rinfo.address, onLoopback)) return
    const records = recordsOf([packet.answers, packet.additionals])
    for (const name of instancesIn(records)) {
      const found = readRoom(records, name, rinfo.address, onLoopback)
      if (!found) continue // no TXT with a v1 id in this packet: not a room we can key
      if (found.goodbye) this.#goodbye(found.txt.id, rinfo.address)
      else this.#merge(unescapeLabel(name.slice(0, -SUFFIX.length)), found, rinfo.address)
    }
  }

  #merge(instance: string, found: Found, source: string): void {
    const { txt } = found
    if (normalizeName(txt.id) !== txt.id) return // an id is shown and typed back: only clean ones are rooms
    let e = this.#entries.get(txt.id)
    if (!e) {
      if ((this.#quarantine.get(txt.id) ?? 0) > Date.now()) return
      if ([...this.#entries.values()].filter((x) => !x.listed).length >= DISCOVERY.maxUnverified) return
      e = {
        id: txt.id,
        instance,
        members: Number(txt.n),
        addresses: new Map(),
        trusted: new Set(),
        listed: false,
        probing: false,
        leaving: false,
      }
      this.#entries.set(txt.id, e)
    }
    if (e.listed && !e.trusted.has(source)) return // someone else claiming a listed room's id
    for (const a of found.addresses) e.addresses.set(keyOf(a), { ...a, source, instance })
    if (!e.listed) return void this.#probe(e)
    e.instance = instance
    e.members = Number(txt.n)
    this.#emitIfChanged(e)
  }

  /** A goodbye: believed from a source that speaks for the room, and once a probe confirms it. */
  #goodbye(id: string, source: string): void {
    const e = this.#entries.get(id)
    if (!e) return
    if (!e.listed) {
      for (const [k, a] of e.addresses) if (a.source === source) e.addresses.delete(k)
      if (e.addresses.size === 0 && !e.probing) this.#entries.delete(id)
      return
    }
    if (e.trusted.has(source)) void this.#confirmGone(e)
  }

  async #confirmGone(e: Entry): Promise<void> {
    if (e.leaving) return
    e.leaving = true
    for (let i = 0; i < DISCOVERY.goodbyeProbes; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, DISCOVERY.goodbyeProbeIntervalMs))
      const r = await probeCandidates(addressesOf(e), e.id, DISCOVERY.goodbyeProbeTimeoutMs, this.#gate)
      if (this.#stopped || this.#entries.get(e.id) !== e) return
      if (r === 'failed') {
        this.#quarantine.set(e.id, Date.now() + QUARANTINE_MS)
        return this.#remove(e)
      }
    }
    e.leaving = false // it still answers: the goodbye was not its own (or it came back)
  }

  // --- liveness -------------------------------------------------------------------------------------

  #tick(): void {
    const now = Date.now()
    for (const [id, until] of this.#quarantine) if (until <= now) this.#quarantine.delete(id)
    for (const e of [...this.#entries.values()]) {
      const last = e.listed ? toInfo(e) : undefined
      for (const [k, a] of e.addresses) if (a.expiresAt <= now) e.addresses.delete(k)
      if (e.addresses.size === 0)
        this.#remove(e, last) // every record expired
      else if (!e.leaving) void this.#probe(e) // listed: liveness; unlisted: a probe the gate held back
    }
  }

  /** First probe lists the room; a failed one (no address answers with this id) removes it. */
  async #probe(e: Entry): Promise<void> {
    if (e.probing) return
    e.probing = true
    const r = await probeCandidates(addressesOf(e), e.id, DISCOVERY.probeTimeoutMs, this.#gate)
    e.probing = false
    if (this.#stopped || this.#entries.get(e.id) !== e || r === 'skipped') return
    if (r === 'failed') {
      if (!e.listed) this.#quarantine.set(e.id, Date.now() + QUARANTINE_MS)
      return this.#remove(e)
    }
    e.best = r.address
    e.summary = r.summary
    e.members = r.summary.members
    if (e.listed) return this.#emitIfChanged(e)
    // The announcement that named the verified address speaks for the room from now on; the rest is dropped.
    const claim = e.addresses.get(keyOf(r.address))
    e.instance = claim?.instance ?? e.instance
    e.trusted = new Set([r.address.address, ...(claim ? [claim.source] : [])])
    for (const [k, a] of e.addresses) if (!e.trusted.has(a.source)) e.addresses.delete(k)
    e.listed = true
    const info = toInfo(e)
    e.emitted = JSON.stringify(info)
    this.emit('up', info)
  }

  #emitIfChanged(e: Entry): void {
    if (!e.listed) return
    const info = toInfo(e)
    const json = JSON.stringify(info)
    if (json === e.emitted) return
    e.emitted = json
    this.emit('update', info)
  }

  #remove(e: Entry, last = e.listed ? toInfo(e) : undefined): void {
    this.#entries.delete(e.id)
    if (e.listed && last) this.emit('down', last)
  }
}

const QUERY: MdnsPacket = { type: 'query', flags: 0, questions: [{ name: SERVICE_NAME, type: 'PTR' }] }

interface Found {
  txt: RoomTxt
  goodbye: boolean
  addresses: Omit<SeenAddress, 'source' | 'instance'>[]
}

/** Instance names (fully qualified) a packet says something about, once each whatever their case. */
function instancesIn(records: MdnsRecord[]): string[] {
  const names = new Map<string, string>()
  const add = (n: string) => {
    const lower = n.toLowerCase()
    if (lower.endsWith(SUFFIX) && lower.length > SUFFIX.length && !names.has(lower)) names.set(lower, n)
  }
  for (const r of records) {
    if (r.type === 'PTR' && sameName(r.name, SERVICE_NAME) && typeof r.data === 'string') add(r.data)
    else if (r.type === 'SRV' || r.type === 'TXT') add(r.name)
  }
  return [...names.values()]
}

/** One room's records in a packet: TXT (required), SRV for the port, A of its target, the source. */
function readRoom(records: MdnsRecord[], name: string, source: string, onLoopback: boolean): Found | undefined {
  const txtRecord = records.find((r) => r.type === 'TXT' && sameName(r.name, name))
  const txt = txtRecord && parseTxt(decodeTxtData(txtRecord.data))
  if (!txt) return undefined
  const srv = records.find((r) => r.type === 'SRV' && sameName(r.name, name))
  const ptr = records.find((r) => r.type === 'PTR' && sameName(r.data, name))
  const goodbye = [txtRecord, srv, ptr].some((r) => r !== undefined && r.ttl === 0)
  if (goodbye) return { txt, goodbye, addresses: [] }
  const data = srv?.data as { port?: unknown; target?: unknown } | undefined
  const port = data?.port
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return undefined
  const now = Date.now()
  const ttlOf = (r: MdnsRecord) =>
    Math.min(typeof r.ttl === 'number' && r.ttl > 0 ? r.ttl : DISCOVERY.hostTtlSeconds, DISCOVERY.hostTtlSeconds) * 1000
  const addresses: Found['addresses'] = []
  const seen = new Set<string>()
  const add = (address: string, ttlMs: number) => {
    if (seen.has(address) || !acceptableAddress(address, source, onLoopback)) return
    seen.add(address)
    addresses.push({ address, port, expiresAt: now + ttlMs })
  }
  for (const r of records) {
    if (r.type !== 'A' || typeof data?.target !== 'string' || !sameName(r.name, data.target) || typeof r.data !== 'string') continue
    add(r.data, ttlOf(r))
  }
  add(source, ttlOf(srv!))
  return { txt, goodbye, addresses: addresses.slice(0, DISCOVERY.maxCandidates) }
}

function keyOf(a: RoomAddress): string {
  return `${a.address}|${a.port}`
}

function addressesOf(e: Entry): RoomAddress[] {
  return [...e.addresses.values()].map(({ address, port }) => ({ address, port }))
}

/** What a listed room looks like to a person: the verified summary, cleaned; the instance only for `(2)`. */
function toInfo(e: Entry): RoomInfo {
  const ranked = rankAddresses(addressesOf(e))
  const best = e.best && ranked.find((a) => keyOf(a) === keyOf(e.best!))
  const addresses = best ? [best, ...ranked.filter((a) => a !== best)] : ranked
  const roomName = normalizeName(e.summary?.name ?? '') || 'Room'
  return {
    id: e.id,
    name: normalizeName(listedName(e.instance, e.summary?.name ?? '')) || roomName,
    roomName,
    host: normalizeName(e.summary?.host ?? ''),
    members: e.members,
    passwordRequired: e.summary?.passwordRequired ?? true,
    addresses,
  }
}
