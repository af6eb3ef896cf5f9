// Direct-message conversations in the renderer's state: which messages each conversation shows, the
// sidebar's list (the room, then each partner, tagged when names clash) and its unread counts, kept per room.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ChatMessage, Member } from '../../src/shared/protocol.ts'
import type { OutboxEntry } from '../../src/shared/room-client.ts'
import { appReducer, initialState, type AppAction, type AppState } from '../../src/renderer/state/app.ts'
import {
  conversationOf,
  emptyRoomConversations,
  listConversations,
  messagesOf,
  openConversation,
  ROOM_CONVERSATION,
  roomConversations,
} from '../../src/renderer/state/conversations.ts'
import { chatMessage } from '../helpers/messages.ts'

const ann: Member = { id: 'm-ann', name: 'Ann' }
const bo: Member = { id: 'm-bo', name: 'Bo' }
const cy: Member = { id: 'm-cy', name: 'Cy' }
const otherBo: Member = { id: 'm-bo2', name: 'Bo' }

const msg = (seq: number, from: Member, to?: string): ChatMessage => chatMessage(seq, from, to !== undefined ? { to } : {})

/** Bo's view: in room r1, with Ann and Cy. */
function joined(roomId = 'r1'): AppState {
  const s = appReducer(initialState, {
    type: 'session',
    session: { connection: { status: 'open' }, room: { id: roomId, name: 'Lunch' }, you: bo },
  })
  return appReducer(s, { type: 'members', members: [ann, bo, cy] })
}
const live = (state: AppState, m: ChatMessage) => appReducer(state, { type: 'message', message: m, now: 0 })
const open = (state: AppState, key: string, roomId = 'r1'): AppState =>
  appReducer(state, { type: 'openConversation', roomId, key } satisfies AppAction)
const unreadOf = (state: AppState) =>
  Object.fromEntries(
    listConversations(state.messages, roomConversations(state.conversations, state.session.room?.id), state.session.you, state.members).map(
      (c) => [c.key === ROOM_CONVERSATION ? 'room' : c.who!.name, c.unread],
    ),
  )

describe('conversations', () => {
  it('puts a direct message in the conversation with the other member, in both directions, and keeps it out of the room', () => {
    const log = [msg(1, ann), msg(2, ann, bo.id), msg(3, bo, ann.id), msg(4, cy, bo.id), msg(5, bo)]
    assert.equal(conversationOf(log[1]!, bo.id), ann.id)
    assert.equal(conversationOf(log[2]!, bo.id), ann.id)
    assert.deepEqual(
      messagesOf(log, ROOM_CONVERSATION, bo.id).map((m) => m.seq),
      [1, 5],
    )
    assert.deepEqual(
      messagesOf(log, ann.id, bo.id).map((m) => m.seq),
      [2, 3],
    )
    assert.deepEqual(
      messagesOf(log, cy.id, bo.id).map((m) => m.seq),
      [4],
    )
    // The reader's unsent direct message waits in its conversation too, not in the room's.
    const outbox: OutboxEntry[] = [
      { id: 'o1', text: 'hi', to: cy.id, status: 'sending' },
      { id: 'o2', text: 'all', status: 'sending' },
    ]
    assert.deepEqual(
      messagesOf(outbox, cy.id, bo.id).map((e) => e.id),
      ['o1'],
    )
    assert.deepEqual(
      messagesOf(outbox, ROOM_CONVERSATION, bo.id).map((e) => e.id),
      ['o2'],
    )
  })

  it('lists the room, then the partners opened or who wrote, named with a tag when two share a name', () => {
    let rc = openConversation({}, 'r1', cy.id)['r1']!
    rc = { ...rc, open: ROOM_CONVERSATION }
    const items = listConversations([msg(1, ann), msg(2, otherBo, ann.id), msg(3, ann, bo.id)], rc, ann, [ann, bo, cy, otherBo])
    assert.deepEqual(
      items.map((c) => c.key),
      [ROOM_CONVERSATION, cy.id, otherBo.id, bo.id],
    )
    assert.deepEqual(items[1]!.who, { name: 'Cy' })
    assert.equal(items[2]!.who!.tag, 'bo2')
    assert.equal(items[3]!.who!.tag, 'bo')
    // A partner who left is still named from their messages.
    const gone = listConversations([msg(1, otherBo, ann.id)], emptyRoomConversations, ann, [ann])
    assert.deepEqual(gone[1]!.who, { name: 'Bo' })
  })

  it('counts a direct message from someone new as unread in their conversation until it is opened and read', () => {
    let s = live(joined(), msg(1, ann))
    assert.deepEqual(unreadOf(s), { room: 0 })
    s = live(s, msg(2, ann, bo.id))
    s = live(s, msg(3, ann, bo.id))
    assert.deepEqual(unreadOf(s), { room: 0, Ann: 2 })
    s = open(s, ann.id)
    assert.deepEqual(unreadOf(s), { room: 0, Ann: 0 })
    // Now the room is elsewhere: what others write there counts, one's own messages do not.
    s = live(s, msg(4, cy))
    s = live(s, msg(5, bo))
    assert.deepEqual(unreadOf(s), { room: 1, Ann: 0 })
    s = open(s, ROOM_CONVERSATION)
    assert.deepEqual(unreadOf(s), { room: 0, Ann: 0 }, 'read')
    s = live(s, msg(6, ann, bo.id))
    assert.deepEqual(unreadOf(s), { room: 0, Ann: 1 }, 'a new one counts after what was read')
  })

  it('does not mark the shown conversation read while the reader is away, and does when they are back', () => {
    let s = open(live(joined(), msg(1, ann, bo.id)), ann.id)
    s = appReducer(s, { type: 'reading', reading: false })
    s = live(s, msg(2, ann, bo.id))
    s = open(s, ROOM_CONVERSATION)
    assert.deepEqual(unreadOf(s), { room: 0, Ann: 1 }, 'arrived while away')
    s = open(s, ann.id)
    s = appReducer(s, { type: 'reading', reading: true })
    s = open(s, ROOM_CONVERSATION)
    assert.deepEqual(unreadOf(s), { room: 0, Ann: 0 })
  })

  it('keeps each room its own conversations, by room id', () => {
    let s = open(live(joined('r1'), msg(1, ann, bo.id)), ann.id)
    s = appReducer(s, { type: 'session', session: { connection: { status: 'open' }, room: { id: 'r2', name: 'Tea' }, you: bo } })
    assert.equal(roomConversations(s.conversations, 'r2').open, ROOM_CONVERSATION)
    assert.equal(roomConversations(s.conversations, 'r1').open, ann.id)
    assert.deepEqual(roomConversations(s.conversations, 'r1').opened, [ann.id])
  })
})
