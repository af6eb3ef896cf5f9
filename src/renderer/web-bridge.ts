// The browser build's BeaconBridge: the same UI as the desktop app, over RoomClient directly, on whichever
// transport works from this browser (TransportChooser: WebSocket, else SSE + POST, else long polling).
// It joins the room of the host that served the page. The display name, a client id, the theme and, per
// room, the resume position and the latest messages are kept in localStorage, so a reload comes back as
// the same member, shows what it showed, and gets exactly what it missed — no duplicates.
import {
  parseArgs,
  type BeaconBridge,
  type BridgeArgs,
  type BridgeEvent,
  type BridgeEvents,
  type BridgeHandlers,
  type BridgeMethod,
  type Capabilities,
  type Profile,
  type Result,
  type RoomListing,
  type SessionState,
  type Snapshot,
} from '../shared/bridge.ts'
import { Emitter } from '../shared/emitter.ts'
import { BeaconError } from '../shared/errors.ts'
import { RoomSummary, WS_PATH, type ChatMessage, type Member } from '../shared/protocol.ts'
import { RoomClient, type WebSocketCtor } from '../shared/room-client.ts'
import { randomId } from '../shared/platform.ts'
import { TransportChooser } from '../shared/transports/chooser.ts'
import type { EventSourceCtor, FetchLike } from '../shared/transports/http-socket.ts'

const CAPABILITIES: Capabilities = { hosting: false, discovery: false, notifications: false }
const KEPT_MESSAGES = 200
const KEY = {
  name: 'beacon.name',
  theme: 'beacon.theme',
  client: 'beacon.client',
  transport: 'beacon.transport',
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
function write(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value))
  } catch {
    // storage full or disabled: the page still works, a reload just starts afresh
  }
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

  let clientId = read<string>(KEY.client)
  if (!clientId) write(KEY.client, (clientId = `web-${randomId(12)}`))
  const profile: Profile = { name: read<string>(KEY.name) ?? '', theme: read<Profile['theme']>(KEY.theme) ?? 'system' }
  let room: RoomListing | undefined
  let client: RoomClient | undefined
  let offs: (() => void)[] = []
  let messages: ChatMessage[] = []
  let members: Member[] = []

  const session = (): SessionState => {
    if (!client) return { connection: { status: 'closed' } }
    const s: SessionState = { connection: client.state }
    if (client.room) s.room = { id: client.room.id, name: client.room.name }
    else if (room) s.room = { id: room.id, name: room.name }
    if (client.you) s.you = client.you
    if (chooser.current) s.transport = chooser.current
    return s
  }
  const emitSession = () => events.emit('session', session())

  const save = () => {
    const position = client?.position
    if (!position || !client?.room) return
    write(KEY.room(client.room.id), {
      epoch: position.epoch,
      after: position.after,
      messages: messages.slice(-KEPT_MESSAGES),
    } satisfies RoomCache)
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
      const cache = read<RoomCache>(KEY.room(s.id))
      if (cache?.epoch === s.epoch && messages.length === 0) messages = cache.messages
      events.emit('rooms', { kind: 'up', room })
    } catch {
      events.emit('error', { code: 'unreachable', message: 'The room host did not answer.' })
    }
  })()

  chooser.on('transport', () => emitSession())

  const leave = () => {
    for (const off of offs) off()
    offs = []
    client?.close()
    client = undefined
    members = []
  }

  const handlers: BridgeHandlers = {
    async getSnapshot(): Promise<Snapshot> {
      await roomLoaded
      return {
        profile: { ...profile },
        capabilities: CAPABILITIES,
        rooms: room ? [room] : [],
        hosting: { status: 'off' },
        session: session(),
        members,
        messages,
        outbox: client?.outbox ?? [],
      }
    },
    getProfile: () => ({ ...profile }),
    setProfile(patch) {
      if (patch.name !== undefined) write(KEY.name, (profile.name = patch.name))
      if (patch.theme !== undefined) write(KEY.theme, (profile.theme = patch.theme))
      events.emit('profile', { ...profile })
      return { ...profile }
    },
    hostRoom() {
      throw new BeaconError('bad_argument', 'A browser cannot host a room: use the Beacon app.')
    },
    stopHosting: () => ({ status: 'off' }),
    async joinRoom(_target, opts) {
      await roomLoaded
      if (!room) throw new BeaconError('unreachable', 'The room host did not answer.')
      if (!profile.name) throw new BeaconError('bad_argument', 'Choose a display name first.')
      leave()
      const cache = read<RoomCache>(KEY.room(room.id))
      const c = new RoomClient({
        url: wsUrl,
        name: profile.name,
        clientId: clientId!,
        WebSocket: chooser.WebSocket,
        ...(opts?.password ? { password: opts.password } : {}),
        ...(cache ? { resume: { epoch: cache.epoch, after: cache.after } } : {}),
      })
      client = c
      offs = [
        c.on('state', () => emitSession()),
        c.on('welcome', () => emitSession()),
        c.on('history', (h) => {
          messages = h.reset ? [...h.messages] : [...messages, ...h.messages.filter((m) => m.seq > (messages.at(-1)?.seq ?? 0))]
          save()
          events.emit('history', h)
        }),
        c.on('message', (m) => {
          messages.push(m)
          if (messages.length > KEPT_MESSAGES * 2) messages = messages.slice(-KEPT_MESSAGES)
          save()
          events.emit('message', m)
        }),
        c.on('members', (ms) => {
          events.emit('members', (members = ms))
          if (room && room.members !== ms.length) events.emit('rooms', { kind: 'update', room: (room = { ...room, members: ms.length }) })
        }),
        c.on('typing', (m) => events.emit('typing', m)),
        c.on('outbox', (o) => events.emit('outbox', o)),
        c.on('error', (e) => events.emit('error', { code: e.code, message: e.message })),
      ]
      c.connect()
      return session()
    },
    leaveRoom() {
      leave()
      emitSession()
      return null
    },
    send(text) {
      if (!client) throw new BeaconError('not_connected', 'Join the room first.')
      return client.send(text)
    },
    retry(id) {
      client?.retry(id)
      return null
    },
    discard(id) {
      client?.discard(id)
      return null
    },
    setTyping() {
      client?.typing()
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
