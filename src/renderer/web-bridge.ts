// The browser build's BeaconBridge: the same UI as the desktop app, over the same RoomSession, on whichever
// transport works from this browser (TransportChooser: WebSocket, else SSE + POST, else long polling).
// It joins the room of the host that served the page, and only that one (other hosts refuse a page from
// elsewhere anyway). The display name, a client id, the theme and, per room, the resume position, the
// latest messages and the read position are kept in localStorage, so a reload comes back as the same member,
// shows what it showed, gets exactly what it missed — no duplicates — and knows what is new. Files go to and come from the host's own
// /api/files routes; the browser saves downloads itself, so the app's download methods are refused here.
import {
  parseArgs,
  type BeaconBridge,
  type BridgeArgs,
  type BridgeEvent,
  type BridgeEvents,
  type BridgeHandlers,
  type BridgeMethod,
  type Capabilities,
  type NotificationSettings,
  type Profile,
  type Result,
  type RoomListing,
  type Snapshot,
} from '../shared/bridge.ts'
import { Emitter } from '../shared/emitter.ts'
import { BeaconError } from '../shared/errors.ts'
import { FILES_PATH } from '../shared/files.ts'
import { LIMITS, RoomSummary, WS_PATH, type ChatMessage } from '../shared/protocol.ts'
import { randomId } from '../shared/platform.ts'
import { raiseReadPosition, withoutRoom, type ReadPositions } from '../shared/read-positions.ts'
import { RoomSession, SESSION_EVENTS } from '../shared/room-session.ts'
import { createTone, soundsTone } from './sound.ts'
import { TransportChooser } from '../shared/transports/chooser.ts'
import type { EventSourceCtor, FetchLike } from '../shared/transports/http-socket.ts'
import type { WebSocketCtor } from '../shared/room-client.ts'

const CAPABILITIES: Capabilities = {
  hosting: false,
  discovery: false,
  notifications: false,
  joinByAddress: false,
  saveFiles: false,
  severalRooms: false,
}
/** Messages kept per room for the next visit (the session holds up to LIMITS.messageWindow meanwhile). */
const KEPT_MESSAGES = LIMITS.historyPage * 2
const KEY = {
  name: 'beacon.name',
  theme: 'beacon.theme',
  client: 'beacon.client',
  /** Per room id, the last seq seen there (src/shared/read-positions.ts). */
  read: 'beacon.read',
  transport: 'beacon.transport',
  notifications: 'beacon.notifications',
  room: (id: string) => `beacon.room.${id}`,
}

interface RoomCache {
  epoch: string
  after: number
  messages: ChatMessage[]
}

function read<T>(key: string): T | undefined {
  try {
    const v = localStorage.getItem(key)
    return v === null ? undefined : (JSON.parse(v) as T)
  } catch {
    return undefined
  }
}
function write(key: string, value: unknown): boolean {
  try {
    localStorage.setItem(key, JSON.stringify(value))
    return true
  } catch {
    // storage full or disabled: the page still works, a reload just starts afresh
    return false
  }
}

/** Messages without their files' thumbnails: the cache's fall-back when thumbnails do not fit in storage. */
function withoutThumbs(messages: ChatMessage[]): ChatMessage[] {
  return messages.map((m) => {
    if (!m.file?.thumb) return m
    const { thumb: _dropped, ...file } = m.file
    return { ...m, file }
  })
}

/** The read positions as stored, keeping only what could be one (storage is the user's to edit). */
function readPositions(stored: unknown): ReadPositions {
  if (typeof stored !== 'object' || stored === null) return {}
  return Object.fromEntries(Object.entries(stored).filter(([, seq]) => Number.isSafeInteger(seq) && (seq as number) >= 0))
}

const SAVED_BY_BROWSER = 'The browser saves files itself: use the Download link.'

/** Whether a typed target names the room of this page: its id, or this host's address. */
function isThisRoom(target: string, room: RoomListing, host: string): boolean {
  const t = target
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase()
  return target === room.id || t === host.toLowerCase()
}

export function createWebBridge(win: Window = window): BeaconBridge {
  const events = new Emitter<{ [E in BridgeEvent]: BridgeEvents[E] }>()
  const g = win as unknown as { WebSocket?: WebSocketCtor; EventSource?: EventSourceCtor; fetch?: FetchLike }
  const chooser = new TransportChooser({
    ...(typeof g.WebSocket === 'function' ? { WebSocket: g.WebSocket } : {}),
    ...(typeof g.EventSource === 'function' ? { EventSource: g.EventSource } : {}),
    ...(typeof g.fetch === 'function' ? { fetch: g.fetch.bind(win) as FetchLike } : {}),
    memory: {
      get: () => win.sessionStorage.getItem(KEY.transport),
      set: (v) => win.sessionStorage.setItem(KEY.transport, v),
    },
  })
  const wsUrl = `${win.location.protocol === 'https:' ? 'wss' : 'ws'}://${win.location.host}${WS_PATH}`
  let readUpTo = readPositions(read<unknown>(KEY.read))

  let clientId = read<string>(KEY.client)
  if (!clientId) write(KEY.client, (clientId = `web-${randomId(12)}`))
  const profile: Profile = { name: read<string>(KEY.name) ?? '', theme: read<Profile['theme']>(KEY.theme) ?? 'system' }
  // The browser has no desktop notifications; these settings quiet its tone (sound.ts) and are kept like the theme.
  const stored = read<Partial<NotificationSettings>>(KEY.notifications)
  const notifications: NotificationSettings = {
    doNotDisturb: stored?.doNotDisturb === true,
    rooms: typeof stored?.rooms === 'object' && stored.rooms !== null ? { ...stored.rooms } : {},
    previewsInPasswordRooms: stored?.previewsInPasswordRooms === true,
  }
  const tone = createTone(win)
  let room: RoomListing | undefined
  let session: RoomSession | undefined
  let offs: (() => void)[] = []

  const save = () => {
    const position = session?.client.position
    const id = session?.client.room?.id
    if (!position || !id || !session) return
    const held = session.snapshot
    // Only a window that reaches the live end continues at the resume position.
    if (!held.window.end) return
    const messages = held.messages.slice(-KEPT_MESSAGES)
    const cache = (kept: ChatMessage[]): RoomCache => ({ epoch: position.epoch, after: position.after, messages: kept })
    if (!write(KEY.room(id), cache(messages))) write(KEY.room(id), cache(withoutThumbs(messages)))
  }

  // The one room of this host.
  const roomLoaded = (async () => {
    try {
      const res = await win.fetch('/api/room', { cache: 'no-store' })
      const s = RoomSummary.parse(await res.json())
      room = {
        id: s.id,
        name: s.name,
        host: s.host,
        members: s.members,
        passwordRequired: s.passwordRequired,
        addresses: [win.location.host],
      }
      events.emit('rooms', { kind: 'up', room })
    } catch {
      events.emit('error', { code: 'unreachable', message: 'The room host did not answer.' })
    }
  })()

  chooser.on('transport', () => session?.refresh())

  const leave = () => {
    save()
    // Nothing to close (a refused join): still say the room is left, so the page stops showing it.
    if (!session) events.emit('session', { connection: { status: 'closed' } })
    session?.close()
    for (const off of offs) off()
    offs = []
    session = undefined
  }
  const current = (): RoomSession => {
    if (!session) throw new BeaconError('not_connected', 'Join the room first.')
    return session
  }
  /** The session of room `roomId` (this page's one room), or not_connected: the page is in no other. */
  const sessionOf = (roomId: string | undefined): RoomSession => {
    const s = current()
    if (roomId !== undefined && roomId !== s.roomId) throw new BeaconError('not_connected', 'This page is in one room only.')
    return s
  }

  const handlers: BridgeHandlers = {
    async getSnapshot(): Promise<Snapshot> {
      await roomLoaded
      const held = session?.snapshot
      return {
        profile: { ...profile },
        capabilities: CAPABILITIES,
        rooms: room ? [room] : [],
        hosting: { status: 'off' },
        session: held?.session ?? { connection: { status: 'closed' } },
        members: held?.members ?? [],
        messages: held?.messages ?? [],
        window: held?.window ?? { start: false, end: true },
        outbox: held?.outbox ?? [],
        readUpTo: { ...readUpTo },
        downloads: [],
        notifications: { ...notifications, rooms: { ...notifications.rooms } },
        joined: [],
      }
    },
    getProfile: () => ({ ...profile }),
    setNotifications(patch) {
      if (patch.doNotDisturb !== undefined) notifications.doNotDisturb = patch.doNotDisturb
      if (patch.previewsInPasswordRooms !== undefined) notifications.previewsInPasswordRooms = patch.previewsInPasswordRooms
      for (const [id, level] of Object.entries(patch.rooms ?? {})) {
        if (level === 'all') delete notifications.rooms[id]
        else notifications.rooms = { ...notifications.rooms, [id]: level }
      }
      write(KEY.notifications, notifications)
      return { ...notifications, rooms: { ...notifications.rooms } }
    },
    setProfile(patch) {
      if (patch.name !== undefined) write(KEY.name, (profile.name = patch.name))
      if (patch.theme !== undefined) write(KEY.theme, (profile.theme = patch.theme))
      if (patch.name !== undefined) session?.rename(patch.name)
      events.emit('profile', { ...profile })
      return { ...profile }
    },
    hostRoom() {
      throw new BeaconError('bad_argument', 'A browser cannot host a room: use the Beacon app.')
    },
    stopHosting: () => ({ status: 'off' }),
    async joinRoom(target, opts) {
      await roomLoaded
      if (!room) throw new BeaconError('unreachable', 'The room host did not answer.')
      if (!isThisRoom(target, room, win.location.host))
        throw new BeaconError(
          'bad_argument',
          `This page can only join "${room.name}". To join another room, open its own link or use the Beacon app.`,
        )
      if (!profile.name) throw new BeaconError('bad_argument', 'Choose a display name first.')
      leave()
      const cache = read<RoomCache>(KEY.room(room.id))
      const s = new RoomSession({
        url: wsUrl,
        name: profile.name,
        clientId: clientId!,
        WebSocket: chooser.WebSocket,
        room: { id: room.id, name: room.name },
        transport: () => chooser.current,
        filesBase: FILES_PATH,
        ...(opts?.password ? { password: opts.password } : {}),
        ...(cache ? { resume: { epoch: cache.epoch, after: cache.after }, initial: cache.messages } : {}),
      })
      session = s
      offs = SESSION_EVENTS.map((event) => s.on(event, (payload) => events.emit(event, payload as never)))
      offs.push(
        // A new log for the room (its host's data started over): where this browser read in the old one means nothing.
        s.client.on('welcome', (w) => {
          if (cache && cache.epoch !== w.room.epoch) write(KEY.read, (readUpTo = withoutRoom(readUpTo, w.room.id)))
        }),
        s.on('message', (m) => {
          if (win.document.hidden && soundsTone(m, s.state.you?.id, s.roomId, notifications)) tone()
        }),
        s.on('members', (ms) => {
          if (room && room.members !== ms.length) events.emit('rooms', { kind: 'update', room: (room = { ...room, members: ms.length }) })
        }),
      )
      const held = s.snapshot
      events.emit('history', { messages: held.messages, reset: true, ...held.window })
      // Not awaited: the page shows the session's progress (and a refusal's reason) as it reports it.
      void s.join({ keepTrying: true }).catch(() => {
        if (session !== s) return
        for (const off of offs) off()
        offs = []
        session = undefined
      })
      return s.state
    },
    // The one room is shown whenever the page is in it.
    openRoom: (roomId) => sessionOf(roomId).state,
    leaveRoom(roomId) {
      if (roomId !== undefined && session) sessionOf(roomId)
      leave()
      return null
    },
    send: (text, opts) => current().send(text, opts),
    sendFile: (file, caption, roomId) => sessionOf(roomId).sendFile(file, caption),
    // The UI offers <a download> links here instead (capabilities.saveFiles is false).
    downloadFile() {
      throw new BeaconError('bad_argument', SAVED_BY_BROWSER)
    },
    cancelDownload() {
      throw new BeaconError('bad_argument', SAVED_BY_BROWSER)
    },
    showDownload() {
      throw new BeaconError('bad_argument', SAVED_BY_BROWSER)
    },
    openDownload() {
      throw new BeaconError('bad_argument', SAVED_BY_BROWSER)
    },
    retry(id) {
      current().retry(id)
      return null
    },
    discard(id) {
      current().discard(id)
      return null
    },
    loadOlder: () => current().loadOlder(),
    loadNewer: () => current().loadNewer(),
    setTyping() {
      session?.typing()
      return null
    },
    markRead(roomId, seq) {
      const next = raiseReadPosition(readUpTo, roomId, seq)
      if (next !== readUpTo) write(KEY.read, (readUpTo = next))
      return null
    },
    shareInfo: () => ({ address: win.location.host, webUrl: `${win.location.origin}/` }),
    openExternal(url) {
      if (/^https?:\/\//i.test(url)) win.open(url, '_blank', 'noopener,noreferrer')
      return null
    },
  }

  const call = async <M extends BridgeMethod>(method: M, args: unknown[]): Promise<Result<unknown>> => {
    const parsed = parseArgs(method, args)
    if (!parsed.ok) return parsed
    try {
      const fn = handlers[method] as (...a: BridgeArgs<M>) => unknown
      return { ok: true, value: await fn(...(parsed.value as BridgeArgs<M>)) }
    } catch (e) {
      const code = e instanceof BeaconError ? e.code : 'internal'
      return { ok: false, error: { code, message: e instanceof Error ? e.message : String(e) } }
    }
  }

  const bridge = {
    capabilities: CAPABILITIES,
    on: <E extends BridgeEvent>(event: E, listener: (payload: BridgeEvents[E]) => void) => events.on(event, listener),
  } as Record<string, unknown>
  for (const method of Object.keys(handlers) as BridgeMethod[]) bridge[method] = (...args: unknown[]) => call(method, args)
  win.addEventListener('pagehide', () => save())
  return bridge as unknown as BeaconBridge
}
