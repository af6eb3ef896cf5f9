import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { stopHostingQuestion } from '../../src/main/app/stop-hosting.ts'
import { Notifier } from '../../src/main/notifications/notifier.ts'
import { BadgeCount, noticeFor, notifies, PREVIEW_CHARS, type Notice } from '../../src/main/notifications/policy.ts'
import { soundsTone } from '../../src/renderer/sound.ts'
import { appReducer, initialState } from '../../src/renderer/state/app.ts'
import { ROOM_CONVERSATION } from '../../src/renderer/state/conversations.ts'
import type { NotificationLevel, NotificationSettings } from '../../src/shared/bridge.ts'
import type { ChatMessage } from '../../src/shared/protocol.ts'

const msg = (from: string, text = 'hi', extra: Partial<ChatMessage> = {}, seq = 1): ChatMessage => ({
  type: 'message',
  seq,
  id: `m${seq}`,
  from: { id: from, name: from.toUpperCase() },
  text,
  ts: 0,
  ...extra,
})
const settings = (level?: NotificationLevel, more: Partial<NotificationSettings> = {}): NotificationSettings => ({
  doNotDisturb: false,
  rooms: level ? { r1: level } : {},
  previewsInPasswordRooms: false,
  ...more,
})
const ctx = (s: NotificationSettings, lookingAtRoom = false) => ({ you: 'me', roomId: 'r1', settings: s, lookingAtRoom })
const lunch = { id: 'r1', name: 'Lunch', passwordRequired: false }

describe('which messages notify', () => {
  it('every message from someone else in a room left at the default (all)', () => {
    assert.equal(notifies(msg('bob'), ctx(settings())), true)
  })

  it('never your own message, nor one in the room you are looking at', () => {
    assert.equal(notifies(msg('me'), ctx(settings())), false)
    assert.equal(notifies(msg('bob'), ctx(settings(), true)), false)
    assert.equal(notifies(msg('bob', '@ME', { mentions: ['me'] }), ctx(settings(), true)), false)
  })

  it('a room set to mentions: only a mention of you or a direct message to you', () => {
    const s = settings('mentions')
    assert.equal(notifies(msg('bob'), ctx(s)), false)
    assert.equal(notifies(msg('bob', '@CY', { mentions: ['cy'] }), ctx(s)), false)
    assert.equal(notifies(msg('bob', '@ME', { mentions: ['cy', 'me'] }), ctx(s)), true)
    assert.equal(notifies(msg('bob', 'psst', { to: 'me' }), ctx(s)), true)
  })

  it('a room set to nothing stays silent even for mentions and direct messages', () => {
    const s = settings('nothing')
    assert.equal(notifies(msg('bob', '@ME', { mentions: ['me'] }), ctx(s)), false)
    assert.equal(notifies(msg('bob', 'psst', { to: 'me' }), ctx(s)), false)
  })

  it('do-not-disturb silences everything', () => {
    const s = settings('all', { doNotDisturb: true })
    assert.equal(notifies(msg('bob'), ctx(s)), false)
    assert.equal(notifies(msg('bob', 'psst', { to: 'me' }), ctx(s)), false)
  })

  it('levels are per room: another room keeps its own', () => {
    assert.equal(notifies(msg('bob'), { ...ctx(settings('nothing')), roomId: 'r2' }), true)
  })
})

describe('what a notification says', () => {
  it('the room as title, "Sender: text" as body, one per room, pointing at the message', () => {
    assert.deepEqual(noticeFor(msg('bob', 'lunch?', {}, 7), lunch, false), {
      tag: 'room:r1',
      title: 'Lunch',
      body: 'BOB: lunch?',
      roomId: 'r1',
      seq: 7,
    })
  })

  it('cuts a long message to about 120 characters', () => {
    const n = noticeFor(msg('bob', 'x'.repeat(500)), lunch, false)
    assert.equal(n.body, `BOB: ${'x'.repeat(PREVIEW_CHARS - 1)}…`)
  })

  it('hides the text of a password room unless previews there are allowed', () => {
    const secret = { ...lunch, passwordRequired: true }
    assert.equal(noticeFor(msg('bob', 'the code is 1234'), secret, false).body, 'BOB: New message')
    assert.equal(noticeFor(msg('bob', 'the code is 1234'), secret, true).body, 'BOB: the code is 1234')
  })

  it('names the file of a message that is only a file', () => {
    const file = { fileId: 'a'.repeat(64), sha256: 'a'.repeat(64), name: 'plan.pdf', size: 1, mime: 'application/pdf' }
    assert.equal(noticeFor(msg('bob', '', { file }), lunch, false).body, 'BOB: plan.pdf')
  })
})

describe('the dock badge', () => {
  it('counts unread mentions and direct messages per room until you look at the room', () => {
    const counts: number[] = []
    const b = new BadgeCount((n) => counts.push(n))
    b.message(msg('bob'), 'r1', 'me', false) // not for you: no badge
    b.message(msg('bob', '@ME', { mentions: ['me'] }), 'r1', 'me', false)
    b.message(msg('bob', 'psst', { to: 'me' }), 'r2', 'me', false)
    b.message(msg('bob', 'psst', { to: 'me' }), 'r2', 'me', true) // looking at it
    b.message(msg('me', '@ME', { mentions: ['me'] }), 'r1', 'me', false) // your own
    assert.equal(b.total, 2)
    b.clear('r1')
    b.clear('r1')
    b.clear('r2')
    assert.deepEqual(counts, [1, 2, 1, 0])
  })
})

describe('the notifier', () => {
  it('shows what the policy allows with the settings of the moment, and badges mentions', () => {
    const shown: Notice[] = []
    const badges: number[] = []
    let s = settings()
    const n = new Notifier({ show: (x) => shown.push(x), badge: (c) => badges.push(c), lookingAt: () => false }, () => s)
    n.message(msg('bob', 'one', {}, 1), lunch, 'me')
    s = settings('nothing')
    n.message(msg('bob', '@ME', { mentions: ['me'] }, 2), lunch, 'me')
    assert.deepEqual(
      shown.map((x) => x.seq),
      [1],
    )
    assert.deepEqual(badges, [1])
    n.seen('r1')
    assert.deepEqual(badges, [1, 0])
  })
})

describe('stopping a room people are in', () => {
  it('asks before stopping a room that people are in, naming how many', () => {
    assert.match(stopHostingQuestion(1, false).detail, /^1 person is still in it/)
    assert.match(stopHostingQuestion(3, true).detail, /^3 people are/)
    assert.equal(stopHostingQuestion(3, true).confirm, 'Quit')
  })
})

describe('the browser client’s tone', () => {
  it('sounds for a mention of you or a DM to you, unless do-not-disturb or the room is set to nothing', () => {
    const mention = msg('bob', '@ME', { mentions: ['me'] })
    const dm = msg('bob', 'psst', { to: 'me' })
    assert.equal(soundsTone(mention, 'me', 'r1', settings()), true)
    assert.equal(soundsTone(dm, 'me', 'r1', settings('mentions')), true)
    assert.equal(soundsTone(msg('bob'), 'me', 'r1', settings()), false)
    assert.equal(soundsTone(msg('me', '@ME', { mentions: ['me'] }), 'me', 'r1', settings()), false)
    assert.equal(soundsTone(dm, 'me', 'r1', settings('nothing')), false)
    assert.equal(soundsTone(mention, 'me', 'r1', settings('all', { doNotDisturb: true })), false)
  })
})

describe('notifications in the window’s state', () => {
  const you = { id: 'me', name: 'ME' }
  const joined = appReducer(initialState, {
    type: 'session',
    session: { connection: { status: 'open' }, room: { id: 'r1', name: 'Lunch' }, you },
  })
  const withMessages = appReducer(joined, {
    type: 'history',
    event: { messages: [msg('bob', 'hi', {}, 1), msg('bob', 'psst', { to: 'me' }, 2)], reset: true, start: true, end: true },
  })

  it('takes the settings the app answered', () => {
    const s = appReducer(initialState, { type: 'notifications', notifications: settings('nothing') })
    assert.deepEqual(s.notifications.rooms, { r1: 'nothing' })
  })

  it('a clicked notification of a DM shows that conversation; of a room message, the room', () => {
    const dm = appReducer(withMessages, { type: 'openMessage', roomId: 'r1', seq: 2 })
    assert.equal(dm.conversations['r1']?.open, 'bob')
    const room = appReducer(dm, { type: 'openMessage', roomId: 'r1', seq: 1 })
    assert.equal(room.conversations['r1']?.open, ROOM_CONVERSATION)
  })

  it('ignores a click for another room or a message no longer held', () => {
    assert.equal(appReducer(withMessages, { type: 'openMessage', roomId: 'r2', seq: 2 }), withMessages)
    assert.equal(appReducer(withMessages, { type: 'openMessage', roomId: 'r1', seq: 99 }), withMessages)
  })
})
