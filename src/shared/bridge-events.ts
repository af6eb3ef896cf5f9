// The bridge's events: every one declared once, with its payload, free of zod so that the UI can import the
// list without the schemas. Forwarders (ipc.ts, the preload, the harness) iterate BRIDGE_EVENTS, and the
// UI's subscription is typed as BridgeListeners, so an event added here fails the type check until every
// side handles it.
import type { ErrorCode } from './errors.ts'
import type { ChatMessage, Member } from './protocol.ts'
import type { DownloadState, HostingState, JoinedRoom, Profile, RoomListing, SessionState, WindowState } from './bridge.ts'
import type { OutboxEntry } from './room-client.ts'

export interface BridgeEvents {
  rooms: { kind: 'up' | 'update' | 'down'; room: RoomListing }
  /**
   * The messages held changed other than by a live `message`: `reset` replaces them all (a join); otherwise
   * `messages` are a page to put in front (older than those held) or at the end (a resume, a newer page),
   * the far end falling out past LIMITS.messageWindow, as in src/shared/message-window.ts.
   */
  history: { messages: ChatMessage[]; reset: boolean } & WindowState
  message: ChatMessage
  outbox: OutboxEntry[]
  members: Member[]
  typing: Member
  session: SessionState
  hosting: HostingState
  profile: Profile
  error: { code: ErrorCode; message: string }
  /** The desktop app's downloads, all of them, whenever one changes (progress at most a few times a second). */
  downloads: DownloadState[]
  /** A clicked notification: show this room at this message (the app has already made it the room shown). */
  openMessage: { roomId: string; seq: number }
  /** The rooms the app is in, with their unread and mention counts, whenever one changes. */
  joined: JoinedRoom[]
}
export type BridgeEvent = keyof BridgeEvents
/** Every event, once: forwarders (ipc.ts, preload, harness) iterate it, so none can miss one. */
export const BRIDGE_EVENTS = {
  rooms: 'a room appeared, changed or left the list',
  history: 'the messages held were replaced or extended',
  message: 'a live message',
  outbox: 'unacknowledged sends',
  members: 'who is in the room',
  typing: 'someone is typing',
  session: 'the room connection',
  hosting: 'the hosted room',
  profile: 'name and theme',
  error: 'something the user should hear about',
  downloads: 'files being saved or saved',
  openMessage: 'a notification was clicked',
  joined: 'the rooms the app is in, and their counts',
} as const satisfies Record<BridgeEvent, string>
export const BRIDGE_EVENT_NAMES = Object.keys(BRIDGE_EVENTS) as BridgeEvent[]
/** A listener for every event: what the UI's subscription is typed as, so it cannot skip one. */
export type BridgeListeners = { [E in BridgeEvent]: (payload: BridgeEvents[E]) => void }
