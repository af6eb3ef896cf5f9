// Publishes a room as `_beacon-chat._tcp` on every usable IPv4 interface (PROTOCOL.md "Discovery").
//
// It probes its instance name before use and renames on a conflict (`Lunch (2)`), answers queries on each
// link with that link's own address, re-announces the TXT record when the member count changes, announces
// on interfaces that appear later, and sends goodbyes (TTL 0) on stop. bonjour-service's publisher can do
// none of the first four (see mdns.ts), so this speaks DNS-SD over the same multicast-dns sockets.
import { hostname } from 'node:os'
import { Emitter } from '../../shared/emitter.ts'
import { DISCOVERY, SERVICE_NAME, SERVICES_META_NAME, encodeTxt, instanceName } from '../../shared/discovery.ts'
import type { RoomServer } from '../server/room-server.ts'
import { MdnsLinks, type Received } from './links.ts'
import { MDNS_PORT, type MdnsLink, type MdnsPacket, type MdnsRecord } from './mdns.ts'
import { fqdn, metaRecord, recordsOf, sameName, serviceRecords, txtIdOf, type ServiceDescription } from './records.ts'

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

type State = 'probing' | 'announced' | 'stopped'

export class Advertiser extends Emitter<{ published: string; renamed: string; warning: string; stopped: undefined }> {
  #opts: AdvertiserOptions
  #links: MdnsLinks
  /** The SRV target: per room, so rooms on one machine, or machines sharing a host name (namespaces,
   * cloned VMs), never claim each other's A records. */
  #target: string
  #attempt = 1
  #members: number
  #state: State = 'probing'
  /** Bumped on every rename and on stop: timers of an older generation do nothing. */
  #gen = 0
  #timers = new Set<NodeJS.Timeout>()
  #membersTimer: NodeJS.Timeout | undefined

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
    this.#target = `${label}-${opts.id
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 8)
      .toLowerCase()}.local`
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
    if (wasAnnounced) {
      const goodbye = this.#links.sendAll((link) => this.#response(link, 0))
      await Promise.race([goodbye, new Promise((r) => setTimeout(r, DISCOVERY.goodbyeTimeoutMs).unref())])
    }
    await this.#links.close()
  }

  #describe(): ServiceDescription {
    const o = this.#opts
    const txt = encodeTxt({ id: o.id, room: o.room, host: o.host, passwordRequired: o.passwordRequired, members: this.#members })
    return { instance: this.instance, target: this.#target, port: o.port, txt }
  }

  /** The full record set for one link as a response; ttlScale 0 makes it a goodbye. */
  #response(link: MdnsLink, ttlScale = 1): MdnsPacket {
    const r = serviceRecords(this.#describe(), link.link.address, ttlScale)
    const answers = [...r.answers, ...r.additionals]
    if (ttlScale > 0) answers.push(metaRecord()) // shared with other rooms here: never said goodbye to
    return { type: 'response', flags: 0, answers }
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
      this.#later(start + i * DISCOVERY.probeIntervalMs, () => void this.#links.sendAll((link) => this.#probeQuery(link)))
    }
    this.#later(start + DISCOVERY.probeCount * DISCOVERY.probeIntervalMs, () => {
      this.#state = 'announced'
      this.emit('published', this.instance)
      this.#announce(DISCOVERY.announceDelaysMs)
    })
  }

  /** "Is this name taken?", with our proposed records in the authority section for tie-breaking. */
  #probeQuery(link: MdnsLink): MdnsPacket {
    const r = serviceRecords(this.#describe(), link.link.address)
    const name = fqdn(this.instance)
    return { type: 'query', flags: 0, questions: [{ name, type: 'ANY' }], authorities: r.additionals.filter((x) => sameName(x.name, name)) }
  }

  #rename(): void {
    if (this.#attempt >= MAX_RENAMES) {
      this.emit('warning', `instance name conflicts persist; keeping "${this.instance}"`)
      return
    }
    this.#gen++
    this.#attempt++
    this.emit('renamed', this.instance)
    this.#probe()
  }

  #receive({ packet, rinfo, link }: Received): void {
    if (this.#state === 'stopped') return
    const name = fqdn(this.instance)
    if (packet.type === 'response') {
      const records = recordsOf([packet.answers, packet.additionals])
      if (!records.some((r) => sameName(r.name, name) && (r.ttl ?? 0) > 0 && (r.type === 'SRV' || r.type === 'TXT'))) return
      const theirs = txtIdOf(records, name)
      if (theirs === this.#opts.id) return // our own announcement, looped back
      // Probing: the name is taken. Announced: both claim it; the lower room id yields, so exactly one renames.
      if (this.#state === 'probing' || theirs === undefined || this.#opts.id < theirs) this.#rename()
      return
    }
    if (this.#state === 'probing') {
      // Two rooms probing the same name at once: the authority sections break the tie.
      const theirs = txtIdOf(recordsOf([packet.authorities]), name)
      if (theirs !== undefined && theirs !== this.#opts.id && this.#opts.id < theirs) this.#rename()
      return
    }
    this.#answer(packet, rinfo, link)
  }

  // --- announcing and answering ---------------------------------------------------------------------

  #announce(delays: readonly number[], only?: MdnsLink): void {
    for (const ms of delays) {
      this.#later(ms, () => {
        if (this.#state !== 'announced') return
        if (only) void only.send(this.#response(only))
        else void this.#links.sendAll((link) => this.#response(link))
      })
    }
  }

  #linkAdded(link: MdnsLink): void {
    if (this.#state === 'announced') this.#announce(DISCOVERY.announceDelaysMs, link)
  }

  #answer(packet: MdnsPacket, rinfo: { address: string; port: number }, link: MdnsLink): void {
    if (packet.type !== 'query' || !Array.isArray(packet.questions)) return
    const desc = this.#describe()
    const name = fqdn(desc.instance)
    const own = serviceRecords(desc, link.link.address)
    const [ptr] = own.answers
    const byType = (type: string) => own.additionals.filter((r) => r.type === type)
    const answers: MdnsRecord[] = []
    const additionals: MdnsRecord[] = []
    let shared = false
    for (const q of packet.questions) {
      if (!q || typeof q.name !== 'string') continue
      const any = q.type === 'ANY'
      if (sameName(q.name, SERVICE_NAME) && (any || q.type === 'PTR')) {
        if (ptr && !this.#knownAnswer(packet, ptr)) {
          answers.push(ptr)
          additionals.push(...own.additionals)
          shared = true
        }
      } else if (sameName(q.name, SERVICES_META_NAME) && (any || q.type === 'PTR')) {
        answers.push(metaRecord())
        shared = true
      } else if (sameName(q.name, name)) {
        answers.push(...own.additionals.filter((r) => sameName(r.name, name) && (any || r.type === q.type)))
        additionals.push(...byType('A'))
      } else if (sameName(q.name, desc.target) && (any || q.type === 'A')) {
        answers.push(...byType('A'))
      }
    }
    if (answers.length === 0) return
    const extra = [...new Set(additionals)].filter((r) => !answers.includes(r))
    if (rinfo.port !== MDNS_PORT) {
      // A one-shot (legacy) querier: answer it directly, echoing its id and question, with short TTLs.
      const cap = (r: MdnsRecord) => ({ ...r, flush: false, ttl: Math.min(r.ttl ?? 0, LEGACY_TTL_SECONDS) })
      void link.send(
        {
          type: 'response',
          id: packet.id ?? 0,
          flags: 0,
          questions: packet.questions,
          answers: answers.map(cap),
          additionals: extra.map(cap),
        },
        rinfo,
      )
      return
    }
    const reply: MdnsPacket = { type: 'response', flags: 0, answers, additionals: extra }
    // Shared records get the random 20-120 ms delay so several hosts' answers do not collide (RFC 6762 §6).
    if (!shared) void link.send(reply)
    else {
      const span = DISCOVERY.responseDelayMaxMs - DISCOVERY.responseDelayMinMs
      this.#later(DISCOVERY.responseDelayMinMs + Math.random() * span, () => void link.send(reply))
    }
  }

  /** Known-answer suppression: the querier already holds our PTR with at least half its TTL left. */
  #knownAnswer(packet: MdnsPacket, ptr: MdnsRecord): boolean {
    return recordsOf([packet.answers]).some(
      (r) => r.type === 'PTR' && sameName(r.name, ptr.name) && sameName(r.data, String(ptr.data)) && (r.ttl ?? 0) >= (ptr.ttl ?? 0) / 2,
    )
  }
}

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
