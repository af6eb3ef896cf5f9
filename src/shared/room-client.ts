// RoomClient: one member's connection to a room, isomorphic (it takes a WebSocket constructor, so the
// same code runs on `ws` in the main process and on the browser's WebSocket). It says hello (and answers
// a password challenge), keeps an outbox that is retransmitted after every reconnect until acknowledged
// (the host dedupes by id, so nothing appears twice), reconnects with backoff and jitter, and resumes from
// the last seq it saw, so a member that drops misses nothing. It asks the host for a heartbeat and treats
// silence as a dead link (browsers cannot send WebSocket pings), and fetches older pages on request.
import { Emitter } from './emitter.ts'
import { codeOfClose, ERRORS, type ErrorCode } from './errors.ts'
import { answerChallenge } from './password.ts'
import { platform, randomId, type TimerHandle } from './platform.ts'
import { TokenBucket } from './rate-limit.ts'
import {
  CLOSE,
  FileRef,
  type HistoryPage,
  HostFrame,
  LIMITS,
  PROTOCOL_VERSION,
  SUBPROTOCOL,
  type ChatMessage,
  type ErrorFrame,
  type Member,
  Welcome,
} from './protocol.ts'

export interface WebSocketLike {
  readonly readyState: number
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: { code: number; reason: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
  send(data: string): void
  close(code?: number, reason?: string): void
}
export type WebSocketCtor = new (url: string, protocols?: string | string[]) => WebSocketLike

export type ConnectionStatus = 'connecting' | 'authenticating' | 'open' | 'reconnecting' | 'closed'
export interface ConnectionState {
  status: ConnectionStatus
  /** Why the last connection ended, when it matters to the user. */
  reason?: ErrorCode
  /** Reconnect attempt number and when it will be made (epoch ms), while reconnecting. */
  attempt?: number
  retryAt?: number
}

export interface OutboxEntry {
  id: string
  /** The message's text, or a file's caption ('' when it has none). */
  text: string
  /** A file already uploaded to the room's host, sent with `text` as its caption. */
  file?: FileRef
  /** A direct message to this member id. */
  to?: string
  /** Member ids the message mentions. */
  mentions?: string[]
  status: 'sending' | 'failed'
  error?: ErrorCode
}

/** What a message says beyond its text: a direct message's recipient, the members it mentions (member ids). */
export interface SendOptions {
  to?: string
  mentions?: string[]
}

/** The options worth sending: an empty mention list is left out, as the host would. */
function sendOptions(opts: SendOptions): Pick<OutboxEntry, 'to' | 'mentions'> {
  return {
    ...(opts.to !== undefined ? { to: opts.to } : {}),
    ...(opts.mentions && opts.mentions.length > 0 ? { mentions: [...opts.mentions] } : {}),
  }
}

export interface RoomClientEvents extends Record<string, unknown> {
  state: ConnectionState
  welcome: Welcome
  /** The messages a welcome brings: appended to what was seen (`reset` false) or replacing it. */
  history: { messages: ChatMessage[]; reset: boolean }
  message: ChatMessage
  members: Member[]
  typing: Member
  ack: { id: string; seq: number }
  outbox: OutboxEntry[]
  error: ErrorFrame
}

export interface RoomClientOptions {
  url: string
  name: string
  /** Stable id of this installation or tab: the host dedupes sends and resumes by it. */
  clientId: string
  WebSocket: WebSocketCtor
  password?: string
  /** Where an earlier session stopped (e.g. kept in localStorage), so even a reload misses nothing. */
  resume?: { epoch: string; after: number }
  backoff?: { baseMs: number; maxMs: number }
  /** No welcome or challenge this long after connecting: try again. */
  handshakeTimeoutMs?: number
  /** Nothing from the host this long (once it has shown it sends pings): the link is dead, reconnect. */
  heartbeatTimeoutMs?: number
}

const RATE_LIMIT_RETRY_MS = 1000

/** Why the host ended a connection: the reason when it names a code of that close code, else the table's first. */
function closeReason(code: number, reason: string): ErrorCode | undefined {
  const named = reason in ERRORS ? (reason as ErrorCode) : undefined
  if (named && (ERRORS[named] as { close?: number }).close === code) return named
  return codeOfClose(code)
}

/**
 * A host frame with every `file` that fails FileRef removed from its messages, and a welcome's malformed `files`
 * removed: the message still shows (without the file) and the room is still joined (without files).
 */
function withoutBadFiles(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null) return raw
  const frame = raw as { type?: unknown; history?: unknown; messages?: unknown; files?: unknown }
  const clean = (m: unknown): unknown => {
    if (typeof m !== 'object' || m === null || !('file' in m) || FileRef.safeParse(m.file).success) return m
    const { file: _bad, ...rest } = m
    return rest
  }
  switch (frame.type) {
    case 'message':
      return clean(frame)
    case 'history':
      return Array.isArray(frame.messages) ? { ...frame, messages: frame.messages.map(clean) } : frame
    case 'welcome': {
      const { files, ...rest } = frame
      const w = Array.isArray(rest.history) ? { ...rest, history: rest.history.map(clean) } : rest
      return Welcome.shape.files.safeParse(files).success ? { ...w, files } : w
    }
    default:
      return raw
  }
}

export class RoomClient extends Emitter<RoomClientEvents> {
  #opts: Required<Omit<RoomClientOptions, 'password' | 'resume'>> & Pick<RoomClientOptions, 'password'>
  #ws: WebSocketLike | undefined
  #state: ConnectionState = { status: 'closed' }
  #attempt = 0
  #timer: TimerHandle | undefined
  #handshakeTimer: TimerHandle | undefined
  #stopped = true
  #lastReason: ErrorCode | undefined
  #epoch: string | undefined
  #lastSeq = 0
  #welcome: Welcome | undefined
  #members = new Map<string, Member>()
  #outbox = new Map<string, OutboxEntry>()
  /** Outbox ids sent on the current connection and not yet acknowledged. */
  #inFlight = new Set<string>()
  /** Paces sends to the host's own limit, so a burst is queued here rather than refused there. */
  #bucket = new TokenBucket(LIMITS.sendRatePerSecond, LIMITS.sendBurst)
  #pumpTimer: TimerHandle | undefined
  /** Silence watch of the current connection, armed once the host is known to send pings. */
  #silenceTimer: TimerHandle | undefined
  #heartbeatSeen = false
  #lastHeardAt = 0
  #lastSentAt = 0
  /** Scrollback requests waiting for their page, by `before`. */
  #pages = new Map<number, Array<(page: HistoryPage | undefined) => void>>()

  constructor(opts: RoomClientOptions) {
    super()
    this.#opts = {
      backoff: { baseMs: 500, maxMs: 15_000 },
      handshakeTimeoutMs: 10_000,
      heartbeatTimeoutMs: LIMITS.heartbeatTimeoutMs,
      ...opts,
    }
    if (opts.resume) {
      this.#epoch = opts.resume.epoch
      this.#lastSeq = opts.resume.after
    }
  }

  get state(): ConnectionState {
    return this.#state
  }
  get you(): Member | undefined {
    return this.#welcome?.you
  }
  get room(): Welcome['room'] | undefined {
    return this.#welcome?.room
  }
  get members(): Member[] {
    return [...this.#members.values()]
  }
  /** The resume point: save it to pick up where this client left off. */
  get position(): { epoch: string; after: number } | undefined {
    return this.#epoch === undefined ? undefined : { epoch: this.#epoch, after: this.#lastSeq }
  }
  get outbox(): OutboxEntry[] {
    return [...this.#outbox.values()]
  }
  get name(): string {
    return this.#opts.name
  }
  /** The file routes' member token and size limit from the latest welcome (absent on a host without files). */
  get files(): Welcome['files'] {
    return this.#welcome?.files
  }

  /**
   * Scrollback: up to `limit` messages with seq < `before` (ascending) and whether nothing older is kept.
   * Undefined when the connection ends before the answer (ask again once reconnected).
   */
  history(before: number, limit: number = LIMITS.historyPage): Promise<HistoryPage | undefined> {
    if (this.#state.status !== 'open' || !this.#ws) return Promise.resolve(undefined)
    const ws = this.#ws
    return new Promise((resolve) => {
      // Unanswered in time (a host without scrollback, a lost HTTP request): give up, the caller may ask again.
      const timer = platform.setTimeout(() => done(undefined), this.#opts.handshakeTimeoutMs)
      const done = (page: HistoryPage | undefined) => {
        platform.clearTimeout(timer)
        const waiting = this.#pages.get(before)
        if (waiting?.includes(done)) waiting.splice(waiting.indexOf(done), 1)
        if (waiting?.length === 0) this.#pages.delete(before)
        resolve(page)
      }
      const waiting = this.#pages.get(before)
      if (waiting) return void waiting.push(done)
      this.#pages.set(before, [done])
      this.#send(ws, { type: 'history', before, limit: Math.min(limit, LIMITS.historyPage) })
    })
  }

  /**
   * Use another display name from now on. The protocol has no rename: the connection is remade (same client
   * id, resumed, outbox kept), so the host and everyone in the room see the new name at once.
   */
  rename(name: string): void {
    if (name === this.#opts.name) return
    this.#opts.name = name
    if (this.#stopped || !this.#ws) return
    this.#drop(this.#ws)
    this.#attempt = 0
    this.#open()
  }

  connect(): void {
    this.#stopped = false
    this.#attempt = 0
    this.#open()
  }

  /** Queue a message (to one member only with `to`); it is sent now if connected, else after reconnecting. Returns its id. */
  send(text: string, opts: SendOptions = {}): string {
    return this.#enqueue({ text, ...sendOptions(opts) })
  }

  /** Queue a message naming a file already uploaded, with an optional caption; sent, retried and deduped like text. */
  sendFile(file: FileRef, caption?: string): string {
    return this.#enqueue({ text: caption ?? '', file })
  }

  #enqueue(content: Pick<OutboxEntry, 'text' | 'file' | 'to' | 'mentions'>): string {
    const id = `${Date.now().toString(36)}-${randomId(6)}`
    this.#outbox.set(id, { id, ...content, status: 'sending' })
    this.#emitOutbox()
    this.#pump()
    return id
  }

  /** Send a failed message again. */
  retry(id: string): boolean {
    const entry = this.#outbox.get(id)
    if (!entry) return false
    entry.status = 'sending'
    delete entry.error
    this.#emitOutbox()
    this.#pump()
    return true
  }

  /** Drop a message that has not been sent. */
  discard(id: string): boolean {
    const had = this.#outbox.delete(id)
    if (had) this.#emitOutbox()
    return had
  }

  typing(): void {
    if (this.#state.status === 'open' && this.#ws) this.#send(this.#ws, { type: 'typing' })
  }

  /** Leave the room for good. */
  close(): void {
    this.#stopped = true
    platform.clearTimeout(this.#timer)
    platform.clearTimeout(this.#handshakeTimer)
    platform.clearTimeout(this.#pumpTimer)
    this.#pumpTimer = undefined
    if (this.#ws) this.#drop(this.#ws)
    this.#setState({ status: 'closed' })
  }

  /** End a connection without waiting for its close handshake (a dead link may never complete one). */
  #drop(ws: WebSocketLike): void {
    ws.onclose = ws.onmessage = ws.onopen = null
    ws.onerror = () => {} // `ws` reports closing a connecting socket as an error: with no listener it would throw
    if (this.#ws === ws) this.#ws = undefined
    platform.clearTimeout(this.#handshakeTimer)
    platform.clearTimeout(this.#silenceTimer)
    this.#inFlight.clear()
    for (const waiting of [...this.#pages.values()]) for (const done of [...waiting]) done(undefined)
    try {
      ws.close(CLOSE.normal, 'bye')
    } catch {
      // already closed
    }
  }

  #send(ws: WebSocketLike, frame: object): void {
    this.#lastSentAt = Date.now()
    ws.send(JSON.stringify(frame))
  }

  /**
   * Silence past the timeout ends the connection; any frame from the host proves it alive. One timer per
   * connection that re-arms for what is left when it fires, so a busy room costs a timestamp per frame.
   */
  #watch(ws: WebSocketLike): void {
    this.#lastHeardAt = Date.now()
    if (!this.#heartbeatSeen) return
    platform.clearTimeout(this.#silenceTimer)
    const check = () => {
      if (this.#ws !== ws) return
      const left = this.#lastHeardAt + this.#opts.heartbeatTimeoutMs - Date.now()
      if (left > 0) return void (this.#silenceTimer = platform.setTimeout(check, left))
      this.#drop(ws)
      this.#scheduleReconnect('unreachable')
    }
    this.#silenceTimer = platform.setTimeout(check, this.#opts.heartbeatTimeoutMs)
  }

  #open(): void {
    platform.clearTimeout(this.#timer)
    this.#setState({ status: this.#attempt === 0 ? 'connecting' : 'reconnecting', attempt: this.#attempt, reason: this.#lastReason })
    let ws: WebSocketLike
    try {
      ws = new this.#opts.WebSocket(this.#opts.url, [SUBPROTOCOL])
    } catch {
      return this.#scheduleReconnect('unreachable')
    }
    this.#ws = ws
    this.#handshakeTimer = platform.setTimeout(() => {
      if (this.#ws !== ws) return
      this.#drop(ws) // not ws.close(): over a dead link its close handshake would wait just as long again
      this.#scheduleReconnect('unreachable')
    }, this.#opts.handshakeTimeoutMs)
    ws.onopen = () => {
      const position = this.position
      this.#send(ws, {
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        name: this.#opts.name,
        client: this.#opts.clientId,
        heartbeat: true,
        ...(position ? { resume: position } : {}),
      })
    }
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return
      this.#lastHeardAt = Date.now()
      let raw: unknown
      try {
        raw = JSON.parse(ev.data)
      } catch {
        return
      }
      let frame = HostFrame.safeParse(raw)
      // A file that does not pass FileRef (a hostile or broken host) is dropped, not the message it came with.
      if (!frame.success) frame = HostFrame.safeParse(withoutBadFiles(raw))
      if (frame.success) void this.#onFrame(ws, frame.data) // else a newer host's optional extra
    }
    ws.onerror = () => {}
    ws.onclose = (ev) => {
      if (this.#ws !== ws) return
      const wasOpen = this.#state.status === 'open'
      this.#drop(ws)
      const code = this.#lastReason === 'password_required' ? 'password_required' : closeReason(ev.code, ev.reason)
      if (code && !ERRORS[code].retry) {
        this.#stopped = true
        return this.#setState({ status: 'closed', reason: code })
      }
      if (!this.#stopped) this.#scheduleReconnect(code ?? this.#lastReason ?? (wasOpen ? undefined : 'unreachable'))
    }
  }

  /** Answer a ping only when nothing else went out lately: any frame tells the host this end is alive. */
  #onPing(ws: WebSocketLike): void {
    if (!this.#heartbeatSeen) {
      this.#heartbeatSeen = true
      this.#watch(ws)
    }
    if (Date.now() - this.#lastSentAt >= LIMITS.heartbeatMs / 2) this.#send(ws, { type: 'pong' })
  }

  #onPage(page: HistoryPage): void {
    for (const done of [...(this.#pages.get(page.before) ?? [])]) done(page)
  }

  async #onFrame(ws: WebSocketLike, frame: HostFrame): Promise<void> {
    switch (frame.type) {
      case 'challenge': {
        platform.clearTimeout(this.#handshakeTimer)
        const password = this.#opts.password
        if (password === undefined) {
          this.#lastReason = 'password_required'
          return ws.close(CLOSE.normal)
        }
        this.#setState({ status: 'authenticating' })
        const proof = await answerChallenge(password, frame)
        if (this.#ws === ws) this.#send(ws, { type: 'auth', proof })
        return
      }
      case 'welcome':
        return this.#onWelcome(ws, frame)
      case 'message':
        if (frame.seq <= this.#lastSeq) return // already seen (a resume overlapping live traffic)
        this.#lastSeq = frame.seq
        this.emit('message', frame)
        return
      case 'ack':
        this.#inFlight.delete(frame.id)
        if (this.#outbox.delete(frame.id)) this.#emitOutbox()
        this.emit('ack', { id: frame.id, seq: frame.seq })
        return
      case 'joined':
        this.#members.set(frame.member.id, frame.member)
        return this.emit('members', this.members)
      case 'left':
        this.#members.delete(frame.member.id)
        return this.emit('members', this.members)
      case 'typing':
        if (frame.member.id !== this.you?.id) this.emit('typing', frame.member)
        return
      case 'error':
        return this.#onError(frame)
      case 'closing':
        this.#lastReason = frame.reason === 'host_stopped' ? 'host_stopped' : undefined
        return
      case 'ping':
        return this.#onPing(ws)
      case 'history':
        return this.#onPage(frame)
    }
  }

  #onWelcome(ws: WebSocketLike, w: Welcome): void {
    platform.clearTimeout(this.#handshakeTimer)
    const reset = !w.resumed
    this.#welcome = w
    this.#epoch = w.room.epoch
    // A fresh welcome shows the tail and ends at the room's seq. A resumed one may carry only the first part
    // of what was missed (the rest follows as `message` frames), so the position is its last message.
    if (reset) this.#lastSeq = w.seq
    else this.#lastSeq = Math.max(this.#lastSeq, w.history.at(-1)?.seq ?? 0)
    this.#watch(ws) // a host that sent pings before is timed out from the welcome on
    this.#members = new Map(w.members.map((m) => [m.id, m]))
    this.#attempt = 0
    this.#lastReason = undefined
    this.emit('welcome', w)
    this.emit('history', { messages: w.history, reset })
    this.emit('members', this.members)
    this.#setState({ status: 'open' })
    this.#inFlight.clear()
    this.#pump()
  }

  #onError(e: ErrorFrame): void {
    const entry = e.id === undefined ? undefined : this.#outbox.get(e.id)
    if (entry) {
      this.#inFlight.delete(entry.id)
      if (e.code === 'rate_limited') {
        platform.setTimeout(() => this.#pump(), RATE_LIMIT_RETRY_MS)
      } else if (e.code !== 'not_joined') {
        entry.status = 'failed'
        entry.error = e.code
        this.#emitOutbox()
      }
    }
    this.emit('error', e)
  }

  /** Send what the outbox holds, in order, as fast as the host's rate limit allows. */
  #pump(): void {
    if (this.#state.status !== 'open' || this.#pumpTimer !== undefined) return
    for (const entry of this.#outbox.values()) {
      if (entry.status !== 'sending' || this.#inFlight.has(entry.id)) continue
      if (entry.text.length > LIMITS.maxTextChars) {
        entry.status = 'failed'
        entry.error = 'too_large'
        this.#emitOutbox()
        continue
      }
      if (!this.#bucket.take()) {
        this.#pumpTimer = platform.setTimeout(() => {
          this.#pumpTimer = undefined
          this.#pump()
        }, 1000 / LIMITS.sendRatePerSecond)
        return
      }
      this.#inFlight.add(entry.id)
      const frame = {
        type: 'send',
        id: entry.id,
        ...(entry.text !== '' || !entry.file ? { text: entry.text } : {}),
        ...(entry.file ? { file: entry.file } : {}),
        ...(entry.to !== undefined ? { to: entry.to } : {}),
        ...(entry.mentions ? { mentions: entry.mentions } : {}),
      }
      if (this.#ws) this.#send(this.#ws, frame)
    }
  }

  #scheduleReconnect(reason: ErrorCode | undefined): void {
    this.#lastReason = reason
    const { baseMs, maxMs } = this.#opts.backoff
    const ceiling = Math.min(maxMs, baseMs * 2 ** this.#attempt)
    const delay = ceiling / 2 + Math.random() * (ceiling / 2) // "equal jitter": spread out, never instant
    this.#attempt++
    this.#setState({ status: 'reconnecting', attempt: this.#attempt, retryAt: Date.now() + delay, reason })
    this.#timer = platform.setTimeout(() => this.#open(), delay)
  }

  #setState(s: ConnectionState): void {
    const clean: ConnectionState = { status: s.status }
    if (s.reason !== undefined) clean.reason = s.reason
    if (s.attempt !== undefined) clean.attempt = s.attempt
    if (s.retryAt !== undefined) clean.retryAt = s.retryAt
    this.#state = clean
    this.emit('state', clean)
  }

  #emitOutbox(): void {
    this.emit('outbox', this.outbox)
  }
}
