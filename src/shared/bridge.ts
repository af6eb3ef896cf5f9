// The BeaconBridge contract: what the UI sees as `window.beacon`. One declaration of every method (with
// a zod schema for its arguments) and every event; the preload, ipc.ts and the test harness all derive
// from it, so adding a method is one edit here plus its handler in app-service.ts; adding an event is one
// edit to BridgeEvents and BRIDGE_EVENTS (the type check fails until both, and every subscriber, agree).
import { z } from 'zod'
import type { ErrorCode } from './errors.ts'
import { FileRef, LIMITS, MessageId, MessageText, Name, RoomIdText, type ChatMessage, type Member } from './protocol.ts'
import type { BridgeEvent, BridgeEvents } from './bridge-events.ts'
import type { ConnectionState, OutboxEntry } from './room-client.ts'

export const Theme = z.enum(['system', 'light', 'dark'])
export type Theme = z.infer<typeof Theme>
export const Password = z.string().min(1).max(128)
/** A room id from the list, or an address typed by the user: `host:port` or `http://host:port/`. */
export const RoomTarget = z.string().trim().min(1).max(300)

export interface Profile {
  /** Empty until the first run asked for it. */
  name: string
  theme: Theme
}

export interface Capabilities {
  hosting: boolean
  discovery: boolean
  notifications: boolean
  /** "Join by address…": the browser client only joins the room of the host that served it. */
  joinByAddress: boolean
  /** Files are saved by the app (Downloads folder, progress, "Show in folder"); the browser client links to them instead. */
  saveFiles: boolean
  /** In several rooms at once (`joined`, `openRoom`); the browser client is in the one room that served it. */
  severalRooms: boolean
}
/** What the desktop app can do (the browser build has no hosting, no discovery, no joining elsewhere). */
export const DESKTOP_CAPABILITIES: Capabilities = Object.freeze({
  hosting: true,
  discovery: true,
  notifications: true,
  joinByAddress: true,
  saveFiles: true,
  severalRooms: true,
})

/** A room as the room list shows it. */
export interface RoomListing {
  id: string
  name: string
  host: string
  members: number
  passwordRequired: boolean
  /** `host:port` candidates, best first. */
  addresses: string[]
}

/**
 * A room the desktop app is in (the sidebar's "Your rooms"), in the order the user joined them. Each has its own
 * session; the one shown is `session`, and the room-scoped events (history, message, members, outbox, typing,
 * session) are about it only.
 */
export interface JoinedRoom {
  id: string
  name: string
  /**
   * `live`: connected; `connecting`: joining or reconnecting; `offline`: the host is gone, its history is this
   * device's; `password`: rejoining after a restart needs the password again (it is never stored).
   */
  status: 'live' | 'connecting' | 'offline' | 'password'
  /** Room messages from others after the read position, among those held (`unreadMore`: there may be more). */
  unread: number
  unreadMore?: true
  /** Of the messages from others since what was seen: those mentioning you, and direct messages to you. */
  mentions: number
  /** This app hosts it. */
  hosted: boolean
  passwordRequired: boolean
}

export interface HostingState {
  status: 'off' | 'starting' | 'on'
  room?: { id: string; name: string; passwordRequired: boolean }
  members?: number
}

export interface SessionState {
  connection: ConnectionState
  room?: { id: string; name: string }
  you?: Member
  /** Which transport carries the session (WebSocket in the app; the web client may fall back). */
  transport?: string
  /**
   * The room's file routes as this page reaches them (docs/PROTOCOL-FILES.md): `base` is `/api/files` in the
   * browser client (the host itself) and the app's own proxy to the room's host in the desktop app, so the UI
   * never needs a network origin in its CSP. Absent while not joined or when the host has no files.
   */
  files?: FileAccess
  /**
   * The desktop app: the room's host is gone (stopped or unreachable) and the messages shown are this device's own
   * copy (src/main/local-history), read-only until the host is back.
   */
  hostOffline?: true
}

export interface FileAccess {
  /** Same-origin path prefix: `${base}/uploads` (tus), `${base}/<fileId>` (download). */
  base: string
  /** The member token (query `t` or `Authorization: Bearer`). */
  token: string
  maxFileBytes: number
}

/** A file the desktop app is saving to the Downloads folder. */
export interface DownloadState {
  /** The download's id (one per fileId: asking again while it runs returns the same). */
  id: string
  fileId: string
  name: string
  size: number
  received: number
  status: 'downloading' | 'done' | 'failed' | 'cancelled'
  /** The saved file's name (unique in the folder) once done. */
  savedAs?: string
  error?: string
}

/** Where the messages held (RoomSession's window, at most LIMITS.messageWindow) sit in the room's log. */
export interface WindowState {
  /** The room's first kept message is held: "Beginning of the room". */
  start: boolean
  /** The latest message is held (live messages are added). */
  end: boolean
}

export interface ShareInfo {
  /** `host:port` to type into "Join by address…" */
  address: string
  /** The browser client's link for people without the app. */
  webUrl: string
}

/** A room's notifications: every message, only mentions of you and direct messages to you, or none. */
export const NotificationLevel = z.enum(['all', 'mentions', 'nothing'])
export type NotificationLevel = z.infer<typeof NotificationLevel>
export interface NotificationSettings {
  /** Silences every notification, mentions and direct messages too. */
  doNotDisturb: boolean
  /** Per room id; a room not listed is `all`. */
  rooms: Record<string, NotificationLevel>
  /** Show the message's text in notifications from password-protected rooms (otherwise "New message"). */
  previewsInPasswordRooms: boolean
}

export interface Snapshot {
  profile: Profile
  capabilities: Capabilities
  rooms: RoomListing[]
  hosting: HostingState
  session: SessionState
  members: Member[]
  messages: ChatMessage[]
  window: WindowState
  outbox: OutboxEntry[]
  downloads: DownloadState[]
  notifications: NotificationSettings
  /**
   * Per conversation (readKey: a room id, or a room id and a partner's member id): the last seq the user has seen
   * there (the "New messages" line goes after it; a DM conversation's unread count counts after it).
   */
  readUpTo: Record<string, number>
  /** The rooms the app is in (empty in the browser client); the one shown is `session.room`. */
  joined: JoinedRoom[]
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: { code: ErrorCode; message: string } }

const ProfilePatch = z.object({ name: Name.optional(), theme: Theme.optional() }).strict()
const HostRequest = z.object({ name: Name, password: Password.optional() }).strict()
const JoinOptions = z.object({ password: Password.optional() }).strict()
/** A room's id as the app knows it (from the list, a welcome or this device's history: bounded as there). */
const RoomId = RoomIdText
/** A message's extras (the host checks the ids): a direct message's recipient, the member ids it mentions. */
const SendOptions = z
  .object({ to: z.string().max(64).optional(), mentions: z.array(z.string().max(64)).max(LIMITS.maxMentions).optional() })
  .strict()

/** A change to the notification settings: the rooms listed get their level, the others keep theirs. */
const NotificationPatch = z
  .object({
    doNotDisturb: z.boolean().optional(),
    rooms: z
      .record(z.string().min(1).max(64), NotificationLevel)
      .refine((r) => Object.keys(r).length <= LIMITS.notificationRoomsPerPatch, 'too many rooms')
      .optional(),
    previewsInPasswordRooms: z.boolean().optional(),
  })
  .strict()

/** Every method: its argument schema (a tuple) and, as a type, what it resolves to. */
export const BRIDGE_METHODS = {
  getSnapshot: z.tuple([]),
  getProfile: z.tuple([]),
  setProfile: z.tuple([ProfilePatch]),
  hostRoom: z.tuple([HostRequest]),
  stopHosting: z.tuple([]),
  joinRoom: z.tuple([RoomTarget, JoinOptions.optional()]),
  /** Show a joined room (its history, members and outbox arrive as events, `history` with `reset`). */
  openRoom: z.tuple([RoomId]),
  /** Leave a joined room (the one shown by default); another joined room, if any, is shown instead. */
  leaveRoom: z.tuple([RoomId.optional()]),
  loadOlder: z.tuple([]),
  loadNewer: z.tuple([]),
  send: z.tuple([MessageText, SendOptions.optional()]),
  /**
   * A file already uploaded to a room's host (the UI uploads through `session.files`), with an optional caption,
   * sent in the room it was uploaded to (the room shown by default: the user may have switched meanwhile).
   */
  sendFile: z.tuple([FileRef, MessageText.optional(), RoomId.optional()]),
  downloadFile: z.tuple([FileRef]),
  cancelDownload: z.tuple([z.string().max(128)]),
  /** Reveal a finished download in the file manager (never opens it). */
  showDownload: z.tuple([z.string().max(128)]),
  /** Open a finished download with its default program; an executable or script asks the user first, natively. */
  openDownload: z.tuple([z.string().max(128)]),
  retry: z.tuple([MessageId]),
  discard: z.tuple([MessageId]),
  setTyping: z.tuple([]),
  shareInfo: z.tuple([]),
  openExternal: z.tuple([z.string().max(2048)]),
  setNotifications: z.tuple([NotificationPatch]),
  /** The user has seen a conversation (its readKey) up to this seq: remembered across restarts, only ever raised. */
  markRead: z.tuple([z.string().max(160), z.number().int().nonnegative()]),
} as const

export type BridgeMethod = keyof typeof BRIDGE_METHODS
export type BridgeArgs<M extends BridgeMethod> = z.infer<(typeof BRIDGE_METHODS)[M]>

export interface BridgeResults {
  getSnapshot: Snapshot
  getProfile: Profile
  setProfile: Profile
  hostRoom: HostingState
  stopHosting: HostingState
  joinRoom: SessionState
  openRoom: SessionState
  leaveRoom: null
  /** Scrollback: the page before the oldest message held (it arrives as a `history` event too). */
  loadOlder: WindowState
  /** Back towards the latest, after scrolling so far back that the newest were let go. */
  loadNewer: WindowState
  /** The new message's id (it is in the outbox until acknowledged). */
  send: string
  sendFile: string
  downloadFile: DownloadState
  cancelDownload: null
  showDownload: null
  /** false when the user declined to open a risky file. */
  openDownload: boolean
  retry: null
  discard: null
  setTyping: null
  shareInfo: ShareInfo
  openExternal: null
  setNotifications: NotificationSettings
  markRead: null
}

export { BRIDGE_EVENT_NAMES, BRIDGE_EVENTS, type BridgeEvent, type BridgeEvents, type BridgeListeners } from './bridge-events.ts'

/** `window.beacon`: every method returns a Result, never throws across the boundary. */
export type BeaconBridge = {
  [M in BridgeMethod]: (...args: BridgeArgs<M>) => Promise<Result<BridgeResults[M]>>
} & {
  readonly capabilities: Capabilities
  on<E extends BridgeEvent>(event: E, listener: (payload: BridgeEvents[E]) => void): () => void
}

/** The service side of the contract (app-service.ts, the browser build's adapter): plain async methods. */
export type BridgeHandlers = {
  [M in BridgeMethod]: (...args: BridgeArgs<M>) => Promise<BridgeResults[M]> | BridgeResults[M]
}

/** IPC channel of a method; events travel on one channel as `(event, payload)`. */
export const channelOf = (m: BridgeMethod): string => `beacon:${m}`
export const EVENT_CHANNEL = 'beacon:event'

/** Validate a call's arguments at the trust boundary. */
export function parseArgs<M extends BridgeMethod>(method: M, args: unknown): Result<BridgeArgs<M>> {
  const schema = BRIDGE_METHODS[method] as unknown as z.ZodType<BridgeArgs<M>>
  const r = schema.safeParse(args)
  if (r.success) return { ok: true, value: r.data }
  const issue = r.error.issues[0]
  return {
    ok: false,
    error: {
      code: 'bad_argument',
      message: `${method}: ${issue ? `${issue.path.join('.') || 'arguments'} ${issue.message}` : 'invalid arguments'}`,
    },
  }
}
