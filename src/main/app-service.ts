// The desktop app's main-process service: implements the BeaconBridge contract in plain Node (no electron
// import) by composing its parts: hosting (hosting.ts), the room list (room-list.ts), where to join
// (join.ts), the room itself (RoomSession, the same as the browser build's), files (files/: the renderer's
// proxy to the room's file routes, and downloads) and the settings. Hosting and joining share one path: the
// host joins its own room through a RoomSession over loopback. What the rooms send is kept on this device
// (local-history/): a room shows it at once on joining, and keeps showing it read-only while its host is gone.
import { join as joinPath } from 'node:path'
import { WebSocket } from 'ws'
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
import { LIMITS, WS_PATH, type FileRef, type RoomSummary } from '../shared/protocol.ts'
import type { SendOptions, WebSocketCtor } from '../shared/room-client.ts'
import { RoomSession, SESSION_EVENTS } from '../shared/room-session.ts'
import { Downloads, type DownloadPorts } from './files/downloads.ts'
import { proxyRoomFiles, ROOM_FILES_PATH } from './files/proxy.ts'
import { Hosting } from './hosting.ts'
import { withHostOffline } from './local-history/offline.ts'
import { fromLocalHistory, recordSession } from './local-history/record.ts'
import { LocalHistory } from './local-history/store.ts'
import { resolveTarget, type JoinTarget } from './join.ts'
import { lanAddress } from './lan-address.ts'
import { Notifier, type NotificationPorts } from './notifications/notifier.ts'
import type { RoomInfo } from './notifications/policy.ts'
import { RoomList } from './room-list.ts'
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

interface Joined {
  session: RoomSession
  room: RoomInfo
  address: RoomAddress
  /** The host's HTTP origin (file routes are on the room's port). */
  http: string
  /** The member token of the latest welcome (docs/PROTOCOL-FILES.md); kept after leaving for its grace period. */
  fileToken?: string
  off: Array<() => void>
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
  #joined: Joined | undefined
  #downloads: Downloads
  #history: LocalHistory
  #notifier: Notifier
  /** The last session state: kept after a refused join so the UI can say why. */
  #state: SessionState = { connection: { status: 'closed' } }
  #disposed = false

  constructor(opts: AppServiceOptions) {
    super()
    this.#opts = opts
    this.settings = new Settings(opts.userDataDir)
    this.#hosting = new Hosting({ ...opts, settings: this.settings })
    this.#list.on('rooms', (e) => this.emit('rooms', e))
    this.#hosting.on('hosting', (h) => this.emit('hosting', h))
    this.#hosting.on('error', (e) => this.emit('error', e))
    this.#downloads = new Downloads({
      dir: opts.downloadsDir ?? joinPath(opts.userDataDir, 'Downloads'),
      ports: { ...NO_FILE_PORTS, ...opts.files },
      ...(opts.downloadRetry ? { retry: opts.downloadRetry } : {}),
    })
    this.#downloads.on('downloads', (d) => this.emit('downloads', d))
    this.#notifier = new Notifier(opts.notifications ?? NO_NOTIFICATIONS, () => this.settings.notifications)
    this.#history = new LocalHistory(joinPath(opts.userDataDir, 'history.db'), {
      ...(opts.localHistoryPerRoom ? { perRoom: opts.localHistoryPerRoom } : {}),
    })
  }

  /** Start browsing for rooms (when discovery is available). */
  start(): this {
    if (this.#opts.discovery) this.#list.start(this.#opts.discovery)
    return this
  }

  get clientId(): string {
    return this.settings.clientId
  }
  get hosting(): HostingState {
    return this.#hosting.state
  }
  get session(): SessionState {
    return this.#state
  }
  /** Other people in the room this app hosts (its own loopback member not counted). */
  get othersInHostedRoom(): number {
    const server = this.#hosting.server
    if (!server) return 0
    const selfIn = this.#joined?.session.roomId === server.room.id && this.#state.connection.status === 'open' ? 1 : 0
    return Math.max(0, server.room.memberCount - selfIn)
  }

  // --- the contract -------------------------------------------------------------------------------

  getSnapshot(): Snapshot {
    const room = this.#joined?.session.snapshot
    return {
      profile: this.settings.profile,
      capabilities: this.#capabilities,
      rooms: this.#list.rooms,
      hosting: this.#hosting.state,
      session: this.#state,
      members: room?.members ?? [],
      messages: room?.messages ?? [],
      window: room?.window ?? NO_WINDOW,
      outbox: room?.outbox ?? [],
      readUpTo: this.settings.readUpTo,
      downloads: this.#downloads.list,
      notifications: this.settings.notifications,
    }
  }

  getProfile(): Profile {
    return this.settings.profile
  }

  setProfile(patch: Partial<Profile>): Profile {
    const profile = this.settings.setProfile(patch)
    if (patch.name !== undefined) this.#joined?.session.rename(profile.name)
    this.emit('profile', profile)
    return profile
  }

  setNotifications(patch: Partial<NotificationSettings>): NotificationSettings {
    return this.settings.setNotifications(patch)
  }

  /** A notification was clicked (index.ts): the window shows that room at that message. */
  notificationClicked(notice: { roomId: string; seq: number }): void {
    this.#notifier.seen(notice.roomId)
    this.emit('openMessage', { roomId: notice.roomId, seq: notice.seq })
  }

  /** The user is looking at the room (the window got focus showing it): its mentions leave the badge. */
  roomSeen(roomId: string): void {
    this.#notifier.seen(roomId)
  }

  async hostRoom(req: { name: string; password?: string }): Promise<HostingState> {
    if (!this.#capabilities.hosting) throw new BeaconError('not_hosting', 'This build cannot host rooms')
    const server = await this.#hosting.start(req, this.#requireName())
    const room = this.#hosting.state.room!
    // The host is a member like any other: it joins over loopback through the same RoomSession.
    await this.#join({ address: { address: '127.0.0.1', port: server.port }, room }, req.password)
    return this.#hosting.state
  }

  async stopHosting(): Promise<HostingState> {
    const server = this.#hosting.server
    if (!server) throw new BeaconError('not_hosting', 'You are not hosting a room')
    const others = this.othersInHostedRoom
    if (others > 0 && this.#opts.confirmStopHosting && !(await this.#opts.confirmStopHosting(others))) return this.#hosting.state
    if (this.#hosting.server !== server) return this.#hosting.state
    if (this.#joined?.session.roomId === server.room.id) this.#leave()
    await this.#hosting.stop()
    return this.#hosting.state
  }

  async joinRoom(target: string, opts?: { password?: string }): Promise<SessionState> {
    this.#requireName()
    const server = this.#hosting.server
    const hosted = server ? { id: server.room.id, port: server.port } : undefined
    const found = await resolveTarget(target, this.#list, this.#history, hosted)
    if (found.room.passwordRequired && opts?.password === undefined)
      throw new BeaconError('password_required', `"${found.room.name}" needs a password`)
    await this.#join(found, opts?.password)
    return this.#state
  }

  leaveRoom(): null {
    this.#leave()
    return null
  }

  send(text: string, opts?: SendOptions): string {
    return this.#session().send(text, opts)
  }

  sendFile(file: FileRef, caption?: string): string {
    return this.#session().sendFile(file, caption)
  }

  /** Save a file of the joined room to the Downloads folder (progress in `downloads` events). */
  downloadFile(file: FileRef): DownloadState {
    const j = this.#joined
    if (!j) throw new BeaconError('not_connected', 'You are not in a room')
    if (j.fileToken === undefined) throw new BeaconError('not_connected', 'This room does not share files')
    // The room joined now: a download keeps its host (and its latest token) even after leaving, for the token's grace.
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
   * The renderer's `/room-files/...` (Electron's app:// handler, the harness's server): the joined room's file
   * routes, proxied (files/proxy.ts); 404 while not in a room.
   */
  roomFiles(request: Request): Promise<Response> {
    return proxyRoomFiles(request, this.#joined?.http)
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
    this.#joined?.session.typing()
    return null
  }

  /** The renderer saw `roomId` up to `seq` (it debounces): kept in settings.json for the next start. */
  markRead(roomId: string, seq: number): null {
    this.settings.markRead(roomId, seq)
    return null
  }

  shareInfo(): ShareInfo {
    let a: RoomAddress
    const server = this.#hosting.server
    if (server) a = { address: (this.#opts.lanAddress ?? lanAddress)(), port: server.port }
    else if (this.#joined) a = this.#joined.address
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

  /** Leave, stop hosting (without asking) and stop discovery. */
  async dispose(): Promise<void> {
    if (this.#disposed) return
    this.#disposed = true
    this.#leave()
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

  #session(): RoomSession {
    const j = this.#joined
    if (!j) throw new BeaconError('not_connected', 'You are not in a room')
    return j.session
  }

  /**
   * Connect to a room; resolves once in (or throws why not), and keeps reconnecting afterwards. A room whose host
   * did not answer (`offline`) resolves at once: it shows this device's history while the session keeps trying.
   */
  async #join(target: JoinTarget, password: string | undefined): Promise<void> {
    const { address, room, offline } = target
    this.#leave()
    this.#history.remember({ ...room, address })
    const session = new RoomSession({
      url: `ws://${formatAddress(address.address, address.port)}${WS_PATH}`,
      name: this.#requireName(),
      clientId: this.settings.clientId,
      WebSocket: this.#opts.WebSocket ?? HostSocket,
      password,
      room: { id: room.id, name: room.name },
      filesBase: ROOM_FILES_PATH,
      ...(this.#opts.backoff ? { backoff: this.#opts.backoff } : {}),
      ...(this.#opts.heartbeatTimeoutMs ? { heartbeatTimeoutMs: this.#opts.heartbeatTimeoutMs } : {}),
      ...fromLocalHistory(this.#history, room.id),
    })
    const joined: Joined = { session, room, address, http: `http://${formatAddress(address.address, address.port)}`, off: [] }
    this.#joined = joined
    joined.off.push(session.client.on('welcome', (w) => (joined.fileToken = w.files?.token)))
    joined.off.push(recordSession(this.#history, session))
    joined.off.push(session.on('message', (m) => this.#notifier.message(m, joined.room, session.state.you?.id)))
    for (const event of SESSION_EVENTS) {
      joined.off.push(
        session.on(event, (payload) => {
          if (event !== 'session') return this.emit(event, payload as never)
          this.emit('session', (this.#state = withHostOffline(payload as SessionState)))
        }),
      )
    }
    const s = session.snapshot
    this.emit('history', { messages: s.messages, reset: true, ...s.window })
    this.emit('members', [])
    this.emit('outbox', [])
    const joining = session.join({ keepTrying: offline }).catch((e: unknown) => {
      // Refused before ever getting in: the session has stopped and said why (its `session` event).
      if (this.#joined === joined) {
        joined.off.forEach((off) => off())
        this.#joined = undefined
      }
      throw e
    })
    if (offline) joining.catch(() => {})
    else await joining
  }

  #leave(): void {
    const j = this.#joined
    if (!j) {
      // A refused join is still shown (with why): leaving forgets it, and says so.
      if (this.#state.room !== undefined) this.emit('session', (this.#state = { connection: { status: 'closed' } }))
      return
    }
    this.#joined = undefined
    this.#notifier.seen(j.room.id)
    j.session.close() // reports the room gone (session, members, history, outbox) before we stop listening
    j.off.forEach((off) => off())
  }
}

/** `ws` with a frame bound: a hostile host cannot make the app buffer ws's default 100 MiB per frame. */
class BoundedWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols, { maxPayload: LIMITS.maxHostFrameBytes })
  }
}
const HostSocket = BoundedWebSocket as unknown as WebSocketCtor
