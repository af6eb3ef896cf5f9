// The renderer's pure logic: the room list, the message log, the timeline (groups, day separators,
// unsent messages, files and uploads), links, typing, the connection banner, sizes and the theme.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { RoomListing, SessionState, Snapshot } from '../../src/shared/bridge.ts'
import type { ChatMessage, FileRef } from '../../src/shared/protocol.ts'
import { appReducer, inRoom, initialState } from '../../src/renderer/state/app.ts'
import { bannerFor, composerBlockedReason, errorText, secondsUntil } from '../../src/renderer/state/connection.ts'
import { dayLabel, formatBytes, initials } from '../../src/renderer/state/format.ts'
import { fileMime, fileName } from '../../src/renderer/files/send-files.ts'
import { uploadStatus, type UploadItem } from '../../src/renderer/state/uploads.ts'
import { splitMessage } from '../../src/renderer/state/compose.ts'
import { identities, whoLabel } from '../../src/renderer/state/identity.ts'
import { safeHref, splitLinks } from '../../src/renderer/state/links.ts'
import { tabTitle, unreadCount } from '../../src/renderer/state/unread.ts'
import { LIMITS } from '../../src/shared/limits.ts'
import { utf8Length } from '../../src/shared/text.ts'
import { mergeMessages } from '../../src/renderer/state/messages.ts'
import { applyRoomEvent } from '../../src/renderer/state/rooms.ts'
import { resolveTheme } from '../../src/renderer/state/theme.ts'
import { buildTimeline, GROUP_WINDOW_MS } from '../../src/renderer/state/timeline.ts'
import { expireTyping, nextExpiry, noteTyping, throttle, typingText, TYPING_TTL_MS } from '../../src/renderer/state/typing.ts'
import { snapshotWith } from '../helpers/snapshot.ts'

const ana = { id: 'a', name: 'Ana' }
const bo = { id: 'b', name: 'Bo' }
const T0 = new Date(2026, 2, 3, 12, 0, 0).getTime()
const msg = (seq: number, from = ana, ts = T0 + seq * 1000, text = `m${seq}`): ChatMessage => ({
  type: 'message',
  seq,
  id: `id${seq}`,
  from,
  text,
  ts,
})
const room = (id: string, name: string, extra: Partial<RoomListing> = {}): RoomListing => ({
  id,
  name,
  host: 'h',
  members: 1,
  passwordRequired: false,
  addresses: [],
  ...extra,
})

describe('room list', () => {
  it('adds rooms in name order, replaces them on update and removes them on down', () => {
    let rooms = applyRoomEvent([], { kind: 'up', room: room('2', 'lunch') })
    rooms = applyRoomEvent(rooms, { kind: 'up', room: room('1', 'Breakfast') })
    assert.deepEqual(
      rooms.map((r) => r.name),
      ['Breakfast', 'lunch'],
    )
    rooms = applyRoomEvent(rooms, { kind: 'update', room: room('2', 'lunch', { members: 5 }) })
    assert.equal(rooms.length, 2)
    assert.equal(rooms.find((r) => r.id === '2')?.members, 5)
    rooms = applyRoomEvent(rooms, { kind: 'down', room: room('1', 'Breakfast') })
    assert.deepEqual(
      rooms.map((r) => r.id),
      ['2'],
    )
  })
  it('ignores a down for a room it never listed', () => {
    const rooms = [room('1', 'A')]
    assert.equal(applyRoomEvent(rooms, { kind: 'down', room: room('9', 'Z') }), rooms)
  })
})

describe('message log', () => {
  it('appends newer messages and shows an overlapping resume once, in seq order', () => {
    let log = mergeMessages([], [msg(1), msg(2)])
    log = mergeMessages(log, [msg(3)])
    log = mergeMessages(log, [msg(2), msg(3), msg(4)])
    assert.deepEqual(
      log.map((m) => m.seq),
      [1, 2, 3, 4],
    )
    log = mergeMessages(log, [msg(6), msg(5)])
    assert.deepEqual(
      log.map((m) => m.seq),
      [1, 2, 3, 4, 5, 6],
    )
  })
  it('replaces everything on a reset', () => {
    assert.deepEqual(
      mergeMessages([msg(1), msg(2)], [msg(9)], true).map((m) => m.seq),
      [9],
    )
  })
  it('takes 10,000 messages one at a time without trouble', () => {
    let log = mergeMessages([], [])
    const start = performance.now()
    for (let i = 1; i <= 10_000; i++) log = mergeMessages(log, [msg(i)])
    assert.equal(log.length, 10_000)
    assert.ok(performance.now() - start < 5000)
  })
})

describe('timeline', () => {
  it('shows one header per sender run and starts a new one after five minutes', () => {
    const items = buildTimeline({
      messages: [msg(1), msg(2), msg(3, bo), msg(4, bo, T0 + 3000 + GROUP_WINDOW_MS + 1)],
      outbox: [],
      you: bo,
      now: T0,
    })
    const heads = items.flatMap((i) => (i.kind === 'message' ? [[i.id, i.head, i.own]] : []))
    assert.deepEqual(heads, [
      ['id1', true, false],
      ['id2', false, false],
      ['id3', true, true],
      ['id4', true, true],
    ])
  })
  it('puts a day separator before the first message of each day and starts a new group there', () => {
    const nextDay = T0 + 86_400_000
    const items = buildTimeline({ messages: [msg(1), msg(2, ana, nextDay)], outbox: [], now: nextDay })
    assert.deepEqual(
      items.map((i) => i.kind),
      ['day', 'message', 'day', 'message'],
    )
    assert.equal(items[3]?.kind === 'message' && items[3].head, true)
  })
  it("shows unsent messages last, as the sender's own, with their state, and drops them once delivered", () => {
    const outbox = [
      { id: 'id2', text: 'delivered meanwhile', status: 'sending' as const },
      { id: 'x', text: 'pending', status: 'sending' as const },
      { id: 'y', text: 'failed', status: 'failed' as const, error: 'too_large' as const },
    ]
    const items = buildTimeline({ messages: [msg(1, bo), msg(2, bo)], outbox, you: bo, now: T0 + 5000 })
    const messages = items.filter((i) => i.kind === 'message')
    assert.deepEqual(
      messages.map((m) => [m.id, m.status, m.own]),
      [
        ['id1', undefined, true],
        ['id2', undefined, true],
        ['x', 'sending', true],
        ['y', 'failed', true],
      ],
    )
    assert.equal(messages[3]?.kind === 'message' && messages[3].error, 'too_large')
    assert.equal(messages[2]?.kind === 'message' && messages[2].head, false, "grouped with the sender's last message")
  })
})

describe('links', () => {
  it('makes http, https, mailto and bare domains clickable and keeps the rest as text', () => {
    const parts = splitLinks('see https://a.example/x?y=1, mail me@b.com or c.org. ftp://d.com')
    assert.deepEqual(
      parts.filter((p) => p.kind === 'link').map((p) => p.kind === 'link' && p.href),
      ['https://a.example/x?y=1', 'mailto:me@b.com', 'http://c.org/'],
    )
    assert.equal(parts.map((p) => p.text).join(''), 'see https://a.example/x?y=1, mail me@b.com or c.org. ftp://d.com')
  })
  it('never links javascript:, data: or file: and keeps HTML as literal text', () => {
    const text = '<img src=x onerror=alert(1)> javascript:alert(1) data:text/html,<b>x</b> file:///etc/passwd'
    const parts = splitLinks(text)
    assert.ok(parts.every((p) => p.kind === 'text'))
    assert.equal(parts.map((p) => p.text).join(''), text)
  })
  it('checks hrefs with the URL parser', () => {
    assert.equal(safeHref('https://good.example/'), 'https://good.example/')
    assert.equal(safeHref('JAVASCRIPT:alert(1)'), undefined)
    assert.equal(safeHref('http://'), undefined)
    assert.equal(safeHref('not a url'), undefined)
  })
})

describe('typing', () => {
  it('shows a typist for three seconds after their last notice', () => {
    let t = noteTyping([], ana, 1000)
    t = noteTyping(t, bo, 2000)
    assert.equal(typingText(t), 'Ana and Bo are typing…')
    assert.equal(nextExpiry(t), 1000 + TYPING_TTL_MS)
    t = expireTyping(t, 1000 + TYPING_TTL_MS)
    assert.equal(typingText(t), 'Bo is typing…')
    assert.equal(typingText(expireTyping(t, 2500, 'b')), '', 'a message from the typist ends it')
  })
  it('never says that you are typing, and summarises crowds', () => {
    const many = [ana, bo, { id: 'c', name: 'Cy' }, { id: 'd', name: 'Di' }].reduce(
      (t, m) => noteTyping(t, m, 0),
      noteTyping([], { id: 'me', name: 'Me' }, 0),
    )
    assert.equal(typingText(many, 'me'), 'Ana, Bo and 2 others are typing…')
  })
  it('throttles typing notices, and a reset lets the next one through', () => {
    let now = 0
    let calls = 0
    const t = throttle(
      () => calls++,
      1000,
      () => now,
    )
    t()
    t()
    now = 500
    t()
    assert.equal(calls, 1)
    now = 1000
    t()
    assert.equal(calls, 2)
    t.reset()
    t()
    assert.equal(calls, 3)
  })
})

describe('connection banner', () => {
  const s = (connection: SessionState['connection'], extra: Partial<SessionState> = {}): SessionState => ({ connection, ...extra })
  it('says nothing while connected and lets the composer send', () => {
    assert.equal(bannerFor(s({ status: 'open' })), undefined)
    assert.equal(composerBlockedReason(s({ status: 'open' })), undefined)
  })
  it('counts down to the next attempt while reconnecting, and disables the composer with a reason', () => {
    const b = bannerFor(s({ status: 'reconnecting', attempt: 2, retryAt: 5000 }))
    assert.equal(b?.retryAt, 5000)
    assert.equal(secondsUntil(5000, 2100), 3)
    assert.equal(secondsUntil(5000, 9000), 0)
    assert.match(composerBlockedReason(s({ status: 'reconnecting' })) ?? '', /reconnecting/i)
  })
  it('says the host left, and names password problems', () => {
    assert.equal(bannerFor(s({ status: 'reconnecting', reason: 'host_stopped', retryAt: 1 }))?.title, 'Host left')
    assert.equal(bannerFor(s({ status: 'closed', reason: 'wrong_password' }))?.title, 'Wrong password')
    assert.equal(bannerFor(s({ status: 'closed', reason: 'password_required' }))?.askPassword, true)
  })
  it("prefers the app's own words where they are specific", () => {
    assert.equal(errorText('unreachable', '"Lunch" did not answer'), '"Lunch" did not answer')
    assert.equal(errorText('wrong_password', 'wrong password'), 'Wrong password.')
  })
})

describe('app state', () => {
  const snapshot = snapshotWith({
    rooms: [room('2', 'B'), room('1', 'A')],
    session: { connection: { status: 'open' }, room: { id: 'r', name: 'Lunch' }, you: bo },
    members: [ana, bo],
    messages: [msg(2), msg(1)],
    window: { start: true, end: true },
  })
  it('starts from the snapshot', () => {
    const st = appReducer(initialState, { type: 'snapshot', snapshot })
    assert.equal(st.loaded, true)
    assert.deepEqual(
      st.rooms.map((r) => r.name),
      ['A', 'B'],
    )
    assert.deepEqual(
      st.messages.map((m) => m.seq),
      [1, 2],
    )
  })
  it("forgets the room's messages and members on leaving, and ignores your own typing", () => {
    let st = appReducer(initialState, { type: 'snapshot', snapshot })
    st = appReducer(st, { type: 'typing', member: bo, now: 0 })
    assert.equal(st.typing.length, 0)
    st = appReducer(st, { type: 'typing', member: ana, now: 0 })
    assert.equal(st.typing.length, 1)
    st = appReducer(st, { type: 'session', session: { connection: { status: 'closed' } } })
    assert.deepEqual([st.messages.length, st.members.length, st.typing.length], [0, 0, 0])
    assert.equal(inRoom(st.session), false)
  })
  it('treats a refused join as not in the room, and a room lost mid-session as still shown', () => {
    assert.equal(inRoom({ connection: { status: 'closed', reason: 'wrong_password' }, room: { id: 'r', name: 'X' } }), false)
    assert.equal(inRoom({ connection: { status: 'closed', reason: 'locked_out' }, room: { id: 'r', name: 'X' }, you: bo }), true)
    assert.equal(inRoom({ connection: { status: 'reconnecting', reason: 'host_stopped' }, room: { id: 'r', name: 'X' }, you: bo }), true)
    assert.equal(inRoom({ connection: { status: 'connecting' } }), true)
  })
})

describe('theme and formatting', () => {
  it('follows the system unless overridden', () => {
    assert.equal(resolveTheme('system', true), 'dark')
    assert.equal(resolveTheme('system', false), 'light')
    assert.equal(resolveTheme('light', true), 'light')
    assert.equal(resolveTheme('dark', false), 'dark')
  })
  it('labels days relative to today', () => {
    assert.equal(dayLabel(T0, T0 + 3600_000), 'Today')
    assert.equal(dayLabel(T0, T0 + 86_400_000), 'Yesterday')
    assert.match(dayLabel(T0, T0 + 5 * 86_400_000, 'en-US'), /Tuesday, March 3/)
    assert.match(dayLabel(T0, T0 + 400 * 86_400_000, 'en-US'), /2026/)
  })
  it('makes initials for avatars', () => {
    assert.equal(initials('Ana Lima'), 'AL')
    assert.equal(initials('bo'), 'BO')
    assert.equal(initials('  '), '?')
  })
})

describe('a long message', () => {
  const fits = (p: string) => p.length <= LIMITS.maxTextChars && utf8Length(p) <= LIMITS.maxTextBytes
  const words = (t: string) => t.split(/\s+/).filter(Boolean)

  it('is sent whole: every word, in order, in parts the room accepts, split between paragraphs', () => {
    const paragraph = (i: number) => `Paragraph ${i}. ` + 'lorem ipsum dolor sit amet '.repeat(40).trim()
    const text = Array.from({ length: 12 }, (_, i) => paragraph(i)).join('\n\n')
    assert.ok(text.length > 2 * LIMITS.maxTextChars)
    const parts = splitMessage(text)
    assert.equal(parts.length, 4) // three paragraphs (3,280 characters) each
    assert.ok(parts.every(fits))
    assert.deepEqual(words(parts.join(' ')), words(text))
    for (const p of parts) assert.match(p, /^Paragraph \d+\./, 'each part starts at a paragraph')
  })
  it('splits one long line at spaces, and text without any anywhere but inside a character', () => {
    const line = 'word '.repeat(2000).trim()
    const parts = splitMessage(line)
    assert.ok(parts.every(fits) && parts.every((p) => !p.startsWith(' ') && !p.endsWith(' ')))
    assert.deepEqual(words(parts.join(' ')), words(line))
    const emoji = '😀'.repeat(3000) // 6,000 UTF-16 units, 12,000 bytes: no boundary, and no half emoji
    const cut = splitMessage(emoji)
    assert.ok(cut.length === 2 && cut.every(fits))
    assert.equal(cut.join(''), emoji)
    assert.ok(cut.every((p) => !/^[\udc00-\udfff]|[\ud800-\udbff]$/.test(p)))
  })
  it('keeps to the byte limit too, for scripts of three bytes a character', () => {
    const text = '漢字かな '.repeat(1500) // 7,500 units, 19,500 bytes
    const parts = splitMessage(text, LIMITS.maxTextChars, 4000)
    assert.ok(parts.every((p) => utf8Length(p) <= 4000))
    assert.equal(parts.join(' ').replace(/\s+/g, ' ').trim(), text.trim())
  })
  it('leaves a message that fits alone, and sends nothing for blank text', () => {
    assert.deepEqual(splitMessage('  hello\nthere '), ['  hello\nthere '])
    assert.deepEqual(splitMessage(' \n '), [])
  })
})

describe('who is who', () => {
  it('tags members who share a name, and only them', () => {
    const who = identities([
      { id: '3f2aXYZ', name: 'Ann' },
      { id: '9c1dQRS', name: 'ann' },
      { id: 'b0', name: 'Bo' },
    ])
    assert.equal(whoLabel(who({ id: '3f2aXYZ', name: 'Ann' })), 'Ann · 3f2a')
    assert.equal(whoLabel(who({ id: '9c1dQRS', name: 'ann' })), 'ann · 9c1d')
    assert.deepEqual(who({ id: 'b0', name: 'Bo' }), { name: 'Bo' })
  })
  it('names a sender by their current name, also on messages sent before a rename', () => {
    const who = identities([{ id: 'a1', name: 'Annie' }], [{ id: 'a1', name: 'Ann' }])
    assert.deepEqual(who({ id: 'a1', name: 'Ann' }), { name: 'Annie' })
    // Someone who left keeps the name of their latest message.
    const gone = identities(
      [],
      [
        { id: 'x', name: 'Old' },
        { id: 'x', name: 'New' },
      ],
    )
    assert.deepEqual(gone({ id: 'x', name: 'Old' }), { name: 'New' })
  })
  it('labels the timeline with those names', () => {
    const items = buildTimeline({
      messages: [msg(1, { id: 'a1', name: 'Ann' }), msg(2, { id: 'a2', name: 'Ann' })],
      outbox: [],
      members: [
        { id: 'a1', name: 'Ann' },
        { id: 'a2', name: 'Ann' },
      ],
      now: T0,
    })
    const labels = items.flatMap((i) => (i.kind === 'message' ? [whoLabel(i.who)] : []))
    assert.deepEqual(labels, ['Ann · a1', 'Ann · a2'])
  })
})

describe('the tab title', () => {
  it('shows the room and what others wrote while the reader was away', () => {
    const log = [msg(1, ana), msg(2, bo), msg(3, ana), msg(4, bo)]
    assert.equal(unreadCount(log, undefined, 'a'), 0, 'looking: nothing unread')
    assert.equal(unreadCount(log, 1, 'a'), 2, 'own messages do not count')
    assert.equal(tabTitle('Lunch', 2), '(2) Lunch · Beacon')
    assert.equal(tabTitle('Lunch', 0), 'Lunch · Beacon')
    assert.equal(tabTitle(undefined, 0), 'Beacon')
  })
  it('counts mentions of the reader instead, when there are any', () => {
    assert.equal(tabTitle('Lunch', 5, 2), '(@2) Lunch · Beacon')
    assert.equal(tabTitle('Lunch', 5, 0), '(5) Lunch · Beacon')
  })
})

describe('files', () => {
  const file: FileRef = { fileId: 'f'.repeat(64), sha256: 'f'.repeat(64), name: 'plan.png', size: 48_213, mime: 'image/png' }
  const upload = (id: string, extra: Partial<UploadItem> = {}): UploadItem => ({
    id,
    roomId: 'r',
    name: `${id}.bin`,
    size: 10,
    mime: 'application/octet-stream',
    phase: 'queued',
    progress: 0,
    ...extra,
  })

  it('shows sizes as people read them', () => {
    assert.deepEqual(
      [0, 512, 1024, 48_213, 3 * 1024 ** 2, 1.5 * 1024 ** 3, 2 * 1024 ** 3, 10 * 1024 ** 4].map((n) => formatBytes(n, 'en-US')),
      ['0 B', '512 B', '1 KB', '47 KB', '3 MB', '1.5 GB', '2 GB', '10 TB'],
    )
  })

  it('puts files in messages and the outbox, and uploads under way last, after the unsent messages', () => {
    const items = buildTimeline({
      messages: [{ ...msg(1), text: 'the plan', file }],
      outbox: [{ id: 'o1', text: '', file, status: 'sending' }],
      you: bo,
      now: T0 + 5000,
      uploads: [upload('u1', { phase: 'uploading', progress: 0.5 })],
    })
    assert.deepEqual(
      items.map((i) =>
        i.kind === 'message'
          ? `${i.kind}:${i.id}:${i.file?.name ?? '-'}:${i.status ?? 'sent'}`
          : i.kind === 'upload'
            ? `upload:${i.upload.id}`
            : i.kind,
      ),
      ['day', 'message:id1:plan.png:sent', 'message:o1:plan.png:sending', 'upload:u1'],
    )
  })

  it('tracks uploads by id: added once, updated in place, removed', () => {
    let st = appReducer(initialState, { type: 'uploadAdd', item: upload('a') })
    st = appReducer(st, { type: 'uploadAdd', item: upload('b') })
    st = appReducer(st, { type: 'uploadAdd', item: upload('a', { name: 'again' }) })
    st = appReducer(st, { type: 'uploadUpdate', id: 'a', patch: { phase: 'uploading', progress: 0.42 } })
    assert.deepEqual(
      st.uploads.map((u) => [u.id, u.name, u.phase, uploadStatus(u)]),
      [
        ['a', 'a.bin', 'uploading', 'Uploading… 42%'],
        ['b', 'b.bin', 'queued', 'Waiting…'],
      ],
    )
    assert.equal(uploadStatus(upload('h', { phase: 'hashing', progress: 0.3 })), 'Preparing… 30%')
    st = appReducer(st, { type: 'uploadUpdate', id: 'b', patch: { error: 'This room has no space left for files.' } })
    assert.equal(uploadStatus(st.uploads[1]!), 'This room has no space left for files.')
    st = appReducer(st, { type: 'uploadRemove', id: 'a' })
    assert.deepEqual(
      st.uploads.map((u) => u.id),
      ['b'],
    )
  })

  it('keeps uploads across a new snapshot and takes the app’s downloads from it and its events', () => {
    let st = appReducer(initialState, { type: 'uploadAdd', item: upload('a') })
    const download = { id: 'd1', fileId: file.fileId, name: 'plan.png', size: 10, received: 5, status: 'downloading' as const }
    st = appReducer(st, { type: 'snapshot', snapshot: { ...snapshotOf(), downloads: [download] } })
    assert.deepEqual([st.uploads.length, st.downloads.length], [1, 1])
    st = appReducer(st, { type: 'downloads', downloads: [{ ...download, received: 10, status: 'done', savedAs: 'plan.png' }] })
    assert.equal(st.downloads[0]?.status, 'done')
  })

  it('sends names and types as the host will read them', () => {
    assert.equal(fileName('  notes\n2026.txt '), 'notes 2026.txt')
    assert.equal(fileName('../../etc/passwd'), '.._.._etc_passwd')
    assert.equal(fileName('\u200b'), 'file')
    assert.equal(fileName('x'.repeat(300)).length, LIMITS.maxFileNameChars)
    assert.equal(fileMime('image/PNG'), 'image/png')
    assert.equal(fileMime(''), 'application/octet-stream')
    assert.equal(fileMime('text/plain; charset=utf-8'), 'application/octet-stream')
  })

  it('says what went wrong with a file in words', () => {
    assert.match(errorText('file_not_found'), /does not have that file/)
    assert.equal(
      errorText('quota_full', 'This room’s file storage is full (9 GB of 10 GB used)'),
      'This room’s file storage is full (9 GB of 10 GB used)',
    )
    assert.match(errorText('checksum_mismatch'), /nothing was stored/)
  })
})

/** The browser client's snapshot: none of the desktop app's capabilities. */
const snapshotOf = (): Snapshot => snapshotWith({ capabilities: initialState.capabilities })
