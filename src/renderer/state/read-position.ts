// Where the reader stopped reading a room, and what that makes of the message list: the "New messages"
// divider before the first message from someone else after the read position, and whether that message is
// held at all or still among the older pages. Pure.
import type { ChatMessage } from '../../shared/protocol.ts'

/** Where the "New messages" divider goes. */
export type Divider =
  /** Nothing unread (or the room was never read here: everything is new, no line to draw). */
  | { kind: 'none' }
  /** Before this message (its id), which is held. */
  | { kind: 'before'; id: string }
  /** Before a message not held yet: the unread start among the older pages. */
  | { kind: 'older' }

const NONE: Divider = { kind: 'none' }

/**
 * The divider for a read position `readUpTo` over the messages held (sorted by seq) and whether they reach the
 * room's beginning. The messages held tell where the unread start only if they reach back to the read position:
 * otherwise older pages may hold unread messages before them.
 */
export function dividerOf(
  messages: readonly ChatMessage[],
  readUpTo: number | undefined,
  youId: string | undefined,
  start: boolean,
): Divider {
  if (readUpTo === undefined || messages.length === 0) return NONE
  const last = messages.at(-1)!
  if (last.seq <= readUpTo) return NONE
  if (!start && messages[0]!.seq > readUpTo + 1) return { kind: 'older' }
  for (const m of messages) if (m.seq > readUpTo && m.from.id !== youId) return { kind: 'before', id: m.id }
  return NONE
}

/** The read position after seeing the message `seq`: never lower than it was. */
export function readAfterSeeing(readUpTo: number | undefined, seq: number | undefined): number | undefined {
  if (seq === undefined) return readUpTo
  return readUpTo === undefined || seq > readUpTo ? seq : readUpTo
}

/**
 * Where the divider stands when the reader comes back to the window after it lost their attention: if others
 * wrote after the read position meanwhile, at the read position (those are the new messages); otherwise where
 * it was, so coming back to a room with nothing new keeps the line the reader saw.
 */
export function anchorOnReturn(
  anchor: number | undefined,
  readUpTo: number | undefined,
  messages: readonly ChatMessage[],
  youId: string | undefined,
): number | undefined {
  if (readUpTo === undefined) return anchor
  for (let i = messages.length - 1; i >= 0 && messages[i]!.seq > readUpTo; i--) if (messages[i]!.from.id !== youId) return readUpTo
  return anchor
}

/** The seq of the message with key `key` in the timeline (`m:<id>`), when it is one of the messages held. */
export function seqOfKey(messages: readonly ChatMessage[], key: string | undefined): number | undefined {
  if (key === undefined || !key.startsWith('m:')) return undefined
  const id = key.slice(2)
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.id === id) return messages[i]!.seq
  return undefined
}
