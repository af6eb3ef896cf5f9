// Lists the rooms on the network: `up`, `update` and `down` of RoomInfo, one per room id.
//
// Records of one room seen on several interfaces or addresses merge by the TXT `id`; a packet's source
// address counts as one of the room's addresses (a host whose only interface is loopback publishes none).
// A room is listed only once its /api/room answers with the same id, and while listed it is probed every
// few seconds: a host that crashed (no goodbye, PTR TTL of hours — bonjour-service #45) leaves the list
// within one probe. Queries repeat at growing intervals, so a browser started after the host still finds it
// even once the host has stopped announcing (#9).
import { isIP } from 'node:net'
import { Emitter } from '../../shared/emitter.ts'
import { DISCOVERY, SERVICE_NAME, listedName, parseTxt, type RoomAddress, type RoomInfo, type RoomTxt } from '../../shared/discovery.ts'
import { MdnsLinks, type Received } from './links.ts'
import type { MdnsPacket, MdnsRecord } from './mdns.ts'
import { rankAddresses, resolveRoom, type ResolvedRoom } from './probe.ts'
import { decodeTxtData, recordsOf, sameName } from './records.ts'

interface SeenAddress extends RoomAddress {
  expiresAt: number
}

interface Entry {
  id: string
  instance: string
  txt: RoomTxt
  members: number
  addresses: Map<string, SeenAddress>
  /** The address that answered the last probe: listed first. */
  best?: RoomAddress
  listed: boolean
  probing: boolean
  /** What was last emitted, to emit `update` only on a change. */
  emitted?: string
}

/** After a goodbye or a failed first probe, announcements of that id are not taken back for this long
 * (packets still in flight must not resurrect a room that just left). */
const QUARANTINE_MS = DISCOVERY.livenessIntervalMs

const SUFFIX = `.${SERVICE_NAME}`.toLowerCase()

export class RoomBrowser extends Emitter<{ up: RoomInfo; update: RoomInfo; down: RoomInfo; warning: string }> {
  #links: MdnsLinks
  #entries = new Map<string, Entry>()
  #quarantine = new Map<string, number>()
  #timers = new Set<NodeJS.Timeout>()
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
    return e ? resolveRoom(addressesOf(e), id) : undefined
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

  #receive({ packet, rinfo }: Received): void {
    if (this.#stopped || packet.type !== 'response') return
    const records = recordsOf([packet.answers, packet.additionals])
    for (const name of instancesIn(records)) {
      const found = readRoom(records, name, rinfo.address)
      if (!found) continue // no TXT with a v1 id in this packet: not a room we can key
      if (found.goodbye) this.#retract(found.txt.id, found.addresses)
      else this.#merge(name.slice(0, -SUFFIX.length), found)
    }
  }

  #merge(instance: string, found: Found): void {
    const { txt } = found
    let e = this.#entries.get(txt.id)
    if (!e) {
      if ((this.#quarantine.get(txt.id) ?? 0) > Date.now()) return
      e = { id: txt.id, instance, txt, members: Number(txt.n), addresses: new Map(), listed: false, probing: false }
      this.#entries.set(txt.id, e)
    }
    e.instance = instance
    e.txt = txt
    e.members = Number(txt.n)
    for (const a of found.addresses) e.addresses.set(keyOf(a), a)
    if (!e.listed) void this.#probe(e)
    else this.#emitIfChanged(e)
  }

  /** A goodbye: those addresses are gone; the room is down once none is left. */
  #retract(id: string, gone: SeenAddress[]): void {
    const e = this.#entries.get(id)
    if (!e) return
    const last = toInfo(e) // `down` reports where the room was
    for (const a of gone) for (const [k, seen] of e.addresses) if (seen.address === a.address) e.addresses.delete(k)
    if (e.addresses.size > 0) return this.#emitIfChanged(e)
    this.#quarantine.set(id, Date.now() + QUARANTINE_MS)
    this.#remove(e, last)
  }

  // --- liveness -------------------------------------------------------------------------------------

  #tick(): void {
    const now = Date.now()
    for (const [id, until] of this.#quarantine) if (until <= now) this.#quarantine.delete(id)
    for (const e of [...this.#entries.values()]) {
      const last = toInfo(e)
      for (const [k, a] of e.addresses) if (a.expiresAt <= now) e.addresses.delete(k)
      if (e.addresses.size === 0)
        this.#remove(e, last) // every record expired
      else if (e.listed) void this.#probe(e)
    }
  }

  /** First probe lists the room; a failed one (no address answers with this id) removes it. */
  async #probe(e: Entry): Promise<void> {
    if (e.probing) return
    e.probing = true
    const r = await resolveRoom(addressesOf(e), e.id)
    e.probing = false
    if (this.#stopped || this.#entries.get(e.id) !== e) return
    if (!r) {
      if (!e.listed) this.#quarantine.set(e.id, Date.now() + QUARANTINE_MS)
      return this.#remove(e)
    }
    e.best = r.address
    e.members = r.summary.members
    if (!e.listed) {
      e.listed = true
      const info = toInfo(e)
      e.emitted = JSON.stringify(info)
      this.emit('up', info)
    } else this.#emitIfChanged(e)
  }

  #emitIfChanged(e: Entry): void {
    if (!e.listed) return
    const info = toInfo(e)
    const json = JSON.stringify(info)
    if (json === e.emitted) return
    e.emitted = json
    this.emit('update', info)
  }

  #remove(e: Entry, last = toInfo(e)): void {
    this.#entries.delete(e.id)
    if (e.listed) this.emit('down', last)
  }
}

const QUERY: MdnsPacket = { type: 'query', flags: 0, questions: [{ name: SERVICE_NAME, type: 'PTR' }] }

interface Found {
  txt: RoomTxt
  goodbye: boolean
  addresses: SeenAddress[]
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

/** One room's records in a packet: TXT (required), SRV for the port, A/AAAA of its target, the source. */
function readRoom(records: MdnsRecord[], name: string, source: string): Found | undefined {
  const txtRecord = records.find((r) => r.type === 'TXT' && sameName(r.name, name))
  const txt = txtRecord && parseTxt(decodeTxtData(txtRecord.data))
  if (!txt) return undefined
  const srv = records.find((r) => r.type === 'SRV' && sameName(r.name, name))
  const ptr = records.find((r) => r.type === 'PTR' && sameName(r.data, name))
  const goodbye = [txtRecord, srv, ptr].some((r) => r !== undefined && r.ttl === 0)
  const data = srv?.data as { port?: unknown; target?: unknown } | undefined
  const port = data?.port
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    return goodbye ? { txt, goodbye, addresses: [{ address: source, port: 1, expiresAt: 0 }] } : undefined
  }
  const now = Date.now()
  const ttlOf = (r: MdnsRecord) => (typeof r.ttl === 'number' && r.ttl > 0 ? r.ttl : DISCOVERY.hostTtlSeconds) * 1000
  const addresses: SeenAddress[] = []
  for (const r of records) {
    if ((r.type !== 'A' && r.type !== 'AAAA') || typeof data?.target !== 'string' || !sameName(r.name, data.target)) continue
    if (typeof r.data === 'string' && isIP(r.data)) addresses.push({ address: r.data, port, expiresAt: now + ttlOf(r) })
  }
  if (isIP(source)) addresses.push({ address: source, port, expiresAt: now + ttlOf(srv!) })
  return { txt, goodbye, addresses }
}

function keyOf(a: RoomAddress): string {
  return `${a.address}|${a.port}`
}

function addressesOf(e: Entry): RoomAddress[] {
  return [...e.addresses.values()].map(({ address, port }) => ({ address, port }))
}

function toInfo(e: Entry): RoomInfo {
  const ranked = rankAddresses(addressesOf(e))
  const best = e.best && ranked.find((a) => keyOf(a) === keyOf(e.best!))
  const addresses = best ? [best, ...ranked.filter((a) => a !== best)] : ranked
  return {
    id: e.id,
    name: listedName(e.instance, e.txt.room),
    roomName: e.txt.room,
    host: e.txt.host,
    members: e.members,
    passwordRequired: e.txt.pw === '1',
    addresses,
  }
}
