// A joined room's sidebar counts, from the messages its session holds and the read positions the window
// reported (markRead): room messages from others after the room's position, and, among everything from others
// not yet seen where it belongs, mentions of you and direct messages to you. Pure.
import type { ChatMessage } from '../../shared/protocol.ts'
import { readKey, type ReadPositions } from '../../shared/read-positions.ts'

export interface RoomCounts {
  unread: number
  /** Unread messages may lie before those held (the window does not reach back to the read position). */
  unreadMore?: true
  mentions: number
}

export function roomCounts(
  roomId: string,
  held: { messages: readonly ChatMessage[]; start: boolean },
  you: string | undefined,
  read: ReadPositions,
): RoomCounts {
  const at = (key: string) => (Object.hasOwn(read, key) ? read[key]! : -1)
  const roomPos = at(roomId)
  let unread = 0
  let mentions = 0
  for (const m of held.messages) {
    if (m.from.id === you) continue
    if (m.to === undefined) {
      if (m.seq <= roomPos) continue
      unread++
      if (you !== undefined && m.mentions?.includes(you)) mentions++
    } else if (m.to === you && m.seq > at(readKey(roomId, m.from.id))) mentions++
  }
  const first = held.messages[0]
  const more = !held.start && first !== undefined && first.seq > roomPos + 1 && unread > 0
  return { unread, mentions, ...(more ? { unreadMore: true as const } : {}) }
}
