// The message window that RoomSession and the UI both hold: the same rules on either side, so the UI shows
// exactly what the service holds, never more than the bound.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ChatMessage } from '../../src/shared/protocol.ts'
import { appendLive, appendPage, emptyWindow, prependPage, type MessageWindow } from '../../src/shared/message-window.ts'
import { appReducer, initialState } from '../../src/renderer/state/app.ts'

const m = (seq: number): ChatMessage => ({ type: 'message', seq, id: `m${seq}`, from: { id: 'a', name: 'A' }, text: `${seq}`, ts: seq })
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => m(from + i))
const seqs = (w: { messages: readonly { seq: number }[] }) => w.messages.map((x) => x.seq)

describe('the message window', () => {
  it('appends live messages and lets the oldest go past the bound (no longer the beginning)', () => {
    let w: MessageWindow<ChatMessage> = { ...emptyWindow<ChatMessage>(), messages: range(1, 3), start: true }
    w = appendLive(w, m(4), 3)
    assert.deepEqual(seqs(w), [2, 3, 4])
    assert.equal(w.start, false)
    assert.equal(appendLive(w, m(4), 3), w, 'a message already held changes nothing')
  })
  it('puts an older page in front and lets the newest go, so live messages wait until the reader comes back', () => {
    let w: MessageWindow<ChatMessage> = { messages: range(5, 8), start: false, end: true }
    w = prependPage(w, range(1, 4), true, 6)
    assert.deepEqual(seqs(w), [1, 2, 3, 4, 5, 6])
    assert.deepEqual([w.start, w.end], [true, false])
    assert.equal(appendLive(w, m(9), 6), w, 'not at the end: a live message is not appended out of order')
    w = appendPage(w, range(7, 9), true, 6)
    assert.deepEqual(seqs(w), [4, 5, 6, 7, 8, 9])
    assert.deepEqual([w.start, w.end], [false, true])
  })
  it('is applied by the UI the same way: a page older than what it shows goes in front', () => {
    let s = appReducer(initialState, { type: 'history', event: { messages: range(101, 200), reset: true, start: false, end: true } })
    s = appReducer(s, { type: 'history', event: { messages: range(1, 100), reset: false, start: true, end: true } })
    assert.deepEqual(
      seqs(s),
      range(1, 200).map((x) => x.seq),
    )
    assert.deepEqual(s.window, { start: true, end: true })
    s = appReducer(s, { type: 'message', message: m(201), now: 0 })
    assert.equal(s.messages.at(-1)?.seq, 201)
  })
})
