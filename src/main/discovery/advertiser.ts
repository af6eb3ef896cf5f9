// Publishes a room as `_beacon-chat._tcp` on every usable IPv4 interface (PROTOCOL.md "Discovery").
//
// It probes its instance name and its host name before use (RFC 6762 §8) and renames on a real conflict
// (`Lunch (2)`, with a goodbye for the old name); records identical to its own, looped back or cached by
// a peer, are never a conflict (§9). It answers queries on each link with that link's own address
// (answers.ts: NSEC, known answers, QU, rate limit), waits for the rest of a truncated query (§7.2),
// re-announces the TXT record when the member count changes, announces on interfaces that appear later, and
// sends goodbyes (TTL 0) on stop. bonjour-service's publisher can do none of this (see mdns.ts), so this
// speaks DNS-SD over the same multicast-dns sockets.
import { hostname } from 'node:os'
import { Emitter } from '../../shared/emitter.ts'
import { DISCOVERY, encodeTxt, instanceName } from '../../shared/discovery.ts'
import type { RoomServer } from '../server/room-server.ts'
import { planAnswer, type OwnRecords, type Section } from './answers.ts'
import { MdnsLinks, type Received } from './links.ts'
import {
  AUTHORITATIVE,
  MDNS_PORT,
  QU_CLASS,
  TRUNCATED,
  dnsPacket,
  type MdnsLink,
  type MdnsPacket,
  type MdnsRecord,
  type RemoteInfo,
} from './mdns.ts'
import { fqdn, metaRecord, recordKey, recordsOf, sameName, sameRdata, serviceRecords, txtIdOf, type ServiceDescription } from './records.ts'

export interface AdvertiserOptions {
  id: string
  /** The room's name: the instance name unless another room on the network has it. */
  room: string
  /** Display name of whoever hosts. */
  host: string
  port: number
  passwordRequired: boolean
  members: number
  /** Interface name (or one of its IPv4 addresses) to advertise on alone. */
  interface?: string
}

/** Renames tried before the advertiser settles for the last name. */
const MAX_RENAMES = 50
/** Legacy (one-shot, non-5353) queriers cache at most this long (RFC 6762 §6.7). */
const LEGACY_TTL_SECONDS = 10
/** A truncated query's known answers continue in later packets: wait 400-500 ms for them (§7.2). */
const TC_WAIT_MIN_MS = 400
const TC_WAIT_SPAN_MS = 100
/** Queriers whose truncated query is pending at once (each holds its questions and known answers). */
const MAX_PENDING_QUERIERS = 64
/** Questions and known answers gathered for one pending querier, and how long it may keep extending the wait. */
const MAX_PENDING_QUESTIONS = 64
const MAX_PENDING_KNOWN = 512
const MAX_PENDING_MS = 2000

type State = 'probing' | 'announced' | 'stopped'

interface Pending {
  link: MdnsLink
  rinfo: RemoteInfo
  questions: MdnsPacket['questions'] & object
  known: MdnsRecord[]
  probe: boolean
  since: number
  timer?: NodeJS.Timeout
}

export class Advertiser extends Emitter<{ published: string; renamed: string; warning: string; stopped: undefined }> {
  #opts: AdvertiserOptions
  #links: MdnsLinks
  /** The SRV target's first label: per room, so rooms on one machine, or machines sharing a host name
   * (namespaces, cloned VMs), never claim each other's A records. */
  #hostLabel: string
  #attempt = 1
  #hostAttempt = 1
  #members: number
  #state: State = 'probing'
  /** Bumped on every rename and on stop: timers of an older generation do nothing. */
  #gen = 0
  #timers = new Set<NodeJS.Timeout>()
  #membersTimer: NodeJS.Timeout | undefined
  /** When each record was last multicast, per link (rate limit and the QU rule). */
  #sent = new WeakMap<MdnsLink, Map<string, number>>()
  /** Truncated queries waiting for their known answers, by querier address:port. */
  #pending = new Map<string, Pending>()

  private constructor(opts: AdvertiserOptions) {
    super()
    this.#opts = opts
    this.#members = opts.members
    const label =
      hostname()
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 40) || 'beacon'
    this.#hostLabel = `${label}-${opts.id
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 8)
      .toLowerCase()}`
    this.#links = new MdnsLinks(opts.interface)
    this.#links.on('packet', (r) => this.#receive(r))
    this.#links.on('added', (link) => this.#linkAdded(link))
    this.#links.on('warning', (m) => this.emit('warning', m))
  }

  static start(opts: AdvertiserOptions): Advertiser {
    const a = new Advertiser(opts)
    a.#links.start()
    a.#probe()
    return a
  }

  /** The instance name in use (or being probed). */
  get instance(): string {
    return instanceName(this.#opts.room, this.#attempt)
  }

  /** The host name the SRV record points at. */
  get target(): string {
    return `${this.#hostLabel}${this.#hostAttempt > 1 ? `-${this.#hostAttempt}` : ''}.local`
  }

  get published(): boolean {
    return this.#state === 'announced'
  }

  /** Re-announce the TXT record with a new member count (debounced: a burst of joins is one update). */
  setMembers(n: number): void {
    if (n === this.#members || this.#state === 'stopped') return
    this.#members = n
    clearTimeout(this.#membersTimer)
    this.#membersTimer = setTimeout(() => {
      if (this.#state === 'announced') this.#announce(DISCOVERY.updateDelaysMs)
    }, DISCOVERY.membersDebounceMs)
  }

  /** Goodbye packets (TTL 0) on every link, then close; resolves once they are sent (bounded). */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return
    const wasAnnounced = this.#state === 'announced'
    this.#state = 'stopped'
    this.emit('stopped', undefined)
    this.#gen++
    clearTimeout(this.#membersTimer)
    for (const t of this.#timers) clearTimeout(t)
    this.#timers.clear()
    for (const p of this.#pending.values()) clearTimeout(p.timer)
    this.#pending.clear()
    if (wasAnnounced) {
      const goodbye = this.#links.sendAll((link) => this.#goodbye(link, true))
      await Promise.race([goodbye, new Promise((r) => setTimeout(r, DISCOVERY.goodbyeTimeoutMs).unref())])
    }
    await this.#links.close()
  }

  #describe(): ServiceDescription {
    const o = this.#opts
    const txt = encodeTxt({ id: o.id, room: o.room, host: o.host, passwordRequired: o.passwordRequired, members: this.#members })
    return { instance: this.instance, target: this.target, port: o.port, txt }
  }

  /** This room's records on one link. */
  #own(link: MdnsLink, ttlScale = 1): OwnRecords {
    const r = serviceRecords(this.#describe(), link.link.address, ttlScale)
    const [srv, txt, a] = r.additionals
    return { ptr: r.answers[0]!, srv: srv!, txt: txt!, a, meta: metaRecord(ttlScale) }
  }

  /** The full record set for one link as an announcement. */
  #announcement(link: MdnsLink): MdnsPacket {
    const o = this.#own(link)
    const answers = [o.ptr, o.srv, o.txt, ...(o.a ? [o.a] : []), o.meta]
    this.#noteMulticast(link, answers)
    return { type: 'response', flags: AUTHORITATIVE, answers }
  }

  /** TTL 0 for the name's records (and the host's A when it goes too); the shared meta PTR stays. */
  #goodbye(link: MdnsLink, withHost: boolean): MdnsPacket {
    const o = this.#own(link, 0)
    return { type: 'response', flags: AUTHORITATIVE, answers: [o.ptr, o.srv, o.txt, ...(withHost && o.a ? [o.a] : [])] }
  }

  #noteMulticast(link: MdnsLink, records: MdnsRecord[]): void {
    let sent = this.#sent.get(link)
    if (!sent) this.#sent.set(link, (sent = new Map()))
    const now = Date.now()
    for (const r of records) sent.set(recordKey(r), now)
  }

  #later(ms: number, fn: () => void): void {
    const gen = this.#gen
    const t = setTimeout(() => {
      this.#timers.delete(t)
      if (gen === this.#gen && this.#state !== 'stopped') fn()
    }, ms)
    t.unref()
    this.#timers.add(t)
  }

  // --- probing and conflicts (RFC 6762 §8-9) --------------------------------------------------------

  #probe(): void {
    this.#state = 'probing'
    const start = Math.random() * DISCOVERY.probeIntervalMs
    for (let i = 0; i < DISCOVERY.probeCount; i++) {
      this.#later(start + i * DISCOVERY.probeIntervalMs, () => void this.#links.sendAll((link) => this.#probeQuery(link, i === 0)))
    }
    this.#later(start + DISCOVERY.probeCount * DISCOVERY.probeIntervalMs, () => {
      this.#state = 'announced'
      this.emit('published', this.instance)
      this.#announce(DISCOVERY.announceDelaysMs)
    })
  }

  /**
   * "Are these names taken?" for the instance and the host name, with our proposed records in the
   * authority section for tie-breaking (§8.2). The first probe asks for unicast answers (QU, §8.1).
   */
  #probeQuery(link: MdnsLink, first: boolean): MdnsPacket {
    const o = this.#own(link)
    const cls = first ? QU_CLASS : 'IN'
    return {
      type: 'query',
      flags: 0,
      questions: [{ name: o.srv.name, type: 'ANY', class: cls }, ...(o.a ? [{ name: o.a.name, type: 'ANY', class: cls }] : [])],
      authorities: [o.srv, o.txt, ...(o.a ? [o.a] : [])],
    }
  }

  /** Rename the instance (or the host name), saying goodbye to the old one if it was announced. */
  #rename(what: 'instance' | 'host'): void {
    if (this.#attempt + this.#hostAttempt >= MAX_RENAMES) {
      this.emit('warning', `name conflicts persist; keeping "${this.instance}" on ${this.target}`)
      return
    }
    if (this.#state === 'announced') void this.#links.sendAll((link) => this.#goodbye(link, what === 'host'))
    this.#gen++
    if (what === 'instance') {
      this.#attempt++
      this.emit('renamed', this.instance)
    } else this.#hostAttempt++
    this.#probe()
  }

  /** Is this record, with our name, one of ours? Identical rdata, or our TXT with an older member count. */
  #isOurs(r: MdnsRecord, link: MdnsLink): boolean {
    const o = this.#own(link)
    if (r.type === 'SRV') return sameRdata(r, o.srv)
    if (r.type === 'TXT') return sameRdata(r, o.txt) || txtIdOf([r], r.name) === this.#opts.id
    if (r.type === 'A') return this.#links.links.some((l) => l.link.address === r.data)
    return true // other types under our names are not ours to judge (an NSEC of our own, say)
  }

  /** Records in a response that claim our instance or host name with other data than ours. */
  #conflicts(records: MdnsRecord[], link: MdnsLink): { instance: boolean; host: boolean } {
    const name = fqdn(this.instance)
    const target = this.target
    let instance = false
    let host = false
    for (const r of records) {
      if ((r.ttl ?? 0) === 0 || this.#isOurs(r, link)) continue
      if (sameName(r.name, name) && (r.type === 'SRV' || r.type === 'TXT')) instance = true
      if (sameName(r.name, target) && (r.type === 'A' || r.type === 'AAAA')) host = true
    }
    return { instance, host }
  }

  #receive({ packet, rinfo, link }: Received): void {
    if (this.#state === 'stopped') return
    if (packet.type === 'response') return this.#onResponse(packet, link)
    if (packet.type !== 'query') return
    if (this.#state === 'probing') return this.#onProbeWhileProbing(packet, link)
    this.#onQuery(packet, rinfo, link)
  }

  #onResponse(packet: MdnsPacket, link: MdnsLink): void {
    const records = recordsOf([packet.answers, packet.additionals])
    const c = this.#conflicts(records, link)
    if (!c.instance && !c.host) return
    if (c.host) return this.#rename('host')
    // Probing: the name is taken. Announced: both claim it; between two Beacon rooms the lower id yields, so
    // exactly one renames; a stack that is not Beacon keeps the name it defends.
    const theirs = txtIdOf(records, fqdn(this.instance))
    if (this.#state === 'probing' || theirs === undefined || this.#opts.id < theirs) this.#rename('instance')
  }

  /** Someone else probes a name we are probing too: the lexicographically later record set wins (§8.2). */
  #onProbeWhileProbing(packet: MdnsPacket, link: MdnsLink): void {
    const theirs = recordsOf([packet.authorities])
    const o = this.#own(link)
    for (const [name, mine] of [
      [o.srv.name, [o.srv, o.txt]],
      [o.a?.name, o.a ? [o.a] : []],
    ] as const) {
      if (name === undefined) continue
      const claim = theirs.filter((r) => sameName(r.name, name))
      if (claim.length === 0) continue
      if (compareRecordSets(mine, claim) < 0) return this.#rename(name === o.srv.name ? 'instance' : 'host')
    }
  }

  // --- announcing and answering ---------------------------------------------------------------------

  #announce(delays: readonly number[], only?: MdnsLink): void {
    for (const ms of delays) {
      this.#later(ms, () => {
        if (this.#state !== 'announced') return
        if (only) void only.send(this.#announcement(only))
        else void this.#links.sendAll((link) => this.#announcement(link))
      })
    }
  }

  #linkAdded(link: MdnsLink): void {
    if (this.#state === 'announced') this.#announce(DISCOVERY.announceDelaysMs, link)
  }

  #onQuery(packet: MdnsPacket, rinfo: RemoteInfo, link: MdnsLink): void {
    const questions = Array.isArray(packet.questions) ? packet.questions : []
    const known = recordsOf([packet.answers])
    const probe = recordsOf([packet.authorities]).length > 0
    const truncated = ((packet.flags ?? 0) & TRUNCATED) !== 0
    const from = `${rinfo.address}:${rinfo.port}`
    const pending = this.#pending.get(from)
    if (pending) {
      // More of a truncated query: gather its known answers; another TC packet means still more to come.
      pending.questions.push(...questions.slice(0, MAX_PENDING_QUESTIONS - pending.questions.length))
      pending.known.push(...known.slice(0, MAX_PENDING_KNOWN - pending.known.length))
      if (truncated && Date.now() - pending.since < MAX_PENDING_MS) this.#waitForRest(pending, from)
      return
    }
    if (truncated && rinfo.port === MDNS_PORT && this.#pending.size < MAX_PENDING_QUERIERS) {
      const p: Pending = {
        link,
        rinfo,
        questions: questions.slice(0, MAX_PENDING_QUESTIONS),
        known: known.slice(0, MAX_PENDING_KNOWN),
        probe,
        since: Date.now(),
      }
      this.#waitForRest(p, from)
      this.#pending.set(from, p)
      return
    }
    if (questions.length > 0) this.#answer(link, rinfo, questions, known, probe, packet.id ?? 0)
  }

  #waitForRest(p: Pending, from: string): void {
    clearTimeout(p.timer)
    p.timer = setTimeout(
      () => {
        this.#pending.delete(from)
        if (this.#state === 'announced') this.#answer(p.link, p.rinfo, p.questions, p.known, p.probe, 0)
      },
      TC_WAIT_MIN_MS + Math.random() * TC_WAIT_SPAN_MS,
    )
    p.timer.unref()
  }

  #answer(
    link: MdnsLink,
    rinfo: RemoteInfo,
    questions: NonNullable<MdnsPacket['questions']>,
    known: MdnsRecord[],
    probe: boolean,
    id: number,
  ): void {
    const sent = this.#sent.get(link)
    const now = Date.now()
    const since = (r: MdnsRecord) => {
      const t = sent?.get(recordKey(r))
      return t === undefined ? undefined : now - t
    }
    const legacy = rinfo.port !== MDNS_PORT
    const plan = planAnswer({ own: this.#own(link), questions, known, probe, sinceMulticast: legacy ? () => undefined : since })
    if (legacy) {
      // A one-shot (legacy) querier: answer it directly, echoing its id and question, with short TTLs.
      const cap = (r: MdnsRecord) => ({ ...r, flush: false, ttl: Math.min(r.ttl ?? 0, LEGACY_TTL_SECONDS) })
      const all = [...plan.multicast.answers, ...plan.unicast.answers]
      if (all.length === 0) return
      const extra = [...plan.multicast.additionals, ...plan.unicast.additionals]
      void link.send({ type: 'response', id, flags: AUTHORITATIVE, questions, answers: all.map(cap), additionals: extra.map(cap) }, rinfo)
      return
    }
    if (plan.unicast.answers.length > 0) void link.send(response(plan.unicast), rinfo)
    if (plan.multicast.answers.length === 0) return
    const send = () => {
      this.#noteMulticast(link, [...plan.multicast.answers, ...plan.multicast.additionals])
      void link.send(response(plan.multicast))
    }
    // Shared records get the random 20-120 ms delay so several hosts' answers do not collide (RFC 6762 §6).
    if (!plan.shared) send()
    else {
      const span = DISCOVERY.responseDelayMaxMs - DISCOVERY.responseDelayMinMs
      this.#later(DISCOVERY.responseDelayMinMs + Math.random() * span, send)
    }
  }
}

const response = (s: Section): MdnsPacket => ({ type: 'response', flags: AUTHORITATIVE, answers: s.answers, additionals: s.additionals })

/** RFC 6762 §8.2: sort each set by class, type, rdata bytes; compare pairwise; the longer set wins a tie. */
export function compareRecordSets(a: readonly MdnsRecord[], b: readonly MdnsRecord[]): number {
  const sorted = (set: readonly MdnsRecord[]) => set.map(rdataKey).sort(Buffer.compare)
  const x = sorted(a)
  const y = sorted(b)
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = Buffer.compare(x[i]!, y[i]!)
    if (c !== 0) return c
  }
  return x.length - y.length
}

/** class (IN), type, then rdata as sent, in one buffer so that byte order is the RFC's order. */
function rdataKey(r: MdnsRecord): Buffer {
  const codecs = dnsPacket() as unknown as Record<string, { encode?: (d: unknown) => Buffer } | undefined>
  const head = Buffer.alloc(4)
  head.writeUInt16BE(1, 0)
  head.writeUInt16BE(TYPE_CODES[r.type] ?? 0, 2)
  let rdata: Buffer
  try {
    rdata = codecs[r.type.toLowerCase()]?.encode?.(r.data)?.subarray(2) ?? Buffer.alloc(0)
  } catch {
    rdata = Buffer.alloc(0) // rdata we cannot encode sorts first
  }
  return Buffer.concat([head, rdata])
}

const TYPE_CODES: Record<string, number> = { A: 1, PTR: 12, TXT: 16, AAAA: 28, SRV: 33, NSEC: 47 }

/** Advertise a running room host until `stop()`, following its member count. */
export function advertiseRoom(server: RoomServer, opts: { interface?: string } = {}): Advertiser {
  const { room } = server
  const advertiser = Advertiser.start({
    id: room.id,
    room: room.name,
    host: room.host,
    port: server.port,
    passwordRequired: room.secret !== undefined,
    members: room.memberCount,
    interface: opts.interface,
  })
  advertiser.on(
    'stopped',
    room.on('members', (n) => advertiser.setMembers(n)),
  )
  return advertiser
}
