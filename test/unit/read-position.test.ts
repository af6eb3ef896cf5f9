// Where the "New messages" line goes and how the read position moves: before the first message from someone
// else after the position, never before the reader's own, not at all in a room never read or fully read, and
// "among the older pages" when the messages held do not reach back to the position. The position per room
// only rises, and the rooms read least recently are forgotten first.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AppService } from '../../src/main/app-service.ts'
import type { Snapshot } from '../../src/shared/bridge.ts'
import type { ChatMessage, Member } from '../../src/shared/protocol.ts'
import { raiseReadPosition } from '../../src/shared/read-positions.ts'
import { appReducer, initialState } from '../../src/renderer/state/app.ts'
import { anchorOnReturn, dividerOf, readAfterSeeing, seqOfKey } from '../../src/renderer/state/read-position.ts'

const ann: Member = { id: 'ann', name: 'Ann' }
const bo: Member = { id: 'bo', name: 'Bo' }
const msg = (seq: number, from: Member): ChatMessage => ({ type: 'message', id: `m${seq}`, seq, ts: seq * 1000, from, text: `#${seq}` })
const log = (from: number, to: number, who: (seq: number) => Member = () => ann) =>
  Array.from({ length: to - from + 1 }, (_, i) => msg(from + i, who(from + i)))

describe('the "New messages" line', () => {
  it('stands before the first message from someone else after the read position', () => {
    assert.deepEqual(dividerOf(log(1, 40), 10, 'bo', true), { kind: 'before', id: 'm11' })
  })

  it('skips the reader’s own messages after the position (what you wrote is not new to you)', () => {
    const messages = log(1, 20, (s) => (s <= 12 ? bo : ann))
    assert.deepEqual(dividerOf(messages, 10, 'bo', true), { kind: 'before', id: 'm13' })
  })

  it('is not drawn in a room never read here, nor when everything was read, nor when only you wrote since', () => {
    assert.deepEqual(dividerOf(log(1, 5), undefined, 'bo', true), { kind: 'none' })
    assert.deepEqual(dividerOf(log(1, 5), 5, 'bo', true), { kind: 'none' })
    assert.deepEqual(
      dividerOf(
        log(1, 8, (s) => (s > 5 ? bo : ann)),
        5,
        'bo',
        true,
      ),
      { kind: 'none' },
    )
    assert.deepEqual(dividerOf([], 3, 'bo', false), { kind: 'none' })
  })

  it('is among the older pages when the messages held start after the read position', () => {
    assert.deepEqual(dividerOf(log(200, 300), 50, 'bo', false), { kind: 'older' })
    // The held messages reach the position (the next seq is held): the line is among them.
    assert.deepEqual(dividerOf(log(51, 300), 50, 'bo', false), { kind: 'before', id: 'm51' })
    // At the room's beginning nothing older exists.
    assert.deepEqual(dividerOf(log(200, 300), 50, 'bo', true), { kind: 'before', id: 'm200' })
  })
})

describe('the read position', () => {
  it('rises to the message seen and never falls back', () => {
    assert.equal(readAfterSeeing(undefined, 7), 7)
    assert.equal(readAfterSeeing(7, 12), 12)
    assert.equal(readAfterSeeing(12, 7), 12)
    assert.equal(readAfterSeeing(12, undefined), 12)
  })

  it('is found for a timeline key of a message held, and not for outbox or upload rows', () => {
    const messages = log(1, 5)
    assert.equal(seqOfKey(messages, 'm:m3'), 3)
    assert.equal(seqOfKey(messages, 'm:outbox-1'), undefined)
    assert.equal(seqOfKey(messages, 'u:m3'), undefined)
    assert.equal(seqOfKey(messages, undefined), undefined)
  })

  it('moves the line on coming back only when others wrote meanwhile', () => {
    const messages = log(1, 30, (s) => (s === 30 ? bo : ann))
    assert.equal(anchorOnReturn(10, 25, messages, 'bo'), 25, 'Ann wrote 26–29 while Bo was away')
    assert.equal(anchorOnReturn(10, 29, messages, 'bo'), 10, 'only Bo wrote since: the line Bo saw stays')
    assert.equal(anchorOnReturn(10, 30, messages, 'bo'), 10)
    assert.equal(anchorOnReturn(undefined, undefined, messages, 'bo'), undefined)
  })
})

describe('read positions per room', () => {
  it('only rise, and the same object comes back when nothing changes', () => {
    const a = raiseReadPosition({}, 'r1', 5)
    assert.deepEqual(a, { r1: 5 })
    assert.equal(raiseReadPosition(a, 'r1', 5), a)
    assert.equal(raiseReadPosition(a, 'r1', 2), a)
    assert.deepEqual(raiseReadPosition(a, 'r1', 9), { r1: 9 })
  })

  it('forget the room read least recently first', () => {
    let p = raiseReadPosition({}, 'a', 1, 3)
    p = raiseReadPosition(p, 'b', 1, 3)
    p = raiseReadPosition(p, 'c', 1, 3)
    p = raiseReadPosition(p, 'a', 2, 3) // read again: now the most recent
    p = raiseReadPosition(p, 'd', 1, 3)
    assert.deepEqual(Object.keys(p), ['c', 'a', 'd'])
  })

  it('keep a room whose id is "__proto__" as a room, not a prototype', () => {
    const p = raiseReadPosition({}, '__proto__', 4)
    assert.equal(Object.getPrototypeOf(p), Object.prototype)
    assert.deepEqual(Object.entries(p), [['__proto__', 4]])
  })
})

describe('read positions in the app state', () => {
  // A real snapshot (of an app in no room), with the read positions each case needs.
  let dir = ''
  let service: AppService | undefined
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'beacon-read-'))
    service = new AppService({ userDataDir: dir })
  })
  after(async () => {
    await service?.dispose()
    rmSync(dir, { recursive: true, force: true })
  })
  const snapshotOf = (): Snapshot => service!.getSnapshot()

  it('rise per room as the reader reads, and a snapshot does not take back what this page already read', () => {
    let st = appReducer(initialState, { type: 'read', key: 'r1', seq: 9 })
    st = appReducer(st, { type: 'read', key: 'r2', seq: 3 })
    assert.equal(appReducer(st, { type: 'read', key: 'r1', seq: 4 }), st, 'lower: no change at all')
    const snapshot = appReducer(initialState, { type: 'snapshot', snapshot: { ...snapshotOf(), readUpTo: { r1: 5, r3: 8 } } })
    assert.deepEqual(snapshot.readUpTo, { r1: 5, r3: 8 })
    const merged = appReducer(st, { type: 'snapshot', snapshot: { ...snapshotOf(), readUpTo: { r1: 5, r3: 8 } } })
    assert.deepEqual(merged.readUpTo, { r1: 9, r2: 3, r3: 8 })
  })
})
