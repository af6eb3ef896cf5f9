// The desktop app's joined rooms: the sidebar's counts for a room not shown, and the list a restart rejoins.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { roomCounts } from '../../src/main/rooms/counts.ts'
import { Settings } from '../../src/main/settings.ts'
import type { ChatMessage } from '../../src/shared/protocol.ts'
import { readKey } from '../../src/shared/read-positions.ts'
import { chatMessage } from '../helpers/messages.ts'

const ME = 'me'
const msg = (seq: number, from: string, extra: Partial<ChatMessage> = {}): ChatMessage => chatMessage(seq, { id: from, name: from }, extra)

describe("a joined room's counts", () => {
  const held = [
    msg(1, 'bob'),
    msg(2, ME),
    msg(3, 'bob', { mentions: [ME] }),
    msg(4, 'bob', { to: ME }),
    msg(5, ME, { to: 'bob' }),
    msg(6, 'cy'),
    msg(7, 'cy', { to: ME }),
  ]

  it('counts room messages from others after the read position, and mentions and DMs to you', () => {
    assert.deepEqual(roomCounts('r', { messages: held, start: true }, ME, {}), { unread: 3, mentions: 3 })
    assert.deepEqual(roomCounts('r', { messages: held, start: true }, ME, { r: 3 }), { unread: 1, mentions: 2 })
  })

  it("a DM conversation's own read position clears its messages, not the room's", () => {
    const read = { r: 6, [readKey('r', 'bob')]: 4 }
    assert.deepEqual(roomCounts('r', { messages: held, start: true }, ME, read), { unread: 0, mentions: 1 })
  })

  it('says there may be more unread than held when the held messages start after the read position', () => {
    const tail = held.slice(5)
    assert.deepEqual(roomCounts('r', { messages: tail, start: false }, ME, { r: 1 }), { unread: 1, unreadMore: true, mentions: 1 })
    assert.deepEqual(roomCounts('r', { messages: tail, start: false }, ME, { r: 5 }), { unread: 1, mentions: 1 })
  })
})

describe('the joined rooms kept for the next start', () => {
  const dirs: string[] = []
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'beacon-joined-'))
    dirs.push(d)
    return d
  }
  const entry = (id: string) => ({ id, name: id.toUpperCase(), passwordRequired: false, address: { address: '127.0.0.1', port: 4000 } })

  it('keeps the rooms and the one shown, and never a password', () => {
    const d = dir()
    new Settings(d).setJoined([entry('a'), { ...entry('b'), passwordRequired: true }], 'b')
    const again = new Settings(d).joined
    assert.deepEqual(
      again.rooms.map((r) => r.id),
      ['a', 'b'],
    )
    assert.equal(again.shown, 'b')
    assert.doesNotMatch(readFileSync(join(d, 'settings.json'), 'utf8'), /password"/)
  })

  it('an unreadable entry costs only itself', () => {
    const d = dir()
    const s = new Settings(d)
    s.setJoined([entry('a')], 'a')
    const file = JSON.parse(readFileSync(s.file, 'utf8'))
    file.joined = [
      { id: 'x'.repeat(500) },
      entry('a'),
      'nonsense',
      { ...entry('c'), address: { address: '127.0.0.1', port: 0 } },
      entry('d'),
    ]
    writeFileSync(s.file, JSON.stringify(file))
    const read = new Settings(d)
    assert.deepEqual(
      read.joined.rooms.map((r) => r.id),
      ['a', 'd'],
    )
    assert.equal(read.profile.name, '', 'the rest of the settings are read as before')
  })
})
