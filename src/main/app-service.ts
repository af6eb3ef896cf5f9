// The desktop app's main-process service: implements the BeaconBridge contract in plain Node (no electron
// import) by composing its parts: hosting (hosting.ts), the room list (room-list.ts), where to join
// (join.ts), the rooms it is in (rooms/: one RoomSession each, the same as the browser build's), files (files/:
// the renderer's proxy to each room's file routes, and downloads) and the settings. The app is in several rooms
// at once and shows one: the room-scoped events are the shown room's, and `joined` counts for them all. Hosting
// and joining share one path: the host joins its own room through a RoomSession over loopback. What the rooms
// send is kept on this device (local-history/): a room shows it at once on joining, and keeps showing it
// read-only while its host is gone. The rooms the app is in are rejoined at the next start.
import { join as joinPath } from 'node:path'
import type {
  BridgeEvent,
  BridgeEvents,
  BridgeHandlers,
  Capabilities,
  DownloadState,
  HostingState,
  NotificationSettings,
  Profile,
  SessionState,
  ShareInfo,
  Snapshot,
  WindowState,
} from '../shared/bridge.ts'
import { BRIDGE_EVENT_NAMES, DESKTOP_CAPABILITIES } from '../shared/bridge.ts'
import { formatAddress } from '../shared/address.ts'
import type { RoomAddress, RoomEvent } from '../shared/discovery.ts'
import { Emitter } from '../shared/emitter.ts'
import { BeaconError } from '../shared/errors.ts'
import type { FileRef, RoomSummary } from '../shared/protocol.ts'
import type { SendOptions, WebSocketCtor } from '../shared/room-client.ts'
import { SESSION_EVENTS, type RoomSession } from '../shared/room-session.ts'
import { Downloads, type DownloadPorts } from './files/downloads.ts'
import { proxyRoomFiles } from './files/proxy.ts'
import { Hosting } from './hosting.ts'
import { LocalHistory } from './local-history/store.ts'
import { resolveTarget } from './join.ts'
import { lanAddress } from './lan-address.ts'
import { Notifier, type NotificationPorts } from './notifications/notifier.ts'
import { RoomList } from './room-list.ts'
import { JoinedRooms } from './rooms/joined-rooms.ts'
import { externalUrl } from './security/urls.ts'
import type { RoomServer } from './server/room-server.ts'
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
  /** The app's user-data folder: settings.json, history.db and rooms/<room>/ live here. */
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
  /** This machine's address to share (src/main/lan-address.ts by default). */
  lanAddress?: () => string
  capabilities?: Capabilities
  WebSocket?: WebSocketCtor
  /** Reconnect pacing of the room connection (tests shorten it). */
  backoff?: { baseMs: number; maxMs: number }
  /** Dead-link detection of the room connection (tests shorten it); LIMITS.heartbeatTimeoutMs by default. */
  heartbeatTimeoutMs?: number
  /** Where room files are saved: the user's Downloads folder in the app; `<userDataDir>/Downloads` by default. */
  downloadsDir?: string
  /** Reveal, open and ask before opening a saved file (shell and dialog in the app); none by default: nothing opens. */
  files?: Partial<DownloadPorts>
  /** Download retry pacing after a cut (tests shorten it). */
  downloadRetry?: { baseMs: number; maxMs: number; attempts: number }
  /** Messages kept per room in this device's history; LIMITS.localHistoryPerRoom by default (tests shrink it). */
  localHistoryPerRoom?: number
  /** Desktop notifications and the badge (Electron's in the app, a recorder in the harness); none by default. */
  notifications?: NotificationPorts
}

/** Without ports nothing is revealed or opened, and a risky file is never confirmed. */
const NO_FILE_PORTS: DownloadPorts = { showInFolder: () => {}, openPath: () => {}, confirmOpen: () => false }

/** BridgeEvents as a type alias (an emitter needs an index signature, which interfaces lack). */
type ServiceEvents = { [K in keyof BridgeEvents]: BridgeEvents[K] }

const NO_WINDOW: WindowState = { start: false, end: true }
const NO_NOTIFICATIONS: NotificationPorts = { show: () => {}, badge: () => {}, lookingAt: () => false }

export class AppService extends Emitter<ServiceEvents> implements BridgeHandlers {
  readonly settings: Settings
  #opts: AppServiceOptions
  #list = new RoomList()
  #hosting: Hosting
  #rooms: JoinedRooms
  #downloads: Downloads
  #history: LocalHistory
  #notifier: Notifier
  #disposed = false

  constructor(opts: AppServiceOptions) {
    super()
    this.#opts = opts
    this.settings = new Settings(opts.userDataDir)
    this.#hosting = new Hosting({ ...opts, settings: this.settings })
    this.#downloads = new Downloads({
      dir: opts.downloadsDir ?? joinPath(opts.userDataDir, 'Downloads'),
      ports: { ...NO_FILE_PORTS, ...opts.files },
      ...(opts.downloadRetry ? { retry: opts.downloadRetry } : {}),
    })
    this.#notifier = new Notifier(opts.notifications ?? NO_NOTIFICATIONS, () => this.settings.notifications)
    this.#history = new LocalHistory(joinPath(opts.userDataDir, 'history.db'), {
      ...(opts.localHistoryPerRoom ? { perRoom: opts.localHistoryPerRoom } : {}),
    })
    this.#rooms = new JoinedRooms({
      settings: this.settings,
      history: this.#history,
      notifier: this.#notifier,
      list: this.#list,
      hostedId: () => this.#hosting.server?.room.id,
      ...(opts.notifications ? { lookingAt: (id: string) => opts.notifications!.lookingAt(id) } : {}),
      ...(opts.WebSocket ? { WebSocket: opts.WebSocket } : {}),
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
      ...(opts.heartbeatTimeoutMs ? { heartbeatTimeoutMs: opts.heartbeatTimeoutMs } : {}),
    })
    for (const event of [...SESSION_EVENTS, 'joined'] as const)
      this.#rooms.on(event, (payload: unknown) => this.emit(event, payload as never))
    this.#list.on('rooms', (e) => {
      this.emit('rooms', e)
      const name = this.settings.profile.name.trim()
      if (e.kind !== 'down' && name) this.#rooms.relocate(e.room, name)
    })
    this.#hosting.on('hosting', (h) => {
      this.emit('hosting', h)
      this.#rooms.countsChanged()
    })
    this.#hosting.on('error', (e) => this.emit('error', e))
    this.#downloads.on('downloads', (d) => this.emit('downloads', d))
  }

  /** Start browsing for rooms (when discovery is available) and rejoin the rooms the app was in. */
  start(): this {
    if (this.#opts.discovery) this.#list.start(this.#opts.discovery)
    const name = this.settings.profile.name.trim()
    if (name) this.#rooms.restore(name)
    return this
  }

  get clientId(): string {
    return this.settings.clientId
  }
  get hosting(): HostingState {
    return this.#hosting.state
  }
  /** The shown room's session. */
  get session(): SessionState {
    return this.#rooms.state
  }
  /** Other people in the room this app hosts (its own loopback member not counted). */
  get othersInHostedRoom(): number {
    const server = this.#hosting.server
    if (!server) return 0
    const own = this.#rooms.get(server.room.id)
    const selfIn = own?.kind === 'joined' && own.session.state.connection.status === 'open' ? 1 : 0
    return Math.max(0, server.room.memberCount - selfIn)
  }

  // --- the contract -------------------------------------------------------------------------------

  getSnapshot(): Snapshot {
    const room = this.#rooms.shown?.session.snapshot
    return {
      profile: this.settings.profile,
      capabilities: this.#capabilities,
      rooms: this.#list.rooms,
      hosting: this.#hosting.state,
      session: this.#rooms.state,
      members: room?.members ?? [],
      messages: room?.messages ?? [],
      window: room?.window ?? NO_WINDOW,
      outbox: room?.outbox ?? [],
      readUpTo: this.settings.readUpTo,
      downloads: this.#downloads.list,
      notifications: this.settings.notifications,
      joined: this.#rooms.list(),
    }
  }

  getProfile(): Profile {
    return this.settings.profile
  }

  setProfile(patch: Partial<Profile>): Profile {
    const profile = this.settings.setProfile(patch)
    if (patch.name !== undefined) for (const j of this.#rooms.sessions()) j.session.rename(profile.name)
    this.emit('profile', profile)
    return profile
  }

  setNotifications(patch: Partial<NotificationSettings>): NotificationSettings {
    return this.settings.setNotifications(patch)
  }

  /** A notification was clicked (index.ts): the window shows that room at that message. */
  notificationClicked(notice: { roomId: string; seq: number }): void {
    this.#notifier.seen(notice.roomId)
    const j = this.#rooms.get(notice.roomId)
    if (j?.kind === 'joined' && j !== this.#rooms.shown) this.#rooms.show(j)
    this.emit('openMessage', { roomId: notice.roomId, seq: notice.seq })
  }

  /** The user is looking at the room (the window got focus showing it): its mentions leave the badge. */
  roomSeen(roomId: string): void {
    this.#notifier.seen(roomId)
  }

  async hostRoom(req: { name: string; password?: string }): Promise<HostingState> {
    if (!this.#capabilities.hosting) throw new BeaconError('not_hosting', 'This build cannot host rooms')
    this.#rooms.requireRoomFor(undefined)
    const server = await this.#hosting.start(req, this.#requireName())
    const room = this.#hosting.state.room!
    // The host is a member like any other: it joins over loopback through the same RoomSession.
    await this.#rooms.join({ address: { address: '127.0.0.1', port: server.port }, room }, this.#requireName(), req.password)
    return this.#hosting.state
  }

  async stopHosting(): Promise<HostingState> {
    const server = this.#hosting.server
    if (!server) throw new BeaconError('not_hosting', 'You are not hosting a room')
    const others = this.othersInHostedRoom
    if (others > 0 && this.#opts.confirmStopHosting && !(await this.#opts.confirmStopHosting(others))) return this.#hosting.state
    if (this.#hosting.server !== server) return this.#hosting.state
    const own = this.#rooms.get(server.room.id)
    if (own) this.#rooms.leave(own)
    await this.#hosting.stop()
    return this.#hosting.state
  }

  /** Join a room (a listed room's id, or an address) and show it; a room the app is already in is just shown. */
  async joinRoom(target: string, opts?: { password?: string }): Promise<SessionState> {
    const name = this.#requireName()
    const already = this.#rooms.get(target)
    if (already?.kind === 'joined' && already.session.state.connection.status !== 'closed') return this.openRoom(target)
    const server = this.#hosting.server
    const hosted = server ? { id: server.room.id, port: server.port } : undefined
    // A room restored without its password: where it was, unless the list knows where it is now.
    const where = already?.kind === 'locked' && !this.#list.get(target) ? already.entry.address : undefined
    const found = await resolveTarget(where ? formatAddress(where.address, where.port) : target, this.#list, this.#history, hosted)
    const same = this.#rooms.get(found.room.id)
    if (same?.kind === 'joined' && same.session.state.connection.status !== 'closed') return this.openRoom(found.room.id)
    if (found.room.passwordRequired && opts?.password === undefined)
      throw new BeaconError('password_required', `"${found.room.name}" needs a password`)
    await this.#rooms.join(found, name, opts?.password)
    return this.#rooms.state
  }

  openRoom(roomId: string): SessionState {
    const e = this.#rooms.get(roomId)
    if (!e) throw new BeaconError('not_connected', 'You are not in that room')
    if (e.kind === 'locked') throw new BeaconError('password_required', `"${e.entry.name}" needs its password again`)
    if (e !== this.#rooms.shown) this.#rooms.show(e)
    return this.#rooms.state
  }

  leaveRoom(roomId?: string): null {
    const e = roomId === undefined ? this.#rooms.shown : this.#rooms.get(roomId)
    if (e) this.#rooms.leave(e)
    else if (roomId === undefined) this.#rooms.forgetRefusal()
    return null
  }

  send(text: string, opts?: SendOptions): string {
    return this.#session().send(text, opts)
  }

  sendFile(file: FileRef, caption?: string, roomId?: string): string {
    return this.#session(roomId).sendFile(file, caption)
  }

  /** Save a file of the shown room to the Downloads folder (progress in `downloads` events). */
  downloadFile(file: FileRef): DownloadState {
    const j = this.#rooms.shown
    if (!j) throw new BeaconError('not_connected', 'You are not in a room')
    if (j.fileToken === undefined) throw new BeaconError('not_connected', 'This room does not share files')
    // This room: a download keeps its host (and its latest token) even after leaving, for the token's grace.
    return this.#downloads.start(file, () => ({ host: j.http, token: j.fileToken! }))
  }

  async cancelDownload(id: string): Promise<null> {
    await this.#downloads.cancel(id)
    return null
  }

  async showDownload(id: string): Promise<null> {
    await this.#downloads.show(id)
    return null
  }

  openDownload(id: string): Promise<boolean> {
    return this.#downloads.open(id)
  }

  /**
   * The renderer's `/room-files/<room id>/...` (Electron's app:// handler, the harness's server): that joined
   * room's file routes, proxied (files/proxy.ts); 404 for a room the app is not in.
   */
  roomFiles(request: Request): Promise<Response> {
    return proxyRoomFiles(request, (roomId) => {
      const e = this.#rooms.get(roomId)
      return e?.kind === 'joined' ? e.http : undefined
    })
  }

  retry(id: string): null {
    this.#session().retry(id)
    return null
  }

  discard(id: string): null {
    this.#session().discard(id)
    return null
  }

  loadOlder(): Promise<WindowState> {
    return this.#session().loadOlder()
  }

  loadNewer(): Promise<WindowState> {
    return this.#session().loadNewer()
  }

  setTyping(): null {
    this.#rooms.shown?.session.typing()
    return null
  }

  /** The renderer saw a conversation (its readKey) up to `seq` (it debounces): kept in settings.json for the next start. */
  markRead(key: string, seq: number): null {
    this.settings.markRead(key, seq)
    this.#rooms.countsChanged()
    return null
  }

  /** How to reach the shown room (or the hosted one): this machine's LAN address for a room it hosts. */
  shareInfo(): ShareInfo {
    let a: RoomAddress
    const server = this.#hosting.server
    const shown = this.#rooms.shown
    if (server && (!shown || shown.room.id === server.room.id)) a = { address: (this.#opts.lanAddress ?? lanAddress)(), port: server.port }
    else if (shown) a = shown.address
    else throw new BeaconError('not_hosting', 'Host or join a room first')
    const address = formatAddress(a.address, a.port)
    return { address, webUrl: `http://${address}/` }
  }

  async openExternal(url: string): Promise<null> {
    const allowed = externalUrl(url)
    if (!allowed) throw new BeaconError('bad_argument', 'Only http, https and mailto links can be opened')
    await this.#opts.openExternal?.(allowed)
    return null
  }

  /** Close every room (they are rejoined at the next start), stop hosting (without asking) and stop discovery. */
  async dispose(): Promise<void> {
    if (this.#disposed) return
    this.#disposed = true
    this.#rooms.close()
    await this.#downloads.dispose()
    await this.#hosting.stop()
    await this.#list.stop()
    this.#history.close()
  }

  /** Every event, for a transport that forwards them all (ipc.ts, the harness). */
  onAny(listener: <K extends BridgeEvent>(event: K, payload: BridgeEvents[K]) => void): () => void {
    const offs = BRIDGE_EVENT_NAMES.map((e) => this.on(e, (p) => listener(e, p as never)))
    return () => offs.forEach((off) => off())
  }

  override emit<K extends BridgeEvent>(event: K, value: BridgeEvents[K]): void {
    if (this.#disposed && event !== 'session' && event !== 'hosting') return
    super.emit(event, value)
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

  /** The session of `roomId`, or of the room shown. */
  #session(roomId?: string): RoomSession {
    const e = roomId === undefined ? this.#rooms.shown : this.#rooms.get(roomId)
    if (e?.kind !== 'joined')
      throw new BeaconError('not_connected', roomId === undefined ? 'You are not in a room' : 'You are not in that room')
    return e.session
  }
}
