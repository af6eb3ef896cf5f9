// Mentions in the renderer's pure logic: finding the "@query" being typed, the members it offers, inserting
// one, the ids a message sends, the chips a received message shows, its highlight, and the count of
// mentions of the reader in the app state.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ChatMessage, Member } from '../../src/shared/protocol.ts'
import { LIMITS } from '../../src/shared/limits.ts'
import { appReducer, initialState, type AppState } from '../../src/renderer/state/app.ts'
import {
  insertMention,
  MAX_SUGGESTIONS,
  mentionIds,
  mentionNames,
  mentionQuery,
  mentionsYou,
  splitMentions,
  suggestMembers,
} from '../../src/renderer/state/mentions.ts'
import { buildTimeline } from '../../src/renderer/state/timeline.ts'
import { chatMessage } from '../helpers/messages.ts'
import { snapshotWith } from '../helpers/snapshot.ts'

const ann: Member = { id: 'ann-id', name: 'Ann' }
const annLee: Member = { id: 'annlee-id', name: 'Ann Lee' }
const bo: Member = { id: 'bo-id', name: 'Bo' }
const bob: Member = { id: 'bob-id', name: 'bob' }
const cy: Member = { id: 'cy-id', name: 'Cy' }
const T0 = new Date(2026, 2, 3, 12, 0, 0).getTime()
const msg = (seq: number, from: Member, text: string, mentions?: string[]): ChatMessage =>
  chatMessage(seq, from, { text, ts: T0 + seq * 1000, ...(mentions ? { mentions } : {}) })

describe('typing a mention', () => {
  it('finds the "@query" that ends at the caret', () => {
    assert.deepEqual(mentionQuery('hi @bo', 6), { start: 3, query: 'bo' })
    assert.deepEqual(mentionQuery('@', 1), { start: 0, query: '' })
    assert.deepEqual(mentionQuery('(@An', 4), { start: 1, query: 'An' })
    assert.deepEqual(mentionQuery('hi @bo there', 6), { start: 3, query: 'bo' }, 'the caret in the middle of the text')
  })
  it('offers nothing for an e-mail address, after a space, or with the caret before the "@"', () => {
    assert.equal(mentionQuery('mail ann@example.com', 20), undefined)
    assert.equal(mentionQuery('hi @bo ', 7), undefined)
    assert.equal(mentionQuery('hi @bo', 3), undefined)
    assert.equal(mentionQuery('no at sign', 10), undefined)
    assert.equal(mentionQuery(`@${'x'.repeat(LIMITS.maxNameChars + 1)}`, LIMITS.maxNameChars + 2), undefined, 'longer than any name')
  })
  it('offers the members whose name or a word of it starts with the query, any case, leaving the reader out', () => {
    const members = [ann, annLee, bo, bob, cy]
    assert.deepEqual(
      suggestMembers(members, 'b', ann.id).map((m) => m.name),
      ['Bo', 'bob'],
    )
    assert.deepEqual(
      suggestMembers(members, 'AN', bo.id).map((m) => m.name),
      ['Ann', 'Ann Lee'],
    )
    assert.deepEqual(
      suggestMembers(members, 'lee').map((m) => m.name),
      ['Ann Lee'],
      'a later word of the name',
    )
    assert.deepEqual(
      suggestMembers(members, '', cy.id).map((m) => m.name),
      ['Ann', 'Ann Lee', 'Bo', 'bob'],
    )
    assert.deepEqual(suggestMembers(members, 'zed'), [])
  })
  it('shows a bounded list in a crowded room', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ id: `m${i}`, name: `Member ${i}` }))
    assert.equal(suggestMembers(many, 'mem').length, MAX_SUGGESTIONS)
  })
  it('inserts "@Name " in place of the query and puts the caret after it', () => {
    assert.deepEqual(insertMention('hi @b', { start: 3, query: 'b' }, 'Bo'), { text: 'hi @Bo ', caret: 7 })
    assert.deepEqual(insertMention('@an, see this', { start: 0, query: 'an' }, 'Ann Lee'), { text: '@Ann Lee , see this', caret: 9 })
    assert.deepEqual(insertMention('@b there', { start: 0, query: 'b' }, 'Bo'), { text: '@Bo there', caret: 4 }, 'no doubled space')
  })
})

describe('the mentions a message sends', () => {
  it('are the picked members whose "@Name" is still in the text, once each', () => {
    assert.deepEqual(mentionIds('@Bo and @Cy, and @Bo again', [bo, cy, bo]), [bo.id, cy.id])
    assert.deepEqual(mentionIds('@Cy only', [bo, cy]), [cy.id], 'Bo was deleted from the text')
    assert.deepEqual(mentionIds('@Bob is not @Bo', [bo]), [bo.id])
    assert.deepEqual(mentionIds('@Bob is someone else', [bo]), [], '"@Bo" inside "@Bob" is no mention of Bo')
    assert.deepEqual(mentionIds('write to bo@Bo.example', [bo]), [], 'inside an address')
    assert.deepEqual(mentionIds('hello', []), [])
  })
  it('are at most LIMITS.maxMentions', () => {
    const many = Array.from({ length: LIMITS.maxMentions + 5 }, (_, i) => ({ id: `m${i}`, name: `P${i}` }))
    assert.equal(mentionIds(many.map((m) => `@${m.name}`).join(' '), many).length, LIMITS.maxMentions)
  })
})

describe('a received mention', () => {
  it('is split out of the text as a chip, the longest name first, text staying text', () => {
    const names = mentionNames([ann.id, annLee.id, bo.id], (id) => [ann, annLee, bo].find((m) => m.id === id)?.name, bo.id)
    assert.deepEqual(splitMentions('hey @Ann Lee and @ann, @Bo!', names), [
      { kind: 'text', text: 'hey ' },
      { kind: 'mention', text: '@Ann Lee', id: annLee.id, you: false },
      { kind: 'text', text: ' and ' },
      { kind: 'mention', text: '@ann', id: ann.id, you: false },
      { kind: 'text', text: ', ' },
      { kind: 'mention', text: '@Bo', id: bo.id, you: true },
      { kind: 'text', text: '!' },
    ])
    assert.deepEqual(splitMentions('<b>@Bo</b>', names.slice(2)), [
      { kind: 'text', text: '<b>' },
      { kind: 'mention', text: '@Bo', id: bo.id, you: true },
      { kind: 'text', text: '</b>' },
    ])
  })
  it('of an id nobody can name, or without its "@Name" in the text, stays plain text', () => {
    assert.deepEqual(
      mentionNames(['gone-id'], () => undefined),
      [],
    )
    assert.deepEqual(splitMentions('hello @Bob', [{ id: bo.id, name: 'Bo', you: false }]), [{ kind: 'text', text: 'hello @Bob' }])
  })
  it('highlights a message that mentions the reader, not one the reader wrote', () => {
    assert.equal(mentionsYou(msg(1, ann, '@Bo hi', [bo.id]), bo.id), true)
    assert.equal(mentionsYou(msg(1, ann, '@Cy hi', [cy.id]), bo.id), false)
    assert.equal(mentionsYou(msg(1, bo, '@Bo me', [bo.id]), bo.id), false)
    assert.equal(mentionsYou(msg(1, ann, 'hi'), bo.id), false)
  })
  it('reaches the timeline with the names of the mentioned members and the highlight for the reader', () => {
    const items = buildTimeline({
      messages: [msg(1, ann, '@Bo and @Cy', [bo.id, cy.id]), msg(2, ann, 'plain')],
      outbox: [],
      you: bo,
      members: [ann, cy],
      now: T0,
    })
    const [first, second] = items.filter((i) => i.kind === 'message')
    assert.deepEqual(first?.mentions, [
      { id: bo.id, name: 'Bo', you: true },
      { id: cy.id, name: 'Cy', you: false },
    ])
    assert.equal(first?.mentionsYou, true)
    assert.deepEqual([second?.mentions, second?.mentionsYou], [[], false])
  })
})

describe('a mention being sent', () => {
  it('shows its chips while still in the outbox', () => {
    const items = buildTimeline({
      messages: [],
      outbox: [{ id: 'o1', text: '@Cy look', mentions: [cy.id], status: 'sending' }],
      you: bo,
      members: [cy],
      now: T0,
    })
    const sending = items.find((i) => i.kind === 'message')
    assert.deepEqual([sending?.mentions, sending?.mentionsYou], [[{ id: cy.id, name: 'Cy', you: false }], false])
  })
})

describe('mentions of the reader in the app state', () => {
  const snapshot = snapshotWith({
    session: { connection: { status: 'open' }, room: { id: 'r', name: 'Lunch' }, you: bo },
    members: [ann, bo, cy],
    messages: [msg(1, ann, 'hi')],
    window: { start: true, end: true },
  })
  const live = (st: AppState, m: ChatMessage) => appReducer(st, { type: 'message', message: m, now: m.ts })

  it('counts live mentions of the reader while they are away, and clears when they read', () => {
    let st = appReducer(initialState, { type: 'snapshot', snapshot })
    st = live(st, msg(2, ann, '@Bo look', [bo.id]))
    assert.equal(st.mentionsUnread, 0, 'reading: nothing to count')
    st = appReducer(st, { type: 'reading', reading: false })
    st = live(st, msg(3, ann, '@Bo look', [bo.id]))
    st = live(st, msg(4, ann, '@Cy look', [cy.id]))
    st = live(st, msg(5, bo, '@Bo note to self', [bo.id]))
    st = live(st, msg(6, cy, '@Bo again', [bo.id]))
    assert.equal(st.mentionsUnread, 2)
    st = appReducer(st, { type: 'reading', reading: true })
    assert.equal(st.mentionsUnread, 0)
  })
  it("counts the mentions in a resume's catch-up, not in older pages or a message seen twice", () => {
    let st = appReducer(initialState, { type: 'snapshot', snapshot })
    st = appReducer(st, { type: 'reading', reading: false })
    const catchUp = [msg(2, ann, '@Bo', [bo.id]), msg(3, cy, '@Bo', [bo.id])]
    st = appReducer(st, { type: 'history', event: { messages: catchUp, reset: false, start: true, end: true } })
    assert.equal(st.mentionsUnread, 2)
    st = live(st, catchUp[1]!)
    assert.equal(st.mentionsUnread, 2, 'a duplicate does not count again')
    const older = { ...snapshot, messages: [msg(10, ann, 'later')], window: { start: false, end: true } }
    st = appReducer(appReducer(st, { type: 'snapshot', snapshot: older }), { type: 'reading', reading: false })
    st = appReducer(st, { type: 'history', event: { messages: [msg(5, ann, '@Bo old', [bo.id])], reset: false, start: true, end: true } })
    assert.equal(st.mentionsUnread, 0)
  })
  it('forgets the count when the reader leaves the room', () => {
    let st = appReducer(appReducer(initialState, { type: 'snapshot', snapshot }), { type: 'reading', reading: false })
    st = live(st, msg(2, ann, '@Bo', [bo.id]))
    assert.equal(st.mentionsUnread, 1)
    st = appReducer(st, { type: 'session', session: { connection: { status: 'closed' } } })
    assert.equal(st.mentionsUnread, 0)
  })
})
