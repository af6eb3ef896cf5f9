import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { LIMITS, RoomSummary } from '../../src/shared/protocol.ts'
import { startHost, type TestHost } from '../helpers/host.ts'
import { Member } from '../helpers/member.ts'
import { RawClient } from '../helpers/raw-client.ts'

describe('broadcast', () => {
  let host: TestHost
  before(async () => (host = await startHost()))
  after(() => host.dispose())

  it('20 members each sending their whole burst at once all see all 400 messages once, in one contiguous order, each acknowledged', async () => {
    const N = 20
    const M = LIMITS.sendBurst
    const members = await Promise.all(Array.from({ length: N }, (_, i) => Member.join(host.url, `user${i}`, `c${i}`)))
    const acks = members.map(() => [] as string[])
    members.forEach((m, i) => m.client.on('ack', (a) => acks[i]!.push(a.id)))
    const sent = members.map((m, i) => Array.from({ length: M }, (_, k) => m.client.send(`hello ${i} ${k}`)))

    await Promise.all(members.map((m) => m.until(() => m.seen.length >= N * M && m.client.outbox.length === 0, 'all messages')))
    const order = members[0]!.seen.map((m) => `${m.seq}:${m.id}`)
    for (const m of members) {
      assert.equal(m.seen.length, N * M, 'each message exactly once')
      assert.deepEqual(
        m.seen.map((x) => `${x.seq}:${x.id}`),
        order,
        'same order everywhere',
      )
    }
    const seqs = members[0]!.seen.map((m) => m.seq)
    seqs.forEach((s, i) => i > 0 && assert.equal(s, seqs[i - 1]! + 1, 'no gaps'))
    members.forEach((_, i) => assert.deepEqual([...acks[i]!].sort(), [...sent[i]!].sort(), 'one ack per message'))
    for (const m of members) m.leave()
  })

  it('a sender sees its own message echoed with the id it chose, and others see who sent it', async () => {
    const ann = await Member.join(host.url, 'Ann', 'ann')
    const bob = await Member.join(host.url, 'Bob', 'bob')
    const id = ann.client.send('hi Bob')
    await bob.until(() => bob.texts().includes('hi Bob'), 'message')
    await ann.until(() => ann.seen.some((m) => m.id === id), 'echo')
    const got = bob.seen.find((m) => m.text === 'hi Bob')!
    assert.equal(got.from.name, 'Ann')
    assert.equal(got.from.id, ann.client.you!.id)
    ann.leave()
    bob.leave()
  })

  it('members see each other join and leave, and typing is relayed at most once a second', async () => {
    const ann = await Member.join(host.url, 'Ann', 'ann2')
    const bob = await RawClient.join(host.url, 'Bob', 'bob2')
    await ann.until(() => ann.client.members.some((m) => m.name === 'Bob'), 'Bob in members')
    const typed: string[] = []
    ann.client.on('typing', (m) => typed.push(m.name))
    for (let i = 0; i < 5; i++) bob.send({ type: 'typing' })
    bob.send({ type: 'send', id: 'after-typing', text: 'done typing' })
    await ann.until(() => ann.texts().includes('done typing'), 'message after typing')
    assert.deepEqual(typed, ['Bob'])
    bob.close()
    await ann.until(() => !ann.client.members.some((m) => m.name === 'Bob'), 'Bob left')
    ann.leave()
  })

  it('GET /api/room describes the room', async () => {
    const room = RoomSummary.parse(await fetch(host.url.replace('ws://', 'http://').replace('/ws', '/api/room')).then((r) => r.json()))
    assert.equal(room.protocol, 1)
    assert.equal(room.name, 'Lunch')
    assert.equal(room.passwordRequired, false)
    assert.equal(typeof room.seq, 'number')
  })
})
