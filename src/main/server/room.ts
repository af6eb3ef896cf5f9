// A room: its members, seq, the broadcast of one batch per event-loop turn, dedupe and resume.
import { createHash } from 'node:crypto'
import { Emitter } from '../../shared/emitter.ts'
import {
  CLOSE,
  LIMITS,
  PROTOCOL_VERSION,
  type ChatMessage,
  type HostFrame,
  type Member,
  type RoomSummary,
  type Send,
} from '../../shared/protocol.ts'
import type { RoomSecret } from './auth.ts'
import { Batch } from './batch.ts'
import type { History } from './history.ts'

/** One connection of a member, whatever its transport. */
export interface Peer {
  readonly member: Member
  readonly clientId: string
  /** This turn's room frames, then the frames for this peer alone (acks), in one write where possible. */
  deliver(batch: Batch, own: readonly string[] | undefined): void
  /** A frame for this peer alone, now. */
  send(json: string): void
  /** The same frame as UTF-8 bytes in parts, to be sent as one frame (the welcome: see Room.#encodeWelcome). */
  sendBytes?(json: readonly Buffer[]): void
  close(code: number, reason: string): void
}

export interface RoomOptions {
  history: History
  name: string
  /** Display name of whoever hosts the room. */
  host: string
  secret?: RoomSecret
}

export type PostResult = { stored: true; seq: number } | { stored: false; seq: number } | { refused: true }

const encode = (f: HostFrame): string => JSON.stringify(f)

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

export class Room extends Emitter<{ members: number }> {
  readonly id: string
  readonly epoch: string
  readonly name: string
  readonly host: string
  readonly secret: RoomSecret | undefined
  #history: History
  #peers = new Set<Peer>()
  /** Connections per member id: a member joins with its first connection and leaves with its last. */
  #members = new Map<string, { member: Member; connections: number }>()
  /**
   * The members' JSON, comma-separated, as bytes: appended to as members join, rebuilt (as a new buffer:
   * sent welcomes may still reference the old one) when one leaves. A welcome sends a slice of it.
   */
  #membersJson = Buffer.alloc(0)
  #membersLength = 0
  #membersStale = false
  #batch = new Batch()
  #acks = new Map<Peer, string[]>()
  /** Peers that joined while the batch was filling: how many of its frames predate their welcome. */
  #late = new Map<Peer, number>()
  #scheduled = false
  #lastFlush = -Infinity
  #stopped = false

  constructor(opts: RoomOptions) {
    super()
    this.#history = opts.history
    this.id = opts.history.id
    this.epoch = opts.history.epoch
    this.name = opts.name
    this.host = opts.host
    this.secret = opts.secret
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

  /** Admit a peer and send its welcome: the missed messages when it resumes, else the latest ones. */
  join(peer: Peer, resume: { epoch: string; after: number } | undefined): void {
    if (this.#stopped) return peer.close(CLOSE.goingAway, 'host_stopped')
    // The welcome covers everything stored so far (made durable first); what this turn's batch already
    // holds is not for this peer, which gets only the frames queued after its welcome. Flushing the whole
    // room here instead would cost a write per member per join: a burst of N joins would be N² writes.
    this.#history.commit()
    if (this.#batch.size > 0) this.#late.set(peer, this.#batch.size)
    const resumed = resume !== undefined && resume.epoch === this.epoch && this.#history.canResume(resume.after)
    const entry = this.#members.get(peer.member.id)
    if (entry) entry.connections++
    else {
      this.#members.set(peer.member.id, { member: peer.member, connections: 1 })
      if (!this.#membersStale) this.#appendMemberJson(peer.member)
      this.#queue({ type: 'joined', member: peer.member })
      this.emit('members', this.memberCount)
    }
    this.#peers.add(peer)
    const history = resumed ? this.#history.after(resume.after) : this.#history.latest(LIMITS.welcomeHistory)
    if (this.#membersStale) this.#rebuildMembersJson()
    const welcome = this.#encodeWelcome(peer.member, history, resumed)
    if (peer.sendBytes) peer.sendBytes(welcome)
    else peer.send(Buffer.concat(welcome).toString())
  }

  /**
   * The welcome's JSON, byte for byte what JSON.stringify gives for a `Welcome`, in three parts whose middle
   * is a slice of the room's member list bytes: a join allocates nothing the size of the room, so many
   * members joining at once neither swell the heap nor fragment memory.
   */
  #encodeWelcome(you: Member, history: ChatMessage[], resumed: boolean): Buffer[] {
    const head = `{"type":"welcome","protocol":${PROTOCOL_VERSION},"room":${JSON.stringify({ id: this.id, name: this.name, epoch: this.epoch })},"you":${JSON.stringify(you)},"members":[`
    const tail = `],"seq":${this.seq},"history":${JSON.stringify(history)},"resumed":${resumed}}`
    return [Buffer.from(head), this.#membersJson.subarray(0, this.#membersLength), Buffer.from(tail)]
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
    if (!this.#peers.delete(peer)) return
    this.#acks.delete(peer)
    this.#late.delete(peer)
    const entry = this.#members.get(peer.member.id)
    if (entry && --entry.connections === 0) {
      this.#members.delete(peer.member.id)
      this.#membersStale = true // rebuilt at the next join: a crowd leaving at once costs one rebuild
      if (!this.#stopped) {
        this.#queue({ type: 'left', member: peer.member })
        this.emit('members', this.memberCount)
      }
    }
  }

  /**
   * Store and broadcast a message. A `(client, id)` already stored is acknowledged again with its
   * original seq and not stored twice; `admit` (the sender's rate limit) is asked only for new ones.
   */
  post(peer: Peer, send: Send, admit: () => boolean): PostResult {
    const known = this.#history.find(peer.clientId, send.id)
    if (known !== undefined) {
      this.#ack(peer, send.id, known)
      return { stored: false, seq: known }
    }
    if (!admit()) return { refused: true }
    const message: ChatMessage = { type: 'message', seq: this.seq + 1, id: send.id, from: peer.member, text: send.text, ts: Date.now() }
    this.#history.append(peer.clientId, message)
    this.#queue(message)
    this.#ack(peer, send.id, message.seq)
    return { stored: true, seq: message.seq }
  }

  typing(peer: Peer): void {
    this.#queue({ type: 'typing', member: peer.member })
  }

  /** Say goodbye to everyone: `closing`, then close 1001. */
  stop(reason = 'host_stopped'): void {
    if (this.#stopped) return
    this.#flushNow()
    this.#stopped = true
    const closing = encode({ type: 'closing', reason })
    for (const peer of [...this.#peers]) {
      peer.send(closing)
      peer.close(CLOSE.goingAway, reason)
    }
    this.#peers.clear()
    this.#members.clear()
    this.#history.close()
  }

  #ack(peer: Peer, id: string, seq: number): void {
    const json = encode({ type: 'ack', id, seq })
    const list = this.#acks.get(peer)
    if (list) list.push(json)
    else this.#acks.set(peer, [json])
    this.#schedule()
  }

  #queue(frame: HostFrame): void {
    this.#batch.push(encode(frame))
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

  /** Commit the turn's messages, then write the batch to every peer: acks only after storage. */
  #flushNow(): void {
    if (!this.#scheduled) return
    this.#scheduled = false
    this.#lastFlush = performance.now()
    this.#history.commit()
    const batch = this.#batch
    const acks = this.#acks
    const late = this.#late
    this.#batch = new Batch()
    this.#acks = new Map()
    this.#late = new Map()
    for (const peer of this.#peers) {
      const own = acks.get(peer)
      const skip = late.get(peer)
      const frames = skip ? batch.from(skip) : batch
      if (frames.size > 0 || own) peer.deliver(frames, own)
    }
  }
}
