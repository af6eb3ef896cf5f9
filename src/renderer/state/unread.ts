// The tab title and its unread count: what others wrote while the reader was away (tab hidden, or the
// message list scrolled up from the bottom); mentions of the reader, when there are any, are counted
// instead. Pure.
import type { ChatMessage } from '../../shared/protocol.ts'

export const APP_TITLE = 'Beacon'

/** "(@2) Lunch · Beacon" (mentions of the reader), "(3) Lunch · Beacon", "Lunch · Beacon", or "Beacon" outside a room. */
export function tabTitle(room: string | undefined, unread: number, mentions = 0): string {
  const base = room ? `${room} · ${APP_TITLE}` : APP_TITLE
  return mentions > 0 ? `(@${mentions}) ${base}` : unread > 0 ? `(${unread}) ${base}` : base
}

/** Messages from others after `seenSeq` (undefined: the reader is looking, nothing is unread). */
export function unreadCount(messages: readonly ChatMessage[], seenSeq: number | undefined, youId: string | undefined): number {
  if (seenSeq === undefined) return 0
  let n = 0
  for (let i = messages.length - 1; i >= 0 && messages[i]!.seq > seenSeq; i--) if (messages[i]!.from.id !== youId) n++
  return n
}

/**
 * The title's "@N": in the desktop app, the mentions of the reader and direct messages to them unread across every
 * joined room (as the app counts them); in the browser client, those of its one room while the reader was away.
 */
export function titleMentions(severalRooms: boolean, joined: readonly { mentions: number }[], roomMentions: number): number {
  return severalRooms ? joined.reduce((n, r) => n + r.mentions, 0) : roomMentions
}
