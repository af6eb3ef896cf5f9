// The desktop app's main-process service: implements the BeaconBridge contract in plain Node (no electron
// import) by composing its parts: hosting (hosting.ts), the room list (room-list.ts), where to join
// (join.ts), the rooms it is in (rooms/: one RoomSession each, the same as the browser build's), files (files/:
// the renderer's proxy to each room's file routes, and downloads) and the settings. The app is in several rooms
// at once and shows one: the room-scoped events are the shown room's, and `joined` counts for them all. Hosting
// and joining share one path: the host joins its own room through a RoomSession over loopback. What the rooms
// send is kept on this device (local-history/): a room shows it at once on joining, and keeps showing it
// read-only while its host is gone. The rooms the app is in are rejoined at the next start.
import { join as joinPath } from 'node:path'
import { WebSocket } from 'ws'
import type {
  BridgeEvent,
  BridgeEvents,
  BridgeHandlers,
  Capabilities,
  DownloadState,
  HostingState,
  JoinedRoom,
  NotificationSettings,
  RoomListing,
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
import { proxyRoomFiles, roomFilesBase } from './files/proxy.ts'
import { Hosting } from './hosting.ts'
import { withHostOffline } from './local-history/offline.ts'
import { fromLocalHistory, recordSession } from './local-history/record.ts'
import { LocalHistory } from './local-history/store.ts'
import { resolveTarget, type JoinTarget } from './join.ts'
import { lanAddress } from './lan-address.ts'
import { Notifier, type NotificationPorts } from './notifications/notifier.ts'
import type { RoomInfo } from './notifications/policy.ts'
import { RoomList } from './room-list.ts'
import { entryOf, httpOrigin, listingOf, type Joined, type RoomEntry } from './rooms/room-entry.ts'
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
  /** The rooms the app is in, in the order joined (the sidebar's order). */
  #rooms = new Map<string, RoomEntry>()
  /** The room shown: the room-scoped events are its. */
  #shown: Joined | undefined
  #downloads: Downloads
  #history: LocalHistory
  #notifier: Notifier
  /** The shown room's session state; kept after a refused join (with no room to go back to) so the UI can say why. */
  #state: SessionState = { connection: { status: 'closed' } }
  /** The `joined` counts are sent at most every LIMITS.joinedCountsMs: a busy room changes them per message. */
  #countsTimer: ReturnType<typeof setTimeout> | undefined
  #disposed = false

  constructor(opts: AppServiceOptions) {
    super()
    this.#opts = opts
    this.settings = new Settings(opts.userDataDir)
    this.#hosting = new Hosting({ ...opts, settings: this.settings })
    this.#list.on('rooms', (e) => {
      this.emit('rooms', e)
      if (e.kind !== 'down') this.#relocate(e.room)
    })
    this.#hosting.on('hosting', (h) => {
      this.emit('hosting', h)
      this.#countsChanged()
    })
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

  /** Start browsing for rooms (when discovery is available) and rejoin the rooms the app was in. */
  start(): this {
    if (this.#opts.discovery) this.#list.start(this.#opts.discovery)
    this.#restore()
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
    return this.#state
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
    const room = this.#shown?.session.snapshot
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
      joined: this.#joinedList(),
    }
  }

  getProfile(): Profile {
    return this.settings.profile
  }

  setProfile(patch: Partial<Profile>): Profile {
    const profile = this.settings.setProfile(patch)
    if (patch.name !== undefined) for (const j of this.#joinedRooms()) j.session.rename(profile.name)
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
    if (j?.kind === 'joined' && j !== this.#shown) this.#show(j)
    this.emit('openMessage', { roomId: notice.roomId, seq: notice.seq })
  }

  /** The user is looking at the room (the window got focus showing it): its mentions leave the badge. */
  roomSeen(roomId: string): void {
    this.#notifier.seen(roomId)
  }

  async hostRoom(req: { name: string; password?: string }): Promise<HostingState> {
    if (!this.#capabilities.hosting) throw new BeaconError('not_hosting', 'This build cannot host rooms')
    this.#requireRoomFor(undefined)
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
    const own = this.#rooms.get(server.room.id)
    if (own?.kind === 'joined') this.#leave(own)
    await this.#hosting.stop()
    return this.#hosting.state
  }

  /** Join a room (a listed room's id, or an address) and show it; a room the app is already in is just shown. */
  async joinRoom(target: string, opts?: { password?: string }): Promise<SessionState> {
    this.#requireName()
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
    await this.#join(found, opts?.password)
    return this.#state
  }

  openRoom(roomId: string): SessionState {
    const e = this.#rooms.get(roomId)
    if (!e) throw new BeaconError('not_connected', 'You are not in that room')
    if (e.kind === 'locked') throw new BeaconError('password_required', `"${e.entry.name}" needs its password again`)
    if (e !== this.#shown) this.#show(e)
    return this.#state
  }

  leaveRoom(roomId?: string): null {
    const e = roomId === undefined ? this.#shown : this.#rooms.get(roomId)
    if (e?.kind === 'joined') this.#leave(e)
    else if (e?.kind === 'locked') {
      this.#rooms.delete(e.entry.id)
      this.#roomsChanged()
    } else if (roomId === undefined && this.#state.room !== undefined) {
      // A refused join is still shown (with why): leaving forgets it, and says so.
      this.emit('session', (this.#state = { connection: { status: 'closed' } }))
    }
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
    const j = this.#shown
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
    this.#shown?.session.typing()
    return null
  }

  /** The renderer saw a conversation (its readKey) up to `seq` (it debounces): kept in settings.json for the next start. */
  markRead(key: string, seq: number): null {
    this.settings.markRead(key, seq)
    this.#countsChanged()
    return null
  }

  /** How to reach the shown room (or the hosted one): this machine's LAN address for a room it hosts. */
  shareInfo(): ShareInfo {
    let a: RoomAddress
    const server = this.#hosting.server
    const shown = this.#shown
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
    clearTimeout(this.#countsTimer)
    for (const j of this.#joinedRooms()) this.#close(j)
    this.#shown = undefined
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

  /** Room for one more room (`roomId`: unless the app is in it already). */
  #requireRoomFor(roomId: string | undefined): void {
    if (roomId !== undefined && this.#rooms.has(roomId)) return
    if (this.#rooms.size >= LIMITS.maxJoinedRooms)
      throw new BeaconError('bad_argument', `You are in ${LIMITS.maxJoinedRooms} rooms already: leave one first`)
  }

  /** The session of `roomId`, or of the room shown. */
  #session(roomId?: string): RoomSession {
    const e = roomId === undefined ? this.#shown : this.#rooms.get(roomId)
    if (e?.kind !== 'joined')
      throw new BeaconError('not_connected', roomId === undefined ? 'You are not in a room' : 'You are not in that room')
    return e.session
  }

  *#joinedRooms(): Generator<Joined> {
    for (const e of this.#rooms.values()) if (e.kind === 'joined') yield e
  }

  #joinedList(): JoinedRoom[] {
    const read = this.settings.readUpTo
    const hosted = this.#hosting.server?.room.id
    return [...this.#rooms.values()].map((e) => listingOf(e, read, hosted))
  }

  /**
   * Connect to a room and show it, keeping the others; resolves once in (or throws why not, and shows the room shown
   * before again). A room whose host did not answer (`offline`) resolves at once: it shows this device's history
   * while the session keeps trying. Joining a room the app is in again replaces its session, in its place.
   */
  async #join(target: JoinTarget, password: string | undefined, opts: { show: boolean } = { show: true }): Promise<void> {
    const { address, room, offline } = target
    this.#requireRoomFor(room.id)
    const before = this.#shown
    const old = this.#rooms.get(room.id)
    const show = opts.show || before === old
    if (old?.kind === 'joined') this.#close(old)
    this.#history.remember({ ...room, address })
    const joined = this.#open(room, address, password, old?.kind === 'locked' ? old.entry.you : old?.you)
    this.#rooms.set(room.id, joined)
    if (show) this.#show(joined)
    this.#roomsChanged()
    const joining = joined.session.join({ keepTrying: offline }).catch((e: unknown) => {
      // Refused before ever getting in: the session has stopped and said why (its `session` event).
      if (this.#rooms.get(room.id) === joined) {
        this.#rooms.delete(room.id)
        joined.off.forEach((off) => off())
        if (this.#shown === joined) {
          this.#shown = undefined
          const back = before !== undefined && before !== old && this.#rooms.get(before.room.id) === before ? before : undefined
          if (back) this.#show(back)
        }
        this.#roomsChanged()
      }
      throw e
    })
    if (offline) joining.catch(() => {})
    else await joining
  }

  /** A session for `room`, recorded on this device, notifying, its events forwarded while it is shown. */
  #open(room: RoomInfo, address: RoomAddress, password: string | undefined, you: string | undefined): Joined {
    const copy = fromLocalHistory(this.#history, room.id)
    const session = new RoomSession({
      url: `ws://${formatAddress(address.address, address.port)}${WS_PATH}`,
      name: this.#requireName(),
      clientId: this.settings.clientId,
      WebSocket: this.#opts.WebSocket ?? HostSocket,
      password,
      room: { id: room.id, name: room.name },
      filesBase: roomFilesBase(room.id),
      ...(this.#opts.backoff ? { backoff: this.#opts.backoff } : {}),
      ...(this.#opts.heartbeatTimeoutMs ? { heartbeatTimeoutMs: this.#opts.heartbeatTimeoutMs } : {}),
      ...copy,
    })
    const joined: Joined = {
      kind: 'joined',
      session,
      room,
      address,
      http: httpOrigin(address),
      off: [],
      ...(you ? { you } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(copy.resume ? { epoch: copy.resume.epoch } : {}),
    }
    joined.off.push(
      session.client.on('welcome', (w) => {
        joined.fileToken = w.files?.token
        this.#welcomed(joined, w.you.id, w.room.epoch)
      }),
      recordSession(this.#history, session),
      session.on('message', (m) => this.#notifier.message(m, joined.room, session.state.you?.id)),
    )
    for (const event of SESSION_EVENTS) {
      joined.off.push(
        session.on(event, (payload) => {
          if (event === 'history' && (payload as BridgeEvents['history']).reset) this.#firstVisit(joined)
          if (event === 'session' || event === 'history' || event === 'message') this.#countsChanged()
          if (this.#shown !== joined) return
          if (event === 'session') this.#state = withHostOffline(payload as SessionState)
          this.emit(event, (event === 'session' ? this.#state : payload) as never)
        }),
      )
    }
    return joined
  }

  /**
   * In: this device's member id there is known (its own messages are not unread), and remembered. A new log (its
   * data deleted, another host) numbers other messages: where the user read in the old one means nothing there.
   */
  #welcomed(joined: Joined, you: string, epoch: string): void {
    if (joined.epoch !== undefined && joined.epoch !== epoch) this.settings.forgetReads(joined.room.id)
    joined.epoch = epoch
    if (joined.you === you) return
    joined.you = you
    this.#roomsChanged()
  }

  /** A room first joined starts read: what was said before the user came is history, not news. */
  #firstVisit(joined: Joined): void {
    const latest = joined.session.held.messages.at(-1)?.seq
    if (latest !== undefined && !Object.hasOwn(this.settings.readUpTo, joined.room.id)) this.settings.markRead(joined.room.id, latest)
  }

  /**
   * A joined room not answering where it was is listed at another address now (a new DHCP lease, the host on
   * another network card): follow it there, keeping which room is shown. The hosted room is on loopback.
   */
  #relocate(listing: RoomListing): void {
    const j = this.#rooms.get(listing.id)
    if (j?.kind !== 'joined' || j.relocating || j.session.state.connection.status === 'open') return
    if (listing.id === this.#hosting.server?.room.id || listing.addresses.includes(formatAddress(j.address.address, j.address.port))) return
    j.relocating = true
    void this.#list
      .resolve(listing)
      .then((r) => {
        if (!r || this.#rooms.get(listing.id) !== j || j.session.state.connection.status === 'open') return
        return this.#join({ address: r.address, room: j.room, offline: true }, j.password, { show: false })
      })
      .catch(() => {})
      .finally(() => delete j.relocating)
  }

  /** Make `j` the room shown: its state, held messages, members and outbox replace the window's, in that order. */
  #show(j: Joined): void {
    this.#shown = j
    const s = j.session.snapshot
    this.emit('session', (this.#state = withHostOffline(s.session)))
    this.emit('history', { messages: s.messages, reset: true, ...s.window })
    this.emit('members', s.members)
    this.emit('outbox', s.outbox)
    if (this.#opts.notifications?.lookingAt(j.room.id)) this.#notifier.seen(j.room.id)
    this.#roomsChanged()
  }

  /** Leave `j` for good (the user left it, or stopped hosting it): another room the app is in is shown instead. */
  #leave(j: Joined): void {
    const order = [...this.#rooms.values()]
    const at = order.indexOf(j)
    this.#rooms.delete(j.room.id)
    this.#close(j)
    if (this.#shown === j) {
      this.#shown = undefined
      const next = [...order.slice(at + 1), ...order.slice(0, at).reverse()].find((e): e is Joined => e.kind === 'joined')
      if (next) this.#show(next)
    }
    this.#roomsChanged()
  }

  /** Close `j`'s session; while shown, it reports the room gone (session, members, history, outbox) first. */
  #close(j: Joined): void {
    this.#notifier.seen(j.room.id)
    j.session.close()
    j.off.forEach((off) => off())
  }

  /** Rejoin the rooms the app was in (settings.json): each shows this device's history at once and keeps trying. */
  #restore(): void {
    const { rooms, shown } = this.settings.joined
    if (rooms.length === 0 || !this.settings.profile.name.trim()) return
    for (const entry of rooms) {
      if (entry.passwordRequired) {
        this.#rooms.set(entry.id, { kind: 'locked', entry })
        continue
      }
      const room = { id: entry.id, name: entry.name, passwordRequired: false }
      const joined = this.#open(room, entry.address, undefined, entry.you)
      this.#rooms.set(entry.id, joined)
      joined.session.join({ keepTrying: true }).catch(() => {
        // Refused now (the room changed hands, or locks people out): it stays listed, closed, until left.
      })
    }
    const first = [...this.#joinedRooms()]
    const show = this.#rooms.get(shown ?? '')
    if (show?.kind === 'joined') this.#show(show)
    else if (first[0]) this.#show(first[0])
    this.#roomsChanged()
  }

  /** Which rooms the app is in, or which it shows, changed: remembered for the next start, and the counts sent. */
  #roomsChanged(): void {
    if (this.#disposed) return
    this.settings.setJoined([...this.#rooms.values()].map(entryOf), this.#shown?.room.id)
    this.#countsChanged()
  }

  #countsChanged(): void {
    if (this.#countsTimer !== undefined || this.#disposed) return
    this.#countsTimer = setTimeout(() => {
      this.#countsTimer = undefined
      this.emit('joined', this.#joinedList())
    }, LIMITS.joinedCountsMs)
    this.#countsTimer.unref?.()
  }
}

/** `ws` with a frame bound: a hostile host cannot make the app buffer ws's default 100 MiB per frame. */
class BoundedWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols, { maxPayload: LIMITS.maxHostFrameBytes })
  }
}
const HostSocket = BoundedWebSocket as unknown as WebSocketCtor
