// Mentions as data (issue 15): member ids a message names travel with it, deduped and bounded, on every transport,
// and come back in welcomes and scrollback; a room log from before direct messages and mentions opens and takes both.
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { after, describe, it } from 'node:test'
import { LIMITS } from '../../src/shared/limits.ts'
import { startHost, type TestHost } from '../helpers/host.ts'
import { RawClient } from '../helpers/raw-client.ts'
import { connectRSocket, request, RoomStream } from './rsocket-lib.ts'
import { stompMember, until } from './transports-lib.ts'

describe('mentions', () => {
  const hosts: TestHost[] = []
  const clients: RawClient[] = []
  after(async () => {
    for (const c of clients) c.ws.terminate()
    for (const h of hosts) await h.dispose()
  })
  const member = async (h: TestHost, name: string, client: string) => {
    const c = await RawClient.join(h.url, name, client)
    clients.push(c)
    return c
  }

  it('reach everyone with the message, deduped, and come back in a welcome and in scrollback', async () => {
    const h = await startHost()
    hosts.push(h)
    const ann = await member(h, 'Ann', 'ann')
    const bo = await member(h, 'Bo', 'bo')
    const boId = bo.welcome!.you.id
    const annId = ann.welcome!.you.id
    // The host does not check that a mentioned id is a member: only that it is one's shape.
    const ghost = 'Zz_-0123456A'
    assert.equal((await ann.post({ id: 'm1', text: '@Bo @Bo @Ann lunch?', mentions: [boId, boId, annId, ghost] })).type, 'ack')
    assert.equal((await ann.post({ id: 'm2', text: 'no one', mentions: [] })).type, 'ack')
    await bo.until(() => bo.messages.length === 2, 'both messages')
    assert.deepEqual(bo.messages[0]!.mentions, [boId, annId, ghost], 'deduped, in the order first named')
    assert.equal('mentions' in bo.messages[1]!, false, 'an empty list is left out')
    const cy = await member(h, 'Cy', 'cy')
    assert.deepEqual(cy.welcome!.history[0]!.mentions, [boId, annId, ghost])
    cy.send({ type: 'history', before: 10 })
    await cy.until(() => cy.of('history').length > 0, 'a scrollback page')
    assert.deepEqual(cy.of('history')[0]!.messages[0]!.mentions, [boId, annId, ghost])
  })

  it('that are malformed or too many are refused bad_frame and not stored', async () => {
    const h = await startHost()
    hosts.push(h)
    const ann = await member(h, 'Ann', 'ann')
    const id = ann.welcome!.you.id
    assert.equal((await ann.post({ id: 'bad1', text: 'hi', mentions: ['not-an-id'] })).code, 'bad_frame')
    assert.equal((await ann.post({ id: 'bad2', text: 'hi', mentions: id })).code, 'bad_frame')
    const many = Array.from({ length: LIMITS.maxMentions + 1 }, (_, i) => `${String(i).padStart(2, '0')}aaaaaaaaaa`)
    assert.equal((await ann.post({ id: 'bad3', text: 'hi', mentions: many })).code, 'bad_frame')
    assert.equal((await ann.post({ id: 'ok', text: 'hi', mentions: many.slice(1) })).type, 'ack')
    const later = await member(h, 'Bo', 'bo')
    assert.deepEqual(
      later.welcome!.history.map((m) => m.id),
      ['ok'],
    )
    assert.equal(later.welcome!.history[0]!.mentions!.length, LIMITS.maxMentions)
  })

  it('travel over STOMP headers and RSocket room.send, direct messages too', async () => {
    const h = await startHost()
    hosts.push(h)
    const ann = await member(h, 'Ann', 'ann')
    const annId = ann.welcome!.you.id
    const { client: stomp, got } = await stompMember(h.url, 'Stu')
    await ann.until(() => ann.of('joined').length > 0, 'Stu joined')
    const stuId = ann.of('joined')[0]!.member.id
    stomp.publish({ destination: '/topic/room', body: 'hi Ann', headers: { 'beacon-to': annId, 'beacon-mentions': `${annId},${annId}` } })
    await ann.until(() => ann.messages.length === 1, 'Ann gets Stu’s message')
    assert.equal(ann.messages[0]!.to, annId)
    assert.deepEqual(ann.messages[0]!.mentions, [annId])
    const rs = await connectRSocket(`ws://127.0.0.1:${h.server.port}/rsocket`)
    const stream = new RoomStream(rs, { name: 'Rita', client: 'rita' }, 100)
    await ann.until(() => ann.of('joined').length > 1, 'Rita joined')
    const ack = await request(rs, 'room.send', { id: 'r1', text: 'psst Stu', to: stuId, mentions: [stuId] })
    assert.equal(ack.type, 'ack')
    const m = await until(() => got.find((x) => x.body === 'psst Stu'), 'Stu gets Rita’s direct message')
    assert.equal(m.headers['beacon-to'], stuId)
    assert.equal(m.headers['beacon-mentions'], stuId)
    // A room message after it: had the direct message reached Ann, it would have come first.
    assert.equal((await ann.post({ id: 'a1', text: 'after' })).type, 'ack')
    await ann.until(() => ann.messages.some((x) => x.text === 'after'), 'Ann’s own message')
    assert.ok(!ann.messages.some((x) => x.text === 'psst Stu'), 'Ann never gets it')
    stream.cancel()
    rs.close()
    await stomp.deactivate()
  })

  it('a room log from before direct messages and mentions opens, and its members who posted may be sent one', async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'beacon-old-room-'))
    const db = new DatabaseSync(joinPath(dir, 'room.db'))
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE messages (
        seq INTEGER PRIMARY KEY, client TEXT NOT NULL, cid TEXT NOT NULL,
        from_id TEXT NOT NULL, from_name TEXT NOT NULL, text TEXT NOT NULL, ts INTEGER NOT NULL, file TEXT,
        UNIQUE (client, cid));
      INSERT INTO meta VALUES ('id', 'old-room'), ('epoch', 'e1');
      INSERT INTO messages VALUES (1, 'old', 'm1', 'Old-member-1', 'Old', 'from before', 1, NULL);
    `)
    db.close()
    const h = await startHost({ dataDir: dir })
    hosts.push(h)
    const ann = await member(h, 'Ann', 'ann')
    assert.deepEqual(
      ann.welcome!.history.map((m) => m.text),
      ['from before'],
    )
    assert.equal((await ann.post({ id: 'dm', text: 'are you there?', to: 'Old-member-1', mentions: ['Old-member-1'] })).type, 'ack')
    const bo = await member(h, 'Bo', 'bo')
    assert.deepEqual(
      bo.welcome!.history.map((m) => m.text),
      ['from before'],
      'the direct message is not Bo’s',
    )
    ann.send({ type: 'history', before: 10 })
    await ann.until(() => ann.of('history').length > 0, 'Ann’s scrollback')
    const [, dm] = ann.of('history')[0]!.messages
    assert.equal(dm!.to, 'Old-member-1')
    assert.deepEqual(dm!.mentions, ['Old-member-1'])
  })
})
