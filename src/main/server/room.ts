// A room: its members, seq, the broadcast of one batch per flush window, dedupe, resume, scrollback and the
// heartbeat. A resume that missed more than one welcome holds is replayed from the log page by page as the
// member's connection drains: what the host holds for one member stays bounded whatever the log holds.
import { createHash } from 'node:crypto'
import { Emitter } from '../../shared/emitter.ts'
import { ERRORS } from '../../shared/errors.ts'
import {
  LIMITS,
  PROTOCOL_VERSION,
  type ChatMessage,
  type FileRef,
  type HistoryPage,
  type HostFrame,
  type Member,
  type RoomSummary,
  type Send,
} from '../../shared/protocol.ts'
import type { RoomSecret } from './auth.ts'
import { Batch } from './batch.ts'
import type { History } from './history.ts'
import { logError } from './log.ts'
import { errorOut, outbound, type Outbound, type Transport, type WelcomeHead, type WelcomeOut } from './outbound.ts'

/**
 * One connection of a member, as the room holds it: a Session (session.ts). The room writes to its
 * `transport` directly (see Transport) and closes it through the peer, which leaves the room as it closes.
 */
export interface Peer {
  readonly member: Member
  readonly clientId: string
  /** The member asked for `ping` frames every heartbeat interval. */
  readonly heartbeat?: boolean
  readonly transport: Transport
  close(code: number, reason: string): void
}

export interface RoomOptions {
  history: History
  name: string
  /** Display name of whoever hosts the room. */
  host: string
  secret?: RoomSecret
  /** `ping` to members that asked for a heartbeat this often; defaults to LIMITS.heartbeatMs. */
  heartbeatMs?: number
  /** A replay writes while a member's unsent bytes are below this; defaults to REPLAY_LOW_WATER_BYTES. */
  replayLowWaterBytes?: number
  /** The host's file store (docs/PROTOCOL-FILES.md); without it the room has no files. */
  files?: RoomFiles
}

/** What the room needs of the host's files: a token for each welcome, and whether a message may name a file. */
export interface RoomFiles {
  readonly maxFileBytes: number
  /** A member's token still works this long after its last connection closed. */
  readonly tokenGraceMs: number
  token(memberId: string): string
  /** Stored with this size and hash. */
  holds(file: FileRef): boolean
  /** A message (seq, in the log's open transaction) names the file: it lives as long as that message. */
  sent(fileId: string, seq: number): void
}

/** A welcome's history: its JSON array, the last seq it covers, and the seq of its last message (if any). */
interface WelcomeHistory {
  json: string
  last: number
  end: number | undefined
}

export type PostResult =
  { stored: true; seq: number } | { stored: false; seq: number } | { refused: 'rate' | 'storage' | 'file' | 'member' }

/**
 * A direct message waiting for the flush: only the connections of `members` (its sender and recipient) get
 * it, placed before the batch's frame `at` so it keeps its seq order among the room's messages.
 */
interface Direct {
  at: number
  readonly o: Outbound
  readonly members: readonly string[]
}

/** What a peer that joined while the flush window filled skips: its welcome covered that much already. */
interface Late {
  frames: number
  direct: number
}

/** The heartbeat frame, framed once per transport for the room's lifetime. */
const PING = new Batch()
PING.push(outbound({ type: 'ping' }))
const EMPTY = new Batch()

/**
 * A replay writes more of what a member missed only while its unsent bytes are below this (by default; the
 * server sets a quarter of its send high-water mark, within these bounds): a replaying member then stays
 * well under the mark, and the host holds at most this much (plus one message) for it.
 */
export const REPLAY_LOW_WATER_BYTES = 256 * 1024
export const REPLAY_MIN_LOW_WATER_BYTES = 64 * 1024

/**
 * How often a busy room may flush. Each flush costs one write (one syscall, a few µs) per member, whatever
 * it carries, and those writes are most of the host's CPU. So a room flushes at most once per
 * FLUSH_US_PER_MEMBER × members (at most FLUSH_MAX_MS): flushing then takes a bounded share of a core at any
 * room size, and a busy room gathers its messages into one write per member. A small room flushes almost
 * every turn, and a message after a quiet spell always goes out on the next turn: the wait only ever falls
 * on traffic that is already dense.
 */
export const FLUSH_US_PER_MEMBER = 50
export const FLUSH_MAX_MS = 10

/** A member replaying what it missed: not in the live broadcast until it has caught up. */
interface Replay {
  /** Highest seq sent to it. */
  cursor: number
  /** Joins and leaves meanwhile, the latest per member: sent when it has caught up. */
  presence: Map<string, Outbound>
  /** Its own frames (acks, refusals) meanwhile, sent when it has caught up. */
  own: Outbound[]
  /** A step is scheduled (next turn, or once its connection drains). */
  waiting: boolean
  /** Average size of the messages the last step sent, to size the next read. */
  bytesPerMessage: number
}

export class Room extends Emitter<{ members: number }> {
  readonly id: string
  readonly epoch: string
  readonly name: string
  readonly host: string
  readonly secret: RoomSecret | undefined
  #history: History
  /** Peers in the live broadcast. */
  #peers = new Set<Peer>()
  #replays = new Map<Peer, Replay>()
  /** Connections per member id: a member joins with its first connection and leaves with its last. */
  #members = new Map<string, { member: Member; connections: number }>()
  /** When members whose last connection closed left (file tokens honour a grace period after it). */
  #left = new Map<string, number>()
  #files: RoomFiles | undefined
  /**
   * The members' JSON, comma-separated, as bytes: appended to as members join, rebuilt (as a new buffer:
   * sent welcomes may still reference the old one) when one leaves. A welcome sends a slice of it.
   */
  #membersJson = Buffer.alloc(0)
  #membersLength = 0
  #membersStale = false
  #batch = new Batch()
  /** Direct messages of this flush window, in seq order: never in the shared batch. */
  #direct: Direct[] = []
  #acks = new Map<Peer, Outbound[]>()
  /** Messages appended since the last commit, to take back (and refuse) if the commit fails. */
  #uncommitted: { peer: Peer; id: string; seq: number }[] = []
  /** Peers that joined while the batch was filling: how many of its frames predate their welcome. */
  #late = new Map<Peer, Late>()
  #scheduled = false
  #lastFlush = -Infinity
  #stopped = false
  #heartbeat: NodeJS.Timeout
  #replayLowWater: number

  constructor(opts: RoomOptions) {
    super()
    this.#history = opts.history
    this.id = opts.history.id
    this.epoch = opts.history.epoch
    this.name = opts.name
    this.host = opts.host
    this.secret = opts.secret
    this.#heartbeat = setInterval(() => this.#ping(), opts.heartbeatMs ?? LIMITS.heartbeatMs).unref()
    this.#replayLowWater = opts.replayLowWaterBytes ?? REPLAY_LOW_WATER_BYTES
    this.#files = opts.files
  }

  get seq(): number {
    return this.#history.lastSeq
  }

  get memberCount(): number {
    return this.#members.size
  }

  get members(): Member[] {
    return [...this.#members.values()].map((m) => m.member)
  }

  /** Members replaying a resume (tests and stats). */
  get replaying(): number {
    return this.#replays.size
  }

  /** Whether a member is in the room, or left within the file token's grace period (its token still works). */
  present(memberId: string): boolean {
    if (this.#members.has(memberId)) return true
    const left = this.#left.get(memberId)
    return left !== undefined && Date.now() - left < (this.#files?.tokenGraceMs ?? 0)
  }

  /** Stable per client and room, and reveals nothing of the client id. */
  memberId(clientId: string): string {
    return createHash('sha256').update(`${this.id}\0${clientId}`).digest('base64url').slice(0, 12)
  }

  summary(): RoomSummary {
    return {
      protocol: PROTOCOL_VERSION,
      id: this.id,
      name: this.name,
      host: this.host,
      epoch: this.epoch,
      seq: this.seq,
      members: this.memberCount,
      passwordRequired: this.secret !== undefined,
    }
  }

  /**
   * Admit a peer and send its welcome: when it resumes, the first messages it missed (at most
   * LIMITS.welcomeHistoryBytes of them; the rest follow as `message` frames as it drains), else the latest.
   */
  join(peer: Peer, resume: { epoch: string; after: number } | undefined): void {
    if (this.#stopped) return peer.close(ERRORS.host_stopped.close, 'host_stopped')
    // The welcome covers everything stored so far (made durable first); what the batch already holds is
    // not for this peer, which gets only the frames queued after its welcome. Flushing the whole room here
    // instead would cost a write per member per join: a burst of N joins would be N² writes.
    this.#commit()
    const resumed = resume !== undefined && resume.epoch === this.epoch && this.#history.canResume(resume.after)
    let history: WelcomeHistory
    try {
      history = resumed ? this.#missed(resume.after, peer.member.id) : this.#latest(peer.member.id)
    } catch (e) {
      logError('reading the room log for a welcome', e)
      peer.transport.send(errorOut('storage', 'the host could not read its history: try again'))
      return peer.close(ERRORS.storage.close, 'storage')
    }
    const replay = resumed && history.last < this.#history.committedSeq
    const entry = this.#members.get(peer.member.id)
    if (entry) {
      entry.connections++
      // Another connection of the same member under a new name (a rename while an old socket lingers):
      // `joined` again with the new name, which members apply to the id they already list.
      if (entry.member.name !== peer.member.name) {
        entry.member = peer.member
        this.#membersStale = true
        this.#queue({ type: 'joined', member: peer.member })
      }
    } else {
      this.#left.delete(peer.member.id)
      this.#members.set(peer.member.id, { member: peer.member, connections: 1 })
      this.#remember(peer.member.id)
      if (!this.#membersStale) this.#appendMemberJson(peer.member)
      this.#queue({ type: 'joined', member: peer.member })
      this.emit('members', this.memberCount)
    }
    if (replay) this.#replays.set(peer, { cursor: history.last, presence: new Map(), own: [], waiting: false, bytesPerMessage: 0 })
    else {
      this.#markLate(peer)
      this.#peers.add(peer)
    }
    if (this.#membersStale) this.#rebuildMembersJson()
    peer.transport.sendWelcome(this.#welcome(peer.member, history, resumed))
    if (replay) this.#replay(peer)
  }

  /**
   * The first messages after `after` that `reader` may see, as a JSON array within the welcome's byte budget.
   * `last` covers the direct messages between others up to there too (none of them is ever sent to `reader`).
   */
  #missed(after: number, reader: string): WelcomeHistory {
    const parts: string[] = []
    let bytes = 2
    let last = after
    const end = (): number | undefined => (parts.length > 0 ? last : undefined)
    for (;;) {
      const page = this.#history.after(last, LIMITS.historyPage, reader)
      for (const m of page) {
        const json = JSON.stringify(m)
        bytes += Buffer.byteLength(json) + 1
        if (bytes > LIMITS.welcomeHistoryBytes) return { json: `[${parts.join(',')}]`, last, end: end() }
        parts.push(json)
        last = m.seq
      }
      if (page.length < LIMITS.historyPage) {
        const through = end()
        return { json: `[${parts.join(',')}]`, last: this.#history.lastSeq, end: through }
      }
    }
  }

  /** The latest messages `reader` may see (at most LIMITS.welcomeHistory) that fit the welcome's byte budget. */
  #latest(reader: string): WelcomeHistory {
    const parts: string[] = []
    let bytes = 2
    const latest = this.#history.latest(LIMITS.welcomeHistory, reader)
    for (let i = latest.length - 1; i >= 0; i--) {
      const json = JSON.stringify(latest[i])
      bytes += Buffer.byteLength(json) + 1
      if (bytes > LIMITS.welcomeHistoryBytes) break
      parts.push(json)
    }
    return { json: `[${parts.reverse().join(',')}]`, last: this.#history.lastSeq, end: parts.length > 0 ? latest.at(-1)!.seq : undefined }
  }

  /**
   * The welcome: its head typed, and its JSON, byte for byte what JSON.stringify gives for a `Welcome`, in
   * three parts whose middle is a slice of the room's member list bytes: a join allocates nothing the size
   * of the room, so many members joining at once neither swell the heap nor fragment memory.
   */
  #welcome(you: Member, history: WelcomeHistory, resumed: boolean): WelcomeOut {
    const room = { id: this.id, name: this.name, epoch: this.epoch }
    const files = this.#files && { token: this.#files.token(you.id), maxFileBytes: this.#files.maxFileBytes }
    const frame: WelcomeHead = {
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      room,
      you,
      seq: this.seq,
      resumed,
      historyEnd: history.end,
      ...(files ? { files } : {}),
    }
    const head = `{"type":"welcome","protocol":${PROTOCOL_VERSION},"room":${JSON.stringify(room)},"you":${JSON.stringify(you)},"members":[`
    const tail = `],"seq":${frame.seq},"history":${history.json},"resumed":${resumed}${files ? `,"files":${JSON.stringify(files)}` : ''}}`
    return { frame, parts: [Buffer.from(head), this.#membersJson.subarray(0, this.#membersLength), Buffer.from(tail)] }
  }

  /**
   * Send a replaying peer the next messages of what it missed (read a page at a time), while its unsent
   * bytes are under the replay low-water mark; then wait for it to drain. Once it has every durable message it joins the live
   * broadcast, skipping this window's frames (their messages it has just read from the log).
   */
  #replay(peer: Peer): void {
    const r = this.#replays.get(peer)
    if (!r || r.waiting) return
    const again = (): void => {
      r.waiting = false
      if (this.#replays.get(peer) === r) this.#replay(peer)
    }
    try {
      const { transport } = peer
      const queued = transport.onDrain ? transport.queuedBytes?.() : undefined
      if (queued !== undefined && queued > this.#replayLowWater) {
        r.waiting = true
        return transport.onDrain!(again)
      }
      while (r.cursor >= this.#history.committedSeq) {
        if (this.#history.lastSeq > this.#history.committedSeq && this.#commit()) continue
        return this.#caughtUp(peer, r)
      }
      const durable = this.#history.committedSeq
      if (r.cursor + 1 < this.#history.oldestSeq) {
        // pruned under it (it fell more than the retention behind): it must start over
        transport.send(errorOut('too_slow', 'fell behind the retained history: join again'))
        return peer.close(ERRORS.too_slow.close, 'too_slow')
      }
      const room = queued === undefined ? Infinity : this.#replayLowWater - queued
      // Read about as many as fit (by the last step's message size), so little is read only to be dropped.
      const fit = r.bytesPerMessage > 0 ? Math.ceil(room / r.bytesPerMessage) : LIMITS.historyPage
      const limit = Math.max(1, Math.min(LIMITS.historyPage, fit))
      const read = this.#history.after(r.cursor, limit, peer.member.id)
      const page = read.filter((m) => m.seq <= durable)
      if (page.length === 0) {
        // Only direct messages between others are left up to the durable seq: nothing of them is for this member.
        r.cursor = durable
        return this.#replay(peer)
      }
      const batch = new Batch()
      let bytes = 0
      for (const m of page) {
        const o = outbound(m)
        if (bytes + o.json.length > room && batch.size > 0) break // the rest is read again next step
        bytes += o.json.length
        batch.push(o)
        r.cursor = m.seq
      }
      // A short read that was sent whole reached the durable seq: the direct messages between others up to there are skipped.
      if (read.length < limit && batch.size === page.length) r.cursor = durable
      r.bytesPerMessage = bytes / batch.size
      transport.deliver(batch, undefined)
      // The next step on a later turn: a long replay must not hold up the room's live traffic.
      if (this.#replays.get(peer) !== r) return // closed while writing (too slow)
      r.waiting = true
      setImmediate(again)
    } catch (e) {
      logError('replaying the room log', e)
      peer.transport.send(errorOut('storage', 'the host could not read its history: resume again'))
      peer.close(ERRORS.storage.close, 'storage')
    }
  }

  #caughtUp(peer: Peer, r: Replay): void {
    this.#replays.delete(peer)
    const own = [...r.presence.values(), ...r.own]
    if (own.length > 0) peer.transport.deliver(EMPTY, own)
    this.#markLate(peer)
    this.#peers.add(peer)
  }

  /** A peer joining the live broadcast mid-window skips what is queued so far: it has those messages already. */
  #markLate(peer: Peer): void {
    if (this.#batch.size > 0 || this.#direct.length > 0) this.#late.set(peer, { frames: this.#batch.size, direct: this.#direct.length })
  }

  /** Record a member id as known to the room (a direct message may go to it while it is away). */
  #remember(memberId: string): void {
    try {
      this.#history.remember(memberId)
    } catch (e) {
      // Only direct messages to it while it is away are refused (no_such_member) until it joins again.
      logError('recording a member', e)
    }
  }

  #appendMemberJson(member: Member): void {
    const json = (this.#membersLength > 0 ? ',' : '') + JSON.stringify(member)
    const need = this.#membersLength + Buffer.byteLength(json)
    if (need > this.#membersJson.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * this.#membersJson.length, 1024))
      this.#membersJson.copy(grown, 0, 0, this.#membersLength)
      this.#membersJson = grown
    }
    this.#membersLength += this.#membersJson.write(json, this.#membersLength)
  }

  #rebuildMembersJson(): void {
    this.#membersJson = Buffer.alloc(0)
    this.#membersLength = 0
    this.#membersStale = false
    for (const m of this.#members.values()) this.#appendMemberJson(m.member)
  }

  leave(peer: Peer): void {
    if (!this.#peers.delete(peer) && !this.#replays.delete(peer)) return
    this.#acks.delete(peer)
    this.#late.delete(peer)
    const entry = this.#members.get(peer.member.id)
    if (entry && --entry.connections === 0) {
      this.#members.delete(peer.member.id)
      this.#forgetLeft()
      this.#left.set(peer.member.id, Date.now())
      this.#membersStale = true // rebuilt at the next join: a crowd leaving at once costs one rebuild
      if (!this.#stopped) {
        this.#queue({ type: 'left', member: peer.member })
        this.emit('members', this.memberCount)
      }
    }
  }

  /**
   * Store and broadcast a message; a direct one (`to`) goes to its sender's and recipient's connections only,
   * and must name a member who ever joined the room (`member` otherwise). A `(client, id)` already stored is
   * acknowledged again with its original seq and not stored twice; `admit` (the sender's rate limit) is asked
   * only for new ones. A storage failure refuses it (`storage`): nothing is acknowledged, so the sender tries again.
   */
  post(peer: Peer, send: Send, admit: () => boolean): PostResult {
    let known: number | undefined
    try {
      known = this.#history.find(peer.clientId, send.id)
    } catch (e) {
      logError('looking up a message', e)
      return { refused: 'storage' }
    }
    if (known !== undefined) {
      this.#ack(peer, send.id, known)
      return { stored: false, seq: known }
    }
    try {
      if (send.file && !this.#files?.holds(send.file)) return { refused: 'file' }
      if (send.to !== undefined && !this.#members.has(send.to) && !this.#history.knows(send.to)) return { refused: 'member' }
    } catch (e) {
      logError('looking up a file or member', e)
      return { refused: 'storage' }
    }
    if (!admit()) return { refused: 'rate' }
    const message: ChatMessage = {
      type: 'message',
      seq: this.seq + 1,
      id: send.id,
      from: peer.member,
      text: send.text ?? '',
      ts: Date.now(),
    }
    if (send.file) message.file = send.file
    if (send.to !== undefined) message.to = send.to
    if (send.mentions !== undefined && send.mentions.length > 0) message.mentions = send.mentions
    try {
      // The file first: should the message then fail, the file merely lives as long as the next message's seq.
      if (send.file) this.#files!.sent(send.file.fileId, message.seq)
      this.#history.append(peer.clientId, message)
    } catch (e) {
      logError('storing a message', e)
      return { refused: 'storage' }
    }
    this.#uncommitted.push({ peer, id: send.id, seq: message.seq })
    if (message.to === undefined) this.#queue(message)
    else this.#queueDirect(message, peer.member.id, message.to)
    this.#ack(peer, send.id, message.seq)
    return { stored: true, seq: message.seq }
  }

  /** Members who left long enough ago that no grace period still covers them; bounded however many come and go. */
  #forgetLeft(): void {
    if (this.#left.size < 1024) return
    const old = Date.now() - (this.#files?.tokenGraceMs ?? 0)
    for (const [id, at] of this.#left) if (at < old || this.#left.size >= 65_536) this.#left.delete(id)
  }

  typing(peer: Peer): void {
    this.#queue({ type: 'typing', member: peer.member })
  }

  /** A page of the scrollback `reader` may see (undefined when the log cannot be read; the error is logged). */
  historyPage(reader: string, before: number, limit: number = LIMITS.historyPage): HistoryPage | undefined {
    try {
      const upTo = Math.min(before, this.#history.committedSeq + 1) // never what is not durable yet
      const want = Math.min(limit, LIMITS.historyPage)
      const messages = this.#history.before(upTo, want, reader)
      // A short page read back to the oldest kept message (what it skipped were direct messages between others).
      const start = messages.length < want || messages[0]!.seq <= this.#history.oldestSeq
      return { type: 'history', before, messages, start }
    } catch (e) {
      logError('reading scrollback', e)
      return undefined
    }
  }

  /** Say goodbye to everyone: `closing`, then close 1001. */
  stop(reason = 'host_stopped'): void {
    if (this.#stopped) return
    this.#flushNow()
    this.#stopped = true
    clearInterval(this.#heartbeat)
    const closing = outbound({ type: 'closing', reason })
    for (const peer of [...this.#peers, ...this.#replays.keys()]) {
      try {
        peer.transport.send(closing)
        peer.close(ERRORS.host_stopped.close, reason)
      } catch (e) {
        logError('closing a member', e)
      }
    }
    this.#peers.clear()
    this.#replays.clear()
    this.#members.clear()
    try {
      this.#history.close()
    } catch (e) {
      logError('closing the room log', e)
    }
  }

  #ping(): void {
    for (const peer of this.#peers) if (peer.heartbeat) this.#deliver(peer, PING, undefined)
  }

  #ack(peer: Peer, id: string, seq: number): void {
    this.#own(peer, outbound({ type: 'ack', id, seq }))
  }

  #own(peer: Peer, o: Outbound): void {
    const list = this.#acks.get(peer)
    if (list) list.push(o)
    else this.#acks.set(peer, [o])
    this.#schedule()
  }

  #queue(frame: Extract<HostFrame, { type: 'message' | 'joined' | 'left' | 'typing' }>): void {
    const o = outbound(frame)
    this.#batch.push(o)
    if (frame.type === 'joined' || frame.type === 'left') for (const r of this.#replays.values()) r.presence.set(frame.member.id, o)
    this.#schedule()
  }

  #queueDirect(message: ChatMessage, from: string, to: string): void {
    this.#direct.push({ at: this.#batch.size, o: outbound(message), members: from === to ? [from] : [from, to] })
    this.#schedule()
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    const interval = Math.min(FLUSH_MAX_MS, (this.#peers.size * FLUSH_US_PER_MEMBER) / 1000)
    const wait = this.#lastFlush + interval - performance.now()
    if (wait <= 0) setImmediate(() => this.#flushNow())
    else setTimeout(() => this.#flushNow(), wait)
  }

  /**
   * Make the appended messages durable. On failure they are taken back: their frames leave the batch and
   * their senders get `storage` refusals instead of acks (they send again; nothing was stored).
   */
  #commit(): boolean {
    try {
      this.#history.commit()
      this.#uncommitted = []
      return true
    } catch (e) {
      logError('committing messages', e)
      this.#takeBack()
      return false
    }
  }

  #takeBack(): void {
    const lost = this.#uncommitted
    this.#uncommitted = []
    const durable = this.#history.committedSeq
    const old = this.#batch
    const kept = new Batch()
    const keptBefore: number[] = [] // old index → frames kept before it
    for (const o of old.frames) {
      keptBefore.push(kept.size)
      if (o.frame.type !== 'message' || o.frame.seq <= durable) kept.push(o)
    }
    keptBefore.push(kept.size)
    this.#batch = kept
    const direct: Direct[] = []
    const directBefore: number[] = [] // old index → direct messages kept before it
    for (const d of this.#direct) {
      directBefore.push(direct.length)
      if (d.o.frame.type === 'message' && d.o.frame.seq <= durable) direct.push({ ...d, at: keptBefore[d.at]! })
    }
    directBefore.push(direct.length)
    this.#direct = direct
    for (const late of this.#late.values()) {
      late.frames = keptBefore[late.frames]!
      late.direct = directBefore[late.direct]!
    }
    for (const { peer, id, seq } of lost) {
      const list = this.#acks.get(peer)
      const i = list?.findIndex(({ frame: f }) => f.type === 'ack' && f.id === id && f.seq === seq) ?? -1
      if (i >= 0) list!.splice(i, 1)
      this.#own(peer, errorOut('storage', 'the host could not store it: send it again', id))
    }
  }

  #deliver(peer: Peer, batch: Batch, own: readonly Outbound[] | undefined): void {
    try {
      peer.transport.deliver(batch, own)
    } catch (e) {
      logError('delivering to a member', e)
      try {
        peer.close(ERRORS.internal.close, 'internal')
      } catch {
        // its transport is broken already; the leave that follows its close is all that matters
      }
    }
  }

  /** Commit the window's messages, then write the batch to every peer: acks only after storage. */
  #flushNow(): void {
    if (!this.#scheduled) return
    this.#scheduled = false
    this.#lastFlush = performance.now()
    this.#commit()
    const batch = this.#batch
    const direct = this.#direct
    const acks = this.#acks
    const late = this.#late
    this.#batch = new Batch()
    this.#direct = []
    this.#acks = new Map()
    this.#late = new Map()
    // The few members with a direct message get frames of their own; everyone else shares the one batch.
    const addressed = new Set(direct.flatMap((d) => d.members))
    for (const [peer, r] of this.#replays) {
      const own = acks.get(peer)
      if (own) r.own.push(...own)
    }
    for (const peer of this.#peers) {
      const own = acks.get(peer)
      const skip = late.get(peer)
      const frames = addressed.has(peer.member.id)
        ? withDirect(batch, direct, peer.member.id, skip)
        : skip
          ? batch.from(skip.frames)
          : batch
      if (frames.size > 0 || own) this.#deliver(peer, frames, own)
    }
  }
}

/** `batch` from where `skip` says, with the direct messages for `member` in their places (by seq). */
function withDirect(batch: Batch, direct: readonly Direct[], member: string, skip: Late | undefined): Batch {
  const out = new Batch()
  let next = skip?.frames ?? 0
  for (const d of direct.slice(skip?.direct ?? 0)) {
    if (!d.members.includes(member)) continue
    for (; next < d.at; next++) out.push(batch.frames[next]!)
    out.push(d.o)
  }
  for (; next < batch.size; next++) out.push(batch.frames[next]!)
  return out
}
