// RoomSession: one member's time in one room, as the UI sees it. It wraps a RoomClient and keeps what the
// bridge reports about the room: the session state (with the transport in use), the members, the outbox and
// a bounded window of messages that scrollback extends. The desktop service and the browser build both use
// it, so the room behaves the same in either.
import type { BridgeEvent, BridgeEvents, SessionState, WindowState } from './bridge.ts'
import { Emitter } from './emitter.ts'
import { BeaconError, type ErrorCode } from './errors.ts'
import { LIMITS } from './limits.ts'
import { appendLive, appendPage, emptyWindow, prependPage, type MessageWindow } from './message-window.ts'
import type { ChatMessage, FileRef, Member } from './protocol.ts'
import { RoomClient, type OutboxEntry, type RoomClientOptions, type SendOptions } from './room-client.ts'

/** The bridge events a session produces; the service forwards exactly these. */
export const SESSION_EVENTS = [
  'history',
  'message',
  'members',
  'typing',
  'outbox',
  'session',
  'error',
] as const satisfies readonly BridgeEvent[]
export type SessionEvent = (typeof SESSION_EVENTS)[number]
export type RoomSessionEvents = { [E in SessionEvent]: BridgeEvents[E] }

export interface RoomSessionOptions extends RoomClientOptions {
  /** The room as it was listed or probed, until the welcome names it. */
  room: { id: string; name: string }
  /** The transport carrying the connection now (the browser's TransportChooser); WebSocket by default. */
  transport?: () => string | undefined
  /** Messages already held (the browser's cache of this room), ascending, ending at `resume.after`. */
  initial?: readonly ChatMessage[]
  /** Messages held at most; LIMITS.messageWindow by default (tests shrink it). */
  windowSize?: number
  /**
   * Where this page reaches the room's file routes (`/api/files` in the browser client, the app's proxy in the
   * desktop app): `state.files.base`. Without it the session offers no files.
   */
  filesBase?: string
}

/** What a session contributes to the bridge's snapshot. */
export interface SessionSnapshot {
  session: SessionState
  members: Member[]
  messages: ChatMessage[]
  window: WindowState
  outbox: OutboxEntry[]
}

export class RoomSession extends Emitter<RoomSessionEvents> {
  readonly client: RoomClient
  #room: { id: string; name: string }
  #transport: () => string | undefined
  #filesBase: string | undefined
  #bound: number
  #window: MessageWindow<ChatMessage>
  #members: Member[] = []
  #state: SessionState
  #loading: Promise<WindowState> | undefined
  /**
   * How far pages towards the latest have read (0: no further than the window's newest). Seqs have gaps where
   * direct messages between others are, so a page may bring nothing new: the next one starts past it all the same.
   */
  #newerRead = 0
  #offs: Array<() => void>

  constructor(opts: RoomSessionOptions) {
    super()
    const { room, transport, initial, windowSize, filesBase, ...clientOpts } = opts
    this.client = new RoomClient(clientOpts)
    this.#room = { ...room }
    this.#filesBase = filesBase
    this.#transport = transport ?? (() => 'websocket')
    this.#bound = windowSize ?? LIMITS.messageWindow
    this.#window = { ...emptyWindow<ChatMessage>(), messages: (initial ?? []).slice(-this.#bound) }
    this.#state = { connection: this.client.state, room: { ...room } }
    const c = this.client
    this.#offs = [
      c.on('state', (s) => {
        // Nobody is in a room whose host stopped it: don't keep showing who was.
        if (s.reason === 'host_stopped' && this.#members.length > 0) this.emit('members', (this.#members = []))
        this.refresh()
        // Resumed with nothing held (joined again after leaving): show the latest page rather than nothing.
        if (s.status === 'open' && this.#window.messages.length === 0 && !this.#window.start) void this.loadOlder().catch(() => {})
      }),
      c.on('welcome', (w) => {
        this.#room = { id: w.room.id, name: w.room.name }
        this.refresh()
      }),
      c.on('history', (h) => this.#onHistory(h.messages, h.reset, c.position?.after ?? 0)),
      c.on('message', (m) => {
        const next = appendLive(this.#window, m, this.#bound)
        if (next === this.#window) return
        this.#window = next
        this.emit('message', m)
      }),
      c.on('members', (list) => this.emit('members', (this.#members = list))),
      c.on('typing', (m) => this.emit('typing', m)),
      c.on('outbox', (list) => this.emit('outbox', list)),
      c.on('error', (e) => this.emit('error', { code: e.code, message: e.message })),
    ]
  }

  get state(): SessionState {
    return this.#state
  }
  get roomId(): string {
    return this.#room.id
  }
  /** The messages held, without copying them (the desktop app counts a room's unread from them). */
  get held(): { messages: readonly ChatMessage[]; start: boolean } {
    return { messages: this.#window.messages, start: this.#window.start }
  }
  get snapshot(): SessionSnapshot {
    return {
      session: this.#state,
      members: this.#members,
      messages: [...this.#window.messages],
      window: windowState(this.#window),
      outbox: this.client.outbox,
    }
  }

  /**
   * Connect. Resolves once in; rejects with why when refused before ever getting in (and then is closed).
   * `keepTrying`: a failed first attempt is not a refusal (the browser's transport fall-back needs more).
   */
  async join(opts: { keepTrying?: boolean } = {}): Promise<void> {
    const c = this.client
    const outcome = new Promise<ErrorCode | undefined>((resolve) => {
      const off = c.on('state', (s) => {
        let result: ErrorCode | undefined | null = null
        if (s.status === 'open') result = undefined
        else if (s.status === 'closed') result = s.reason ?? 'unreachable'
        else if (!opts.keepTrying && s.status === 'reconnecting' && s.attempt === 1 && c.room === undefined)
          result = s.reason ?? 'unreachable'
        if (result === null) return
        off()
        resolve(result)
      })
    })
    c.connect()
    const refused = await outcome
    if (refused === undefined) return
    this.#dispose()
    this.#state = { connection: { status: 'closed', reason: refused }, room: { ...this.#room } }
    this.emit('session', this.#state)
    throw new BeaconError(refused, joinFailure(refused, this.#room.name))
  }

  /** A message, to one member only with `opts.to`, naming the members it mentions in `opts.mentions`. */
  send(text: string, opts?: SendOptions): string {
    return this.client.send(text, opts)
  }
  /** A file already uploaded through `state.files`, with an optional caption: an outbox entry like a text. */
  sendFile(file: FileRef, caption?: string): string {
    return this.client.sendFile(file, caption)
  }
  retry(id: string): void {
    if (!this.client.retry(id)) throw new BeaconError('bad_argument', 'There is no unsent message with that id')
  }
  discard(id: string): void {
    if (!this.client.discard(id)) throw new BeaconError('bad_argument', 'There is no unsent message with that id')
  }
  typing(): void {
    this.client.typing()
  }
  /** A new display name shows on the next message and in everyone's member list at once. */
  rename(name: string): void {
    this.client.rename(name)
  }

  /** Scrollback: the page before the oldest message held. One request at a time. */
  loadOlder(): Promise<WindowState> {
    return (this.#loading ??= this.#page('older').finally(() => (this.#loading = undefined)))
  }
  /** The page after the newest held, when scrolling back let the newest go. */
  loadNewer(): Promise<WindowState> {
    return (this.#loading ??= this.#page('newer').finally(() => (this.#loading = undefined)))
  }

  /** Re-report the session (e.g. the transport changed). */
  refresh(): void {
    const c = this.client
    const state: SessionState = { connection: c.state, room: { ...this.#room } }
    if (c.you) state.you = c.you
    const transport = this.#transport()
    if (transport !== undefined && c.state.status !== 'closed') state.transport = transport
    const files = c.files
    if (files && this.#filesBase !== undefined && c.state.status !== 'closed')
      state.files = { base: this.#filesBase, token: files.token, maxFileBytes: files.maxFileBytes }
    this.#state = state
    this.emit('session', state)
  }

  /** Leave: the connection ends and the UI is told the room is gone. */
  close(): void {
    this.#dispose()
    this.#state = { connection: { status: 'closed' } }
    this.#members = []
    this.#window = emptyWindow()
    this.emit('session', this.#state)
    this.emit('members', [])
    this.emit('history', { messages: [], reset: true, ...windowState(this.#window) })
    this.emit('outbox', [])
  }

  #dispose(): void {
    for (const off of this.#offs) off()
    this.#offs = []
    this.client.close()
  }

  #onHistory(messages: ChatMessage[], reset: boolean, position: number): void {
    if (reset) {
      this.#newerRead = 0
      // A fresh welcome: the tail of the room. Seq 1 is the room's first message; seq 0 an empty room.
      const start = position === 0 || messages[0]?.seq === 1
      this.#window = { messages: messages.slice(-this.#bound), start, end: true }
      this.emit('history', { messages: [...this.#window.messages], reset: true, start, end: true })
      return
    }
    if (this.#window.end && messages.length > 0) {
      this.#window = appendPage(this.#window, messages, true, this.#bound)
      this.emit('history', { messages, reset: false, ...windowState(this.#window) })
    }
  }

  async #page(direction: 'older' | 'newer'): Promise<WindowState> {
    const w = this.#window
    if (direction === 'older' ? w.start : w.end) return windowState(w)
    const position = this.client.position
    if (!position || this.client.state.status !== 'open') throw new BeaconError('not_connected', 'Not connected to the room')
    const before =
      direction === 'older'
        ? (w.messages[0]?.seq ?? position.after + 1)
        : Math.max(w.messages.at(-1)?.seq ?? 0, this.#newerRead) + 1 + LIMITS.historyPage
    const page = await this.client.history(before)
    if (!page) throw new BeaconError('not_connected', 'The room did not answer: try again')
    if (direction === 'older') {
      this.#newerRead = 0 // the newest may have fallen out of the window: read towards them again from what is held
      this.#window = prependPage(this.#window, page.messages, page.start, this.#bound)
    } else {
      // The page holds every message this member may see below `before` that is newer than the window.
      this.#newerRead = before - 1
      this.#window = appendPage(this.#window, page.messages, before - 1 >= (this.client.position?.after ?? 0), this.#bound)
    }
    // Only the page travels: the UI applies it to what it holds by the same rules (message-window.ts).
    this.emit('history', { messages: page.messages, reset: false, ...windowState(this.#window) })
    return windowState(this.#window)
  }
}

function windowState(w: MessageWindow<ChatMessage>): WindowState {
  return { start: w.start, end: w.end }
}

function joinFailure(code: ErrorCode, room: string): string {
  switch (code) {
    case 'wrong_password':
      return `Wrong password for "${room}"`
    case 'password_required':
      return `"${room}" needs a password`
    case 'locked_out':
      return `Too many wrong passwords for "${room}": try again in a minute`
    case 'abuse':
      return `"${room}" closed the connection after too many refused messages`
    case 'unsupported_protocol':
      return `"${room}" runs a Beacon version this app cannot speak`
    case 'host_stopped':
      return `The host of "${room}" stopped it`
    default:
      return `Could not reach "${room}"`
  }
}
