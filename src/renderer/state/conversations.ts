// The conversations of a room: the room itself and one per direct-message partner. Which one is shown,
// which the reader opened, and up to which seq they have seen each, kept per room id; the messages of one
// conversation and its unread count are derived from the room's messages. Pure.
import type { ChatMessage, Member } from '../../shared/protocol.ts'
import { readKey, type ReadPositions } from '../../shared/read-positions.ts'
import { identities, type Who } from './identity.ts'

/** The room's own conversation; any other key is the partner's member id. */
export const ROOM_CONVERSATION = ''

export interface RoomConversations {
  /** The conversation shown. */
  open: string
  /** Partners the reader opened a conversation with, even before a message was exchanged. */
  opened: readonly string[]
  /** Per conversation, the last seq the reader saw in it (none: nothing seen yet). */
  seen: Readonly<Record<string, number>>
}

/** Keyed by room id. */
export type ConversationsState = Readonly<Record<string, RoomConversations>>

export const emptyRoomConversations: RoomConversations = { open: ROOM_CONVERSATION, opened: [], seen: {} }

/** The conversation a message belongs to, for the reader: the room, or the other member of a DM. */
export function conversationOf(m: { from?: Member; to?: string }, youId: string | undefined): string {
  if (m.to === undefined) return ROOM_CONVERSATION
  return m.from === undefined || m.from.id === youId ? m.to : m.from.id
}

/** The messages (or outbox entries: the reader's) of one conversation: a DM's both directions; the room's without any DM. */
export function messagesOf<M extends { from?: Member; to?: string }>(messages: readonly M[], key: string, youId: string | undefined): M[] {
  return messages.filter((m) => conversationOf(m, youId) === key)
}

export function roomConversations(state: ConversationsState, roomId: string | undefined): RoomConversations {
  return (roomId !== undefined ? state[roomId] : undefined) ?? emptyRoomConversations
}

/** Show `key` in the room; a partner's conversation stays listed from then on. */
export function openConversation(state: ConversationsState, roomId: string, key: string): ConversationsState {
  const rc = roomConversations(state, roomId)
  const opened = key === ROOM_CONVERSATION || rc.opened.includes(key) ? rc.opened : [...rc.opened, key]
  return { ...state, [roomId]: { ...rc, open: key, opened } }
}

/** The reader is looking at the open conversation: everything in it up to its latest message is seen. */
export function markOpenSeen(
  state: ConversationsState,
  roomId: string,
  messages: readonly ChatMessage[],
  youId: string | undefined,
): ConversationsState {
  const rc = roomConversations(state, roomId)
  let last: number | undefined
  for (let i = messages.length - 1; i >= 0; i--) {
    if (conversationOf(messages[i]!, youId) === rc.open) {
      last = messages[i]!.seq
      break
    }
  }
  if (last === undefined || (rc.seen[rc.open] ?? -1) >= last) return state
  return { ...state, [roomId]: { ...rc, seen: { ...rc.seen, [rc.open]: last } } }
}

export interface ConversationItem {
  key: string
  /** The partner (undefined for the room). */
  partner?: Member
  /** How the partner is named: tagged when another member shares the name. */
  who?: Who
  /** Messages from others in it, after what the reader saw there. */
  unread: number
}

/** The read key of a conversation of room `roomId` (the app keeps read positions under it). */
export function conversationReadKey(roomId: string, key: string): string {
  return readKey(roomId, key === ROOM_CONVERSATION ? undefined : key)
}

/** Where the reader's kept read positions put a room's conversations (so DMs seen before a restart stay read). */
export interface StoredSeen {
  roomId: string
  readUpTo: ReadPositions
}

/**
 * The room, then each partner in order of first appearance (the opened ones first, then those who wrote),
 * with unread counts: after what was seen here or, when later, the kept read position. Names come from the
 * members present, else from the messages.
 */
export function listConversations(
  messages: readonly ChatMessage[],
  rc: RoomConversations,
  you: Member | undefined,
  members: readonly Member[],
  stored?: StoredSeen,
): ConversationItem[] {
  const youId = you?.id
  const seen = new Map<string, number>()
  const seenOf = (key: string) => {
    let s = seen.get(key)
    if (s === undefined) {
      const kept = stored ? stored.readUpTo[conversationReadKey(stored.roomId, key)] : undefined
      seen.set(key, (s = Math.max(rc.seen[key] ?? -1, kept ?? -1)))
    }
    return s
  }
  const unread = new Map<string, number>()
  const partners = new Map<string, Member | undefined>()
  for (const id of rc.opened) partners.set(id, undefined)
  const senders: Member[] = []
  for (const m of messages) {
    const key = conversationOf(m, youId)
    if (key !== ROOM_CONVERSATION) {
      if (m.from.id !== youId) {
        senders.push(m.from)
        partners.set(key, m.from)
      } else if (!partners.has(key)) partners.set(key, undefined)
    }
    if (m.from.id !== youId && m.seq > seenOf(key)) unread.set(key, (unread.get(key) ?? 0) + 1)
  }
  const present = you ? [...members, you] : members
  const whoOf = identities(present, senders)
  const byId = new Map(present.map((m) => [m.id, m]))
  const items: ConversationItem[] = [
    { key: ROOM_CONVERSATION, unread: rc.open === ROOM_CONVERSATION ? 0 : (unread.get(ROOM_CONVERSATION) ?? 0) },
  ]
  for (const [id, known] of partners) {
    const partner = byId.get(id) ?? known ?? { id, name: 'Someone' }
    items.push({ key: id, partner, who: whoOf(partner), unread: rc.open === id ? 0 : (unread.get(id) ?? 0) })
  }
  return items
}
