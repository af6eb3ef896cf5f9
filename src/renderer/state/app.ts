// The UI's whole model of the app, as one reducer composed of the per-concern ones. Every change comes from
// a bridge event or a snapshot; the UI never guesses state the app did not report. Pure.
import type {
  BridgeEvents,
  Capabilities,
  DownloadState,
  HostingState,
  JoinedRoom,
  NotificationSettings,
  Profile,
  SessionState,
  Snapshot,
  WindowState,
} from '../../shared/bridge.ts'
import { appendLive, appendPage, prependPage } from '../../shared/message-window.ts'
import type { ChatMessage, Member } from '../../shared/protocol.ts'
import { raiseReadPosition, withoutRoom, type ReadPositions } from '../../shared/read-positions.ts'
import type { OutboxEntry } from '../../shared/room-client.ts'
import { conversationOf, markOpenSeen, openConversation, type ConversationsState } from './conversations.ts'
import { mentionsYou } from './mentions.ts'
import { mergeMessages, type MessagesState } from './messages.ts'
import { applyRoomEvent, sortRooms, type RoomsState } from './rooms.ts'
import { expireTyping, noteTyping, type TypingState } from './typing.ts'
import { applyUpload, type UploadItem, type UploadsAction } from './uploads.ts'

export interface AppState {
  loaded: boolean
  profile: Profile
  capabilities: Capabilities
  rooms: RoomsState
  hosting: HostingState
  session: SessionState
  members: readonly Member[]
  messages: MessagesState
  /** Where the messages held sit in the room's log (the service's window, mirrored). */
  window: WindowState
  outbox: readonly OutboxEntry[]
  typing: TypingState
  /** Files this page is uploading (the UI's own work, not the app's). */
  uploads: readonly UploadItem[]
  /** The desktop app's downloads (always empty in the browser client, where the browser saves files). */
  downloads: readonly DownloadState[]
  /** The reader is looking at the room (the page visible, the list at its latest message). */
  reading: boolean
  /** Messages that mention the reader, arrived while they were not reading (the tab title, later the sidebar's badge). */
  mentionsUnread: number
  /** Per room id, the last seq the reader has seen there (kept by the app across restarts; only raised). */
  readUpTo: ReadPositions
  /** Do-not-disturb and each room's notification level (the settings dialog, the room's menu). */
  notifications: NotificationSettings
  /** Per room id: its conversations (the room and its direct messages), which one is shown, what was seen. */
  conversations: ConversationsState
  /** The rooms the desktop app is in, with their counts (always empty in the browser client). */
  joined: readonly JoinedRoom[]
  /** Another room is shown and its history has not arrived yet: the list waits for it rather than saying "no messages". */
  awaitingHistory: boolean
  /** A message to bring into view and highlight (a clicked notification), until the message list has done so. */
  target?: MessageTarget
}

/** `n` tells two clicks on the same message apart: each one scrolls to it again. */
export interface MessageTarget {
  roomId: string
  seq: number
  n: number
}

export const initialState: AppState = {
  loaded: false,
  profile: { name: '', theme: 'system' },
  capabilities: { hosting: false, discovery: false, notifications: false, joinByAddress: false, saveFiles: false, severalRooms: false },
  rooms: [],
  hosting: { status: 'off' },
  session: { connection: { status: 'closed' } },
  members: [],
  messages: [],
  window: { start: false, end: true },
  outbox: [],
  typing: [],
  uploads: [],
  downloads: [],
  reading: true,
  mentionsUnread: 0,
  readUpTo: {},
  conversations: {},
  notifications: { doNotDisturb: false, rooms: {}, previewsInPasswordRooms: false },
  joined: [],
  awaitingHistory: false,
}

export type AppAction =
  | { type: 'snapshot'; snapshot: Snapshot }
  | { type: 'rooms'; event: BridgeEvents['rooms'] }
  | { type: 'history'; event: BridgeEvents['history'] }
  | { type: 'message'; message: BridgeEvents['message']; now: number }
  | { type: 'outbox'; outbox: OutboxEntry[] }
  | { type: 'members'; members: Member[] }
  | { type: 'typing'; member: Member; now: number }
  | { type: 'typingExpire'; now: number }
  | { type: 'session'; session: SessionState }
  | { type: 'hosting'; hosting: HostingState }
  | { type: 'profile'; profile: Profile }
  | { type: 'downloads'; downloads: DownloadState[] }
  | { type: 'reading'; reading: boolean }
  /** Seen up to `seq` in the conversation whose read key is `key` (readKey: the room's id, or its id and a partner's). */
  | { type: 'read'; key: string; seq: number }
  | { type: 'joined'; joined: JoinedRoom[] }
  | { type: 'notifications'; notifications: NotificationSettings }
  /** A clicked notification: show the conversation its message is in (a DM's, or the room's). */
  | { type: 'openMessage'; roomId: string; seq: number }
  | { type: 'openConversation'; roomId: string; key: string }
  /** The message list has brought the target into view (or it cannot be found). */
  | { type: 'targetDone'; n: number }
  | UploadsAction

export function appReducer(state: AppState, action: AppAction): AppState {
  const reduced =
    action.type === 'openConversation'
      ? { ...state, conversations: openConversation(state.conversations, action.roomId, action.key) }
      : reduce(state, action)
  const next = reduced.messages === state.messages ? reduced : forgetRestartedLog(reduced)
  // What the reader looks at while reading is seen, in the conversation shown.
  const roomId = next.session.room?.id
  if (!next.reading || roomId === undefined) return next
  if (next.messages === state.messages && next.reading === state.reading && next.conversations === state.conversations) return next
  const conversations = markOpenSeen(next.conversations, roomId, next.messages, next.session.you?.id)
  return conversations === next.conversations ? next : { ...next, conversations }
}

function reduce(state: AppState, action: Exclude<AppAction, { type: 'openConversation' }>): AppState {
  switch (action.type) {
    case 'snapshot': {
      const s = action.snapshot
      return {
        loaded: true,
        profile: s.profile,
        capabilities: s.capabilities,
        rooms: sortRooms(s.rooms),
        hosting: s.hosting,
        session: s.session,
        members: s.members,
        messages: mergeMessages([], s.messages, true),
        window: s.window,
        outbox: s.outbox,
        typing: [],
        uploads: state.uploads,
        downloads: s.downloads,
        reading: state.reading,
        mentionsUnread: 0,
        readUpTo: laterOf(state.readUpTo, s.readUpTo),
        conversations: state.conversations,
        notifications: s.notifications,
        joined: s.joined,
        awaitingHistory: false,
        ...(state.target ? { target: state.target } : {}),
      }
    }
    case 'joined':
      return { ...state, joined: action.joined }
    case 'rooms':
      return { ...state, rooms: applyRoomEvent(state.rooms, action.event) }
    case 'history': {
      const { messages, reset, start, end } = action.event
      if (reset) return { ...state, messages: mergeMessages([], messages, true), window: { start, end }, awaitingHistory: false }
      // A page: older ones go in front, newer ones at the end, by the same rules as the service's window.
      const held = { messages: state.messages, ...state.window }
      const older = messages.length > 0 && state.messages.length > 0 && messages.at(-1)!.seq < state.messages[0]!.seq
      const w = older ? prependPage<ChatMessage>(held, messages, start) : appendPage<ChatMessage>(held, messages, end)
      // Newer messages (a resume's catch-up) may mention the reader; older pages are history they saw before.
      const mentions = older ? 0 : countMentions(state, messages)
      return { ...state, messages: w.messages, window: { start, end }, mentionsUnread: state.mentionsUnread + mentions }
    }
    case 'message': {
      const w = appendLive<ChatMessage>({ messages: state.messages, ...state.window }, action.message)
      return {
        ...state,
        messages: w.messages,
        window: { start: w.start, end: w.end },
        typing: expireTyping(state.typing, action.now, action.message.from.id),
        mentionsUnread: state.mentionsUnread + countMentions(state, [action.message]),
      }
    }
    case 'outbox':
      return { ...state, outbox: action.outbox }
    case 'members':
      return { ...state, members: action.members }
    case 'typing':
      if (action.member.id === state.session.you?.id) return state
      return { ...state, typing: noteTyping(state.typing, action.member, action.now) }
    case 'typingExpire': {
      const typing = expireTyping(state.typing, action.now)
      return typing === state.typing ? state : { ...state, typing }
    }
    case 'session': {
      const next = action.session
      const shown = state.session.room?.id
      // Left the room (or never got in): what was shown belongs to it.
      if (next.room === undefined && next.connection.status === 'closed' && shown !== undefined) {
        return { ...state, session: next, ...roomCleared, awaitingHistory: false }
      }
      // Another joined room is shown (the desktop app says so before it sends that room's history, members and
      // outbox): nothing of the one shown before may stay on screen meanwhile.
      if (shown !== undefined && next.room !== undefined && next.room.id !== shown) {
        return { ...state, session: next, ...roomCleared, awaitingHistory: true }
      }
      if (next.room?.id !== shown) return { ...state, session: next, typing: [], mentionsUnread: 0 }
      return { ...state, session: next }
    }
    case 'hosting':
      return { ...state, hosting: action.hosting }
    case 'profile':
      return { ...state, profile: action.profile }
    case 'downloads':
      return { ...state, downloads: action.downloads }
    case 'notifications':
      return { ...state, notifications: action.notifications }
    case 'openMessage': {
      if (action.roomId !== state.session.room?.id) return state
      const target = { roomId: action.roomId, seq: action.seq, n: (state.target?.n ?? 0) + 1 }
      const m = state.messages.find((x) => x.seq === action.seq)
      // Not held: worth looking for only among the older pages (the message list loads them); a newer one is gone.
      if (!m) return olderThanHeld(state, action.seq) ? { ...state, target } : state
      const key = conversationOf(m, state.session.you?.id)
      return { ...state, target, conversations: openConversation(state.conversations, action.roomId, key) }
    }
    case 'targetDone': {
      if (state.target?.n !== action.n) return state
      const { target: _done, ...rest } = state
      return rest
    }
    case 'reading':
      if (action.reading === state.reading) return state
      return { ...state, reading: action.reading, mentionsUnread: action.reading ? 0 : state.mentionsUnread }
    case 'read': {
      const readUpTo = raiseReadPosition(state.readUpTo, action.key, action.seq)
      return readUpTo === state.readUpTo ? state : { ...state, readUpTo }
    }
    case 'uploadAdd':
    case 'uploadUpdate':
    case 'uploadRemove':
      return { ...state, uploads: applyUpload(state.uploads, action) }
  }
}

/**
 * A room whose log started over (its host's history was lost: same id, new seqs): its latest message is older than
 * where the reader had read, which no log that only grows allows. Where they read, there and in its direct
 * conversations, meant other messages: forgotten, as the app forgets it, so what comes now is new and is marked read.
 */
function forgetRestartedLog(state: AppState): AppState {
  const roomId = state.session.room?.id
  const last = state.messages.at(-1)
  if (roomId === undefined || last === undefined || !state.window.end) return state
  if ((state.readUpTo[roomId] ?? -1) <= last.seq) return state
  const rc = state.conversations[roomId]
  return {
    ...state,
    readUpTo: withoutRoom(state.readUpTo, roomId),
    conversations: rc ? { ...state.conversations, [roomId]: { ...rc, seen: {} } } : state.conversations,
  }
}

/** What the room shown had on screen, gone when it is no longer shown. */
const roomCleared = {
  messages: [],
  window: initialState.window,
  members: [],
  outbox: [],
  typing: [],
  mentionsUnread: 0,
} satisfies Partial<AppState>

/** Whether `seq` comes before every message held, with older pages still to load. */
function olderThanHeld(state: AppState, seq: number): boolean {
  const first = state.messages[0]
  return !state.window.start && (first === undefined || seq < first.seq)
}

/** The read positions of both: a snapshot may be older than what this page has already seen. */
function laterOf(mine: ReadPositions, theirs: ReadPositions): ReadPositions {
  let out = theirs
  for (const [roomId, seq] of Object.entries(mine)) out = raiseReadPosition(out, roomId, seq)
  return out
}

/** Messages newer than those held that mention the reader, counted only while they are not reading. */
function countMentions(state: AppState, incoming: readonly ChatMessage[]): number {
  if (state.reading) return 0
  const youId = state.session.you?.id
  const last = state.messages.at(-1)?.seq ?? -1
  return incoming.filter((m) => m.seq > last && mentionsYou(m, youId)).length
}

/**
 * Whether the user is in (or getting back into) a room, so the chat view shows. A join that was refused
 * (closed with a reason, never welcomed: no `you`) is not: it is reported where the user tried to join.
 */
export function inRoom(session: SessionState): boolean {
  const c = session.connection
  if (c.status !== 'closed') return true
  return c.reason !== undefined && session.you !== undefined
}
