// A chat message for unit tests of what is built from messages (counts, conversations, the window): seq, sender
// and whatever else the test is about; the rest is filled in the same way everywhere.
import type { ChatMessage, Member } from '../../src/shared/protocol.ts'

export const chatMessage = (seq: number, from: Member, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  type: 'message',
  seq,
  id: `id${seq}`,
  from,
  text: `m${seq}`,
  ts: 1_000 + seq,
  ...extra,
})
