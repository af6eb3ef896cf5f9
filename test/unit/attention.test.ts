import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Attention, stopHostingQuestion } from '../../src/main/app/attention.ts'
import type { ChatMessage } from '../../src/shared/protocol.ts'

const msg = (from: string, text = 'hi', seq = 1): ChatMessage => ({
  type: 'message',
  seq,
  id: `m${seq}`,
  from: { id: from, name: from.toUpperCase() },
  text,
  ts: 0,
})

describe('getting the user’s attention', () => {
  it('notifies and counts unread for messages from others while the window is in the background', () => {
    const counts: number[] = []
    const a = new Attention((n) => counts.push(n))
    assert.deepEqual(a.message(msg('bob', 'lunch?'), 'me', 'Lunch', false), { title: 'BOB in Lunch', body: 'lunch?' })
    a.message(msg('bob', 'now', 2), 'me', 'Lunch', false)
    assert.equal(a.unread, 2)
    a.clear()
    assert.deepEqual(counts, [1, 2, 0])
  })

  it('stays quiet for your own messages and while the window is focused', () => {
    const a = new Attention(() => {})
    assert.equal(a.message(msg('me'), 'me', 'Lunch', false), undefined)
    assert.equal(a.message(msg('bob'), 'me', 'Lunch', true), undefined)
    assert.equal(a.unread, 0)
  })

  it('shortens long messages in the notification', () => {
    const n = new Attention(() => {}).message(msg('bob', 'x'.repeat(500)), 'me', undefined, false)
    assert.equal(n?.body.length, 200)
    assert.equal(n?.title, 'BOB')
  })

  it('asks before stopping a room that people are in, naming how many', () => {
    assert.match(stopHostingQuestion(1, false).detail, /^1 person is still in it/)
    assert.match(stopHostingQuestion(3, true).detail, /^3 people are/)
    assert.equal(stopHostingQuestion(3, true).confirm, 'Quit')
  })
})
