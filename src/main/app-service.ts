// The desktop app's main-process service: implements the BeaconBridge contract in plain Node (no
// electron import), composing the room host, discovery, one RoomClient and the settings. Hosting and
// joining share one path: the host joins its own room through a RoomClient over loopback.
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import type {
  BridgeEvent,
  BridgeEvents,
  BridgeHandlers,
  Capabilities,
  HostingState,
  Profile,
  RoomListing,
  SessionState,
  ShareInfo,
  Snapshot,
} from '../shared/bridge.ts'
import { BRIDGE_EVENTS, DESKTOP_CAPABILITIES } from '../shared/bridge.ts'
import type { RoomAddress, RoomEvent, RoomInfo } from '../shared/discovery.ts'
import { Emitter } from '../shared/emitter.ts'
import { BeaconError, type ErrorCode } from '../shared/errors.ts'
import { WS_PATH, type ChatMessage, type Member, type RoomSummary } from '../shared/protocol.ts'
import { parseRoomAddress, roomByAddress } from './discovery/by-address.ts'
import { resolveRoom } from './discovery/probe.ts'
import { RoomClient, type ConnectionState, type OutboxEntry, type WebSocketCtor } from '../shared/room-client.ts'
import { hostPort, lanAddress } from './lan-address.ts'
import { externalUrl } from './security/urls.ts'
import { RoomServer } from './server/room-server.ts'
import { Settings } from './settings.ts'

/** Discovery as the service needs it; src/main/discovery-port.ts adapts the mDNS advertiser and browser. */
export interface DiscoveryPort {
  /** Publish a running room until the handle is stopped. */
  advertise(server: RoomServer): { stop(): Promise<void> }
  /** Report rooms appearing, changing and leaving until stopped; `resolve` finds a listed room's best address now. */
  browse(listener: (event: RoomEvent) => void): {
    stop(): Promise<void>
    resolve(id: string): Promise<{ address: RoomAddress; summary: RoomSummary } | undefined>
  }
}

export interface AppServiceOptions {
  /** The app's user-data folder: settings.json and rooms/<room>/ live here. */
  userDataDir: string
  discovery?: DiscoveryPort
  /** The browser client's files, served by hosted rooms to people without the app. */
  webRoot?: string
  /** Where hosted rooms listen; all interfaces by default (a LAN server). */
  listen?: string
  /** Opens an allowed link in the system browser (shell.openExternal in the app). */
  openExternal?: (url: string) => Promise<void> | void
  /** Asked before stopping a room that other people are in; false keeps hosting. */
  confirmStopHosting?: (others: number) => Promise<boolean> | boolean
  /** This machine's address to share; the first private IPv4 by default. */
  lanAddress?: () => string
  capabilities?: Capabilities
  WebSocket?: WebSocketCtor
  /** Reconnect pacing of the room connection (tests shorten it). */
  backoff?: { baseMs: number; maxMs: number }
}

/** A room's data folder name: readable, and stable for the same room name across restarts. */
export function roomDirName(name: string): string {
  const slug =
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'room'
  return `${slug}-${createHash('sha256').update(name.trim()).digest('hex').slice(0, 8)}`
}

function toListing(r: RoomInfo): RoomListing {
  return {
    id: r.id,
    name: r.name,
    host: r.host,
    members: r.members,
    passwordRequired: r.passwordRequired,
    addresses: r.addresses.map((a) => hostPort(a.address, a.port)),
  }
}

interface Session {
  client: RoomClient
  address: RoomAddress
  roomId: string
  roomName: string
  off: Array<() => void>
}

const ENDED: ReadonlySet<ConnectionState['status']> = new Set(['closed'])

/** BridgeEvents as a type alias (an emitter needs an index signature, which interfaces lack). */
type ServiceEvents = { [K in keyof BridgeEvents]: BridgeEvents[K] }

export class AppService extends Emitter<ServiceEvents> implements BridgeHandlers {
  readonly settings: Settings
  #opts: AppServiceOptions
  #rooms = new Map<string, RoomListing>()
  #browse: ReturnType<DiscoveryPort['browse']> | undefined
  #server: RoomServer | undefined
  #advert: { stop(): Promise<void> } | undefined
  #hosting: HostingState = { status: 'off' }
  #session: Session | undefined
  #state: SessionState = { connection: { status: 'closed' } }
  #members: Member[] = []
  #messages: ChatMessage[] = []
  #outbox: OutboxEntry[] = []
  #disposed = false

  constructor(opts: AppServiceOptions) {
    super()
    this.#opts = opts
    this.settings = new Settings(opts.userDataDir)
  }

  /** Start browsing for rooms (when discovery is available). */
  start(): this {
    if (this.#opts.discovery && !this.#browse) this.#browse = this.#opts.discovery.browse((e) => this.#onRoomEvent(e))
    return this
  }

  get clientId(): string {
    return this.settings.clientId
  }
  get hosting(): HostingState {
    return this.#hosting
  }
  get session(): SessionState {
    return this.#state
  }
  /** Other people in the room this app hosts (its own loopback member not counted). */
  get othersInHostedRoom(): number {
    const server = this.#server
    if (!server) return 0
    const selfIn = this.#session?.roomId === server.room.id && this.#state.connection.status === 'open' ? 1 : 0
    return Math.max(0, server.room.memberCount - selfIn)
  }

  // --- the contract -------------------------------------------------------------------------------

  getSnapshot(): Snapshot {
    return {
      profile: this.settings.profile,
      capabilities: this.#capabilities,
      rooms: [...this.#rooms.values()],
      hosting: this.#hosting,
      session: this.#state,
      members: this.#members,
      messages: this.#messages,
      outbox: this.#outbox,
    }
  }

  getProfile(): Profile {
    return this.settings.profile
  }

  setProfile(patch: Partial<Profile>): Profile {
    const profile = this.settings.setProfile(patch)
    this.emit('profile', profile)
    return profile
  }

  async hostRoom(req: { name: string; password?: string }): Promise<HostingState> {
    if (!this.#capabilities.hosting) throw new BeaconError('not_hosting', 'This build cannot host rooms')
    if (this.#server || this.#hosting.status !== 'off')
      throw new BeaconError('already_hosting', `You are already hosting "${this.#hosting.room?.name ?? req.name}"`)
    const you = this.#requireName()
    const dir = roomDirName(req.name)
    this.#setHosting({ status: 'starting', room: { id: '', name: req.name, passwordRequired: req.password !== undefined } })
    let server: RoomServer
    try {
      server = await this.#startServer(
        {
          name: req.name,
          dataDir: join(this.#opts.userDataDir, 'rooms', dir),
          hostName: you,
          password: req.password,
          webRoot: this.#opts.webRoot,
          listen: this.#opts.listen,
        },
        dir,
      )
    } catch (e) {
      this.#setHosting({ status: 'off' })
      throw new BeaconError('internal', `Could not open the room: ${(e as Error).message}`)
    }
    this.#server = server
    const room = { id: server.room.id, name: server.room.name, passwordRequired: server.room.secret !== undefined }
    server.room.on('members', (n) => {
      if (this.#server === server) this.#setHosting({ ...this.#hosting, members: n })
    })
    this.#setHosting({ status: 'on', room, members: server.room.memberCount })
    try {
      this.#advert = this.#opts.discovery?.advertise(server)
    } catch (e) {
      this.emit('error', {
        code: 'internal',
        message: `The room is open but could not be announced on the network: ${(e as Error).message}`,
      })
    }
    // The host is a member like any other: it joins over loopback through the same RoomClient.
    await this.#join({ address: '127.0.0.1', port: server.port }, { id: room.id, name: room.name }, req.password)
    return this.#hosting
  }

  async stopHosting(): Promise<HostingState> {
    const server = this.#server
    if (!server) throw new BeaconError('not_hosting', 'You are not hosting a room')
    const others = this.othersInHostedRoom
    if (others > 0 && this.#opts.confirmStopHosting && !(await this.#opts.confirmStopHosting(others))) return this.#hosting
    if (this.#server !== server) return this.#hosting
    this.#server = undefined
    const advert = this.#advert
    this.#advert = undefined
    if (this.#session?.roomId === server.room.id) this.#leave()
    await advert?.stop().catch(() => {})
    await server.stop('host_stopped')
    this.#setHosting({ status: 'off' })
    return this.#hosting
  }

  async joinRoom(target: string, opts?: { password?: string }): Promise<SessionState> {
    this.#requireName()
    const listed = this.#rooms.get(target)
    let address: RoomAddress
    let summary: { id: string; name: string; passwordRequired: boolean }
    if (listed) {
      const found =
        (await this.#browse?.resolve(listed.id)) ??
        (await resolveRoom(
          listed.addresses.map((a) => parseRoomAddress(a)).filter((a) => a !== undefined),
          listed.id,
        ))
      if (!found) throw new BeaconError('unreachable', `"${listed.name}" did not answer at ${listed.addresses.join(', ') || 'any address'}`)
      address = found.address
      summary = found.summary
    } else {
      const info = await roomByAddress(target) // BeaconError: bad_argument, unreachable, room_not_found
      address = info.addresses[0]!
      summary = info
    }
    if (summary.passwordRequired && opts?.password === undefined)
      throw new BeaconError('password_required', `"${summary.name}" needs a password`)
    // The host's own room: join over loopback, like hostRoom does.
    if (this.#server && summary.id === this.#server.room.id) address = { address: '127.0.0.1', port: this.#server.port }
    await this.#join(address, { id: summary.id, name: summary.name }, opts?.password)
    return this.#state
  }

  leaveRoom(): null {
    this.#leave()
    return null
  }

  send(text: string): string {
    return this.#client().send(text)
  }

  retry(id: string): null {
    if (!this.#client().retry(id)) throw new BeaconError('bad_argument', 'There is no unsent message with that id')
    return null
  }

  discard(id: string): null {
    if (!this.#client().discard(id)) throw new BeaconError('bad_argument', 'There is no unsent message with that id')
    return null
  }

  setTyping(): null {
    this.#session?.client.typing()
    return null
  }

  shareInfo(): ShareInfo {
    let a: RoomAddress
    if (this.#server) a = { address: (this.#opts.lanAddress ?? lanAddress)(), port: this.#server.port }
    else if (this.#session) a = this.#session.address
    else throw new BeaconError('not_hosting', 'Host or join a room first')
    const address = hostPort(a.address, a.port)
    return { address, webUrl: `http://${address}/` }
  }

  async openExternal(url: string): Promise<null> {
    const allowed = externalUrl(url)
    if (!allowed) throw new BeaconError('bad_argument', 'Only http, https and mailto links can be opened')
    await this.#opts.openExternal?.(allowed)
    return null
  }

  /** Leave, stop hosting (without asking) and stop discovery. */
  async dispose(): Promise<void> {
    if (this.#disposed) return
    this.#disposed = true
    this.#leave()
    const server = this.#server
    this.#server = undefined
    await this.#advert?.stop().catch(() => {})
    this.#advert = undefined
    await server?.stop('host_stopped').catch(() => {})
    await this.#browse?.stop().catch(() => {})
    this.#browse = undefined
  }

  // --- internals ----------------------------------------------------------------------------------

  get #capabilities(): Capabilities {
    const c = this.#opts.capabilities ?? DESKTOP_CAPABILITIES
    return { ...c, discovery: c.discovery && this.#opts.discovery !== undefined }
  }

  #requireName(): string {
    const name = this.settings.profile.name.trim()
    if (!name) throw new BeaconError('bad_argument', 'Choose a display name first')
    return name
  }

  #client(): RoomClient {
    const s = this.#session
    if (!s) throw new BeaconError('not_connected', 'You are not in a room')
    return s.client
  }

  /** Start the room server on the port it had last time (members reconnect there), else any. */
  async #startServer(opts: Parameters<typeof RoomServer.start>[0], key: string): Promise<RoomServer> {
    const last = this.settings.portOf(key)
    let server: RoomServer | undefined
    if (last !== undefined) server = await RoomServer.start({ ...opts, port: last }).catch(() => undefined)
    server ??= await RoomServer.start({ ...opts, port: 0 })
    this.settings.setPort(key, server.port)
    return server
  }

  #onRoomEvent(e: RoomEvent): void {
    const room = toListing(e.room)
    if (e.event === 'down') this.#rooms.delete(room.id)
    else this.#rooms.set(room.id, room)
    this.emit('rooms', { kind: e.event, room })
  }

  /** Connect to a room; resolves once in (or throws why not), and keeps reconnecting afterwards. */
  async #join(address: RoomAddress, room: { id: string; name: string }, password: string | undefined): Promise<void> {
    this.#leave()
    const client = new RoomClient({
      url: `ws://${hostPort(address.address, address.port)}${WS_PATH}`,
      name: this.#requireName(),
      clientId: this.settings.clientId,
      WebSocket: this.#opts.WebSocket ?? (WebSocket as unknown as WebSocketCtor),
      password,
      ...(this.#opts.backoff ? { backoff: this.#opts.backoff } : {}),
    })
    const session: Session = { client, address, roomId: room.id, roomName: room.name, off: [] }
    this.#session = session
    this.#messages = []
    this.#members = []
    this.#outbox = []
    const live = () => this.#session === session
    let resolveOutcome!: (r: { ok: true } | { ok: false; code: ErrorCode }) => void
    const outcome = new Promise<{ ok: true } | { ok: false; code: ErrorCode }>((r) => (resolveOutcome = r))
    session.off.push(
      client.on('state', (s) => {
        if (!live()) return
        if (s.status === 'open') resolveOutcome({ ok: true })
        else if (ENDED.has(s.status)) resolveOutcome({ ok: false, code: s.reason ?? 'unreachable' })
        else if (s.status === 'reconnecting' && s.attempt === 1 && client.room === undefined)
          resolveOutcome({ ok: false, code: s.reason ?? 'unreachable' })
        // Nobody is in a room whose host stopped it: don't keep showing who was.
        if (s.reason === 'host_stopped' && this.#members.length > 0) {
          this.#members = []
          this.emit('members', [])
        }
        this.#setSession(session)
      }),
      client.on('welcome', (w) => {
        if (!live()) return
        session.roomName = w.room.name
        this.#setSession(session)
      }),
      client.on('history', (h) => {
        if (!live()) return
        this.#messages = h.reset ? [...h.messages] : this.#messages.concat(h.messages)
        this.emit('history', h)
      }),
      client.on('message', (m) => {
        if (!live()) return
        this.#messages.push(m)
        this.emit('message', m)
      }),
      client.on('members', (list) => {
        if (!live()) return
        this.#members = list
        this.emit('members', list)
      }),
      client.on('typing', (m) => {
        if (live()) this.emit('typing', m)
      }),
      client.on('outbox', (list) => {
        if (!live()) return
        this.#outbox = list
        this.emit('outbox', list)
      }),
      client.on('error', (e) => {
        if (live()) this.emit('error', { code: e.code, message: e.message })
      }),
    )
    this.emit('history', { messages: [], reset: true })
    this.emit('members', [])
    this.emit('outbox', [])
    client.connect()
    const r = await outcome
    if (!r.ok && live()) {
      // Refused before ever getting in: stop trying, and say why.
      const state = client.state
      session.off.forEach((off) => off())
      client.close()
      this.#session = undefined
      this.#state = { connection: { status: 'closed', reason: r.code }, room: { id: room.id, name: room.name } }
      this.emit('session', this.#state)
      throw new BeaconError(r.code, joinFailure(r.code, room.name, state))
    }
  }

  #leave(): void {
    const s = this.#session
    if (!s) return
    this.#session = undefined
    s.off.forEach((off) => off())
    s.client.close()
    this.#state = { connection: { status: 'closed' } }
    this.#members = []
    this.#messages = []
    this.#outbox = []
    this.emit('session', this.#state)
    this.emit('members', [])
    this.emit('history', { messages: [], reset: true })
    this.emit('outbox', [])
  }

  #setSession(s: Session): void {
    const you = s.client.you
    const state: SessionState = {
      connection: s.client.state,
      room: { id: s.client.room?.id ?? s.roomId, name: s.roomName },
      transport: 'websocket',
    }
    if (you) state.you = you
    this.#state = state
    this.emit('session', state)
  }

  #setHosting(h: HostingState): void {
    this.#hosting = h
    this.emit('hosting', h)
  }

  override emit<K extends BridgeEvent>(event: K, value: BridgeEvents[K]): void {
    if (this.#disposed && event !== 'session' && event !== 'hosting') return
    super.emit(event, value)
  }

  /** Every event, for a transport that forwards them all (ipc.ts, the harness). */
  onAny(listener: <K extends BridgeEvent>(event: K, payload: BridgeEvents[K]) => void): () => void {
    const offs = BRIDGE_EVENTS.map((e) => this.on(e, (p) => listener(e, p as never)))
    return () => offs.forEach((off) => off())
  }
}

function joinFailure(code: ErrorCode, room: string, _state: ConnectionState): string {
  switch (code) {
    case 'wrong_password':
      return `Wrong password for "${room}"`
    case 'password_required':
      return `"${room}" needs a password`
    case 'locked_out':
      return `Too many wrong passwords for "${room}": try again in a minute`
    case 'unsupported_protocol':
      return `"${room}" runs a Beacon version this app cannot speak`
    case 'host_stopped':
      return `The host of "${room}" stopped it`
    default:
      return `Could not reach "${room}"`
  }
}
