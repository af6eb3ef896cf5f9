// The renderer's state for several rooms at once (the desktop app): the joined rooms and their counts, a switch
// to another room clearing what the one before showed, per-conversation drafts and scroll places, the switching
// keys and the quick switcher's list, DM read positions kept under their own key, a clicked notification's
// message among older pages, the title's "@N" across rooms, and uploads kept to the room they started in.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { JoinedRoom, RoomListing, SessionState } from '../../src/shared/bridge.ts'
import type { ChatMessage, Member } from '../../src/shared/protocol.ts'
import { readKey } from '../../src/shared/read-positions.ts'
import { FileSender } from '../../src/renderer/files/send-files.ts'
import { appReducer, initialState, type AppState } from '../../src/renderer/state/app.ts'
import { conversationReadKey, listConversations, ROOM_CONVERSATION, roomConversations } from '../../src/renderer/state/conversations.ts'
import { draftKey, Drafts, DRAFTS_KEPT } from '../../src/renderer/state/drafts.ts'
import { openingPlace, PLACES_KEPT, ScrollPlaces } from '../../src/renderer/state/scroll-places.ts'
import { switcherItems, switchKey } from '../../src/renderer/state/switching.ts'
import { titleMentions } from '../../src/renderer/state/unread.ts'
import type { UploadsAction } from '../../src/renderer/state/uploads.ts'
import { chatMessage } from '../helpers/messages.ts'
import { snapshotWith } from '../helpers/snapshot.ts'

const ann: Member = { id: 'm-ann', name: 'Ann' }
const bo: Member = { id: 'm-bo', name: 'Bo' }
const msg = (seq: number, from: Member = ann, extra: Partial<ChatMessage> = {}): ChatMessage => chatMessage(seq, from, extra)
const joinedRoom = (id: string, name: string, extra: Partial<JoinedRoom> = {}): JoinedRoom => ({
  id,
  name,
  status: 'live',
  unread: 0,
  mentions: 0,
  hosted: false,
  passwordRequired: false,
  ...extra,
})
const listing = (id: string, name: string): RoomListing => ({ id, name, host: 'h', members: 1, passwordRequired: false, addresses: [] })
const sessionIn = (id: string, name = id): SessionState => ({ connection: { status: 'open' }, room: { id, name }, you: bo })

/** Bo shown room `id` with two messages, Ann present, one unsent message and Ann typing. */
function showing(id: string): AppState {
  let s = appReducer(initialState, { type: 'session', session: sessionIn(id) })
  s = appReducer(s, { type: 'history', event: { messages: [msg(1), msg(2)], reset: true, start: true, end: true } })
  s = appReducer(s, { type: 'members', members: [ann, bo] })
  s = appReducer(s, { type: 'outbox', outbox: [{ id: 'o1', text: 'unsent', status: 'sending' }] })
  return appReducer(s, { type: 'typing', member: ann, now: 0 })
}

describe('the rooms the app is in', () => {
  it('takes the joined rooms from the snapshot, then from each joined event', () => {
    const lunch = joinedRoom('r1', 'Lunch', { unread: 2 })
    let s = appReducer(initialState, {
      type: 'snapshot',
      snapshot: snapshotWith({ session: sessionIn('r1'), window: { start: true, end: true }, joined: [lunch] }),
    })
    assert.deepEqual(s.joined, [lunch])
    s = appReducer(s, { type: 'joined', joined: [lunch, joinedRoom('r2', 'Tea', { mentions: 1 })] })
    assert.deepEqual(
      s.joined.map((r) => r.name),
      ['Lunch', 'Tea'],
    )
  })

  it('clears the messages, members, outbox, typing and mentions of the room shown before when another is shown', () => {
    const before = { ...showing('r1'), mentionsUnread: 3 }
    const s = appReducer(before, { type: 'session', session: sessionIn('r2') })
    assert.equal(s.session.room?.id, 'r2')
    assert.deepEqual([s.messages, s.members, s.outbox, s.typing, s.mentionsUnread], [[], [], [], [], 0])
    assert.equal(s.awaitingHistory, true, 'the list waits for the history rather than saying the room is empty')
    const after = appReducer(s, { type: 'history', event: { messages: [msg(7)], reset: true, start: false, end: true } })
    assert.deepEqual(
      after.messages.map((m) => m.seq),
      [7],
    )
    assert.equal(after.awaitingHistory, false)
  })

  it('keeps what the same room shows when only its connection changes, and a first room’s cached history', () => {
    const s = showing('r1')
    const reconnecting = appReducer(s, {
      type: 'session',
      session: { ...sessionIn('r1'), connection: { status: 'reconnecting', attempt: 1, retryAt: 500 } },
    })
    assert.equal(reconnecting.messages, s.messages)
    // The browser client shows its cached messages before the session names the room.
    let first = appReducer(initialState, { type: 'history', event: { messages: [msg(1)], reset: true, start: false, end: true } })
    first = appReducer(first, { type: 'session', session: sessionIn('r1') })
    assert.equal(first.messages.length, 1)
  })

  it('keeps each room’s open conversation while another room is shown', () => {
    let s = appReducer(showing('r1'), { type: 'openConversation', roomId: 'r1', key: ann.id })
    s = appReducer(s, { type: 'session', session: sessionIn('r2') })
    assert.equal(roomConversations(s.conversations, 'r2').open, ROOM_CONVERSATION)
    s = appReducer(s, { type: 'session', session: sessionIn('r1') })
    assert.equal(roomConversations(s.conversations, 'r1').open, ann.id)
  })
})

describe('read positions of direct conversations', () => {
  it('keeps a DM conversation’s position under its own key, apart from the room’s', () => {
    assert.equal(conversationReadKey('r1', ROOM_CONVERSATION), 'r1')
    assert.equal(conversationReadKey('r1', ann.id), readKey('r1', ann.id))
    assert.notEqual(conversationReadKey('r1', ann.id), conversationReadKey('r1', bo.id))
    let s = appReducer(initialState, { type: 'read', key: conversationReadKey('r1', ann.id), seq: 4 })
    s = appReducer(s, { type: 'read', key: 'r1', seq: 2 })
    assert.deepEqual(s.readUpTo, { [readKey('r1', ann.id)]: 4, r1: 2 })
  })

  it('counts a DM as unread only after the position kept for it (a restart does not make it new again)', () => {
    const log = [msg(1), msg(2, ann, { to: bo.id }), msg(3, ann, { to: bo.id }), msg(4)]
    const rc = roomConversations({}, 'r1')
    const unread = (readUpTo: Record<string, number>) =>
      Object.fromEntries(listConversations(log, rc, bo, [ann], { roomId: 'r1', readUpTo }).map((c) => [c.key || 'room', c.unread]))
    assert.deepEqual(unread({}), { room: 0, [ann.id]: 2 }, 'the room is open: its own count is not shown')
    assert.deepEqual(unread({ [readKey('r1', ann.id)]: 2 }), { room: 0, [ann.id]: 1 })
    assert.deepEqual(unread({ [readKey('r1', ann.id)]: 3 }), { room: 0, [ann.id]: 0 })
    assert.deepEqual(unread({ [readKey('r2', ann.id)]: 3 }), { room: 0, [ann.id]: 2 }, 'another room’s position is not this one’s')
  })
})

describe('a room whose log started over', () => {
  it('forgets where the reader read there (the room and its DMs), when its latest message is older than that', () => {
    let s = appReducer(initialState, { type: 'read', key: 'r1', seq: 500 })
    s = appReducer(s, { type: 'read', key: readKey('r1', ann.id), seq: 480 })
    s = appReducer(s, { type: 'read', key: 'r2', seq: 40 })
    s = appReducer(s, { type: 'session', session: sessionIn('r1') })
    const restarted = appReducer(s, { type: 'history', event: { messages: [msg(1), msg(2)], reset: true, start: true, end: true } })
    assert.deepEqual(restarted.readUpTo, { r2: 40 })
    // The same log, grown: nothing is forgotten; a window that does not reach the latest tells nothing.
    const grown = appReducer(s, { type: 'history', event: { messages: [msg(499), msg(501)], reset: true, start: false, end: true } })
    assert.equal(grown.readUpTo.r1, 500)
    const older = appReducer(s, { type: 'history', event: { messages: [msg(1), msg(2)], reset: true, start: true, end: false } })
    assert.equal(older.readUpTo.r1, 500)
  })
})

describe('drafts', () => {
  it('keeps a draft per room and conversation, and forgets an emptied one', () => {
    const d = new Drafts()
    d.set(draftKey('r1', ROOM_CONVERSATION), { text: 'half a thought', picked: [] })
    d.set(draftKey('r1', ann.id), { text: 'psst @Ann', picked: [ann] })
    d.set(draftKey('r2', ROOM_CONVERSATION), { text: 'tea?', picked: [] })
    assert.equal(d.get(draftKey('r1', ROOM_CONVERSATION)).text, 'half a thought')
    assert.deepEqual(d.get(draftKey('r1', ann.id)), { text: 'psst @Ann', picked: [ann] })
    assert.equal(d.get(draftKey('r2', ROOM_CONVERSATION)).text, 'tea?')
    assert.equal(d.get(draftKey('r3', ROOM_CONVERSATION)).text, '')
    d.set(draftKey('r2', ROOM_CONVERSATION), { text: '', picked: [] })
    assert.equal(d.get(draftKey('r2', ROOM_CONVERSATION)).text, '')
  })

  it('keeps at most DRAFTS_KEPT, dropping the one written longest ago', () => {
    const d = new Drafts()
    for (let i = 0; i <= DRAFTS_KEPT; i++) d.set(`k${i}`, { text: `t${i}`, picked: [] })
    assert.equal(d.get('k0').text, '')
    assert.equal(d.get('k1').text, 't1')
    assert.equal(d.get(`k${DRAFTS_KEPT}`).text, `t${DRAFTS_KEPT}`)
  })
})

describe('scroll places', () => {
  const items = ['d:1', 'm:a', 'm:b', 'm:c'].map((key) => ({ key }))

  it('opens a list left scrolled up at the same item and offset, and one left at its latest at its latest', () => {
    const places = new ScrollPlaces()
    places.set('r1:', { topKey: 'm:b', offset: 12, lastKey: 'm:c' })
    places.set('r2:', undefined)
    assert.deepEqual(openingPlace(places.get('r1:'), items), { index: 2, offset: 12, lastKey: 'm:c' })
    assert.equal(openingPlace(places.get('r2:'), items), undefined)
    // Left scrolled up, then at the latest again: the latest wins.
    places.set('r1:', undefined)
    assert.equal(openingPlace(places.get('r1:'), items), undefined)
  })

  it('opens at the latest when the item it was left at is no longer held', () => {
    assert.equal(openingPlace({ topKey: 'm:gone', offset: 0, lastKey: 'm:c' }, items), undefined)
  })

  it('keeps at most PLACES_KEPT', () => {
    const places = new ScrollPlaces()
    for (let i = 0; i <= PLACES_KEPT; i++) places.set(`k${i}`, { topKey: 'm:a', offset: 0, lastKey: 'm:a' })
    assert.equal(places.get('k0'), undefined)
    assert.ok(places.get(`k${PLACES_KEPT}`))
  })
})

describe('switching keys and the quick switcher', () => {
  const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }> = {}) => ({
    key: k,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    shiftKey: false,
    ...mods,
  })

  it('reads Ctrl+1…9 as the nth room and Ctrl+K as the switcher; ⌘ instead of Ctrl on a Mac', () => {
    assert.deepEqual(switchKey(key('1', { ctrlKey: true }), false), { kind: 'nth', index: 0 })
    assert.deepEqual(switchKey(key('9', { ctrlKey: true }), false), { kind: 'nth', index: 8 })
    assert.deepEqual(switchKey(key('k', { ctrlKey: true }), false), { kind: 'switcher' })
    assert.deepEqual(switchKey(key('K', { metaKey: true }), true), { kind: 'switcher' })
    assert.deepEqual(switchKey(key('3', { metaKey: true }), true), { kind: 'nth', index: 2 })
    assert.equal(switchKey(key('1', { ctrlKey: true }), true), undefined, 'Ctrl+1 on a Mac is not ⌘1')
    assert.equal(switchKey(key('1', { metaKey: true }), false), undefined)
    assert.equal(switchKey(key('0', { ctrlKey: true }), false), undefined)
    assert.equal(switchKey(key('1', { ctrlKey: true, shiftKey: true }), false), undefined)
    assert.equal(switchKey(key('k', { ctrlKey: true, altKey: true }), false), undefined)
    assert.equal(switchKey(key('k'), false), undefined)
  })

  it('lists the joined rooms, then the network’s rooms not joined, filtered by name whatever the case and accents', () => {
    const joined = [joinedRoom('r1', 'Lunch'), joinedRoom('r2', 'Café')]
    const rooms = [listing('r1', 'Lunch'), listing('r3', 'Board'), listing('r4', 'cafeteria')]
    assert.deepEqual(
      switcherItems(joined, rooms, '').map((i) => `${i.kind}:${i.room.name}`),
      ['joined:Lunch', 'joined:Café', 'network:Board', 'network:cafeteria'],
    )
    assert.deepEqual(
      switcherItems(joined, rooms, ' CAFE').map((i) => `${i.kind}:${i.room.name}`),
      ['joined:Café', 'network:cafeteria'],
    )
    assert.deepEqual(switcherItems(joined, rooms, 'zzz'), [])
  })
})

describe('a clicked notification and the title', () => {
  it('looks for a message older than those held among the older pages, and drops the search when told', () => {
    const s = appReducer(initialState, { type: 'session', session: sessionIn('r1') })
    const held = appReducer(s, { type: 'history', event: { messages: [msg(50), msg(51)], reset: true, start: false, end: true } })
    const aimed = appReducer(held, { type: 'openMessage', roomId: 'r1', seq: 10 })
    assert.deepEqual(aimed.target, { roomId: 'r1', seq: 10, n: 1 })
    const again = appReducer(aimed, { type: 'openMessage', roomId: 'r1', seq: 51 })
    assert.deepEqual(again.target, { roomId: 'r1', seq: 51, n: 2 }, 'a held one is aimed at too, and each click anew')
    assert.equal(appReducer(again, { type: 'targetDone', n: 1 }), again, 'an earlier search ending leaves the latest')
    assert.equal(appReducer(again, { type: 'targetDone', n: 2 }).target, undefined)
    const fromStart = appReducer(s, { type: 'history', event: { messages: [msg(50)], reset: true, start: true, end: true } })
    assert.equal(appReducer(fromStart, { type: 'openMessage', roomId: 'r1', seq: 10 }), fromStart, 'nothing older to load')
  })

  it('counts "@N" across the joined rooms in the app, and the room’s own in the browser client', () => {
    const joined = [joinedRoom('r1', 'Lunch', { mentions: 2 }), joinedRoom('r2', 'Tea', { mentions: 1, unread: 5 })]
    assert.equal(titleMentions(true, joined, 0), 3)
    assert.equal(titleMentions(false, [], 4), 4)
  })
})

describe('uploads in several rooms', () => {
  const access = (base: string) => ({ base, token: 't', maxFileBytes: 1_000 })
  const file = (name: string) => new File(['x'], name, { type: 'text/plain' })

  it('tags each upload with the room it started in, and refuses a room without file routes', () => {
    const actions: UploadsAction[] = []
    const sender = new FileSender({ dispatch: (a) => actions.push(a), sendFile: async () => ({ ok: true, value: 'x' }) })
    sender.setAccess('r1', access('/room-files/r1'))
    assert.equal(sender.add('r2', [file('a.txt')]), 'This room does not take files.')
    assert.equal(sender.add('r1', [file('a.txt')]), undefined)
    const added = actions.flatMap((a) => (a.type === 'uploadAdd' ? [a.item] : []))
    assert.deepEqual(
      added.map((u) => [u.name, u.roomId]),
      [['a.txt', 'r1']],
    )
    sender.keepOnly(new Set())
  })

  it('stops the uploads of a room left, and only those', () => {
    const actions: UploadsAction[] = []
    const sender = new FileSender({ dispatch: (a) => actions.push(a), sendFile: async () => ({ ok: true, value: 'x' }) })
    sender.setAccess('r1', access('/room-files/r1'))
    sender.setAccess('r2', access('/room-files/r2'))
    sender.add('r1', [file('one.txt')])
    sender.add('r2', [file('two.txt')])
    const ids = Object.fromEntries(actions.flatMap((a) => (a.type === 'uploadAdd' ? [[a.item.name, a.item.id]] : [])))
    actions.length = 0
    sender.keepOnly(new Set(['r2']))
    assert.deepEqual(actions, [{ type: 'uploadRemove', id: ids['one.txt'] }])
    assert.equal(sender.add('r1', [file('again.txt')]), 'This room does not take files.', 'the room left has no file routes any more')
    sender.keepOnly(new Set())
  })
})
