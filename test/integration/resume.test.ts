import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { startHost, type TestHost } from '../helpers/host.ts'
import { Member } from '../helpers/member.ts'
import { RawClient } from '../helpers/raw-client.ts'

describe('reconnect and resume', () => {
  const hosts: TestHost[] = []
  after(() => Promise.all(hosts.map((h) => h.dispose())))

  it('a member whose connection is cut while others talk comes back with exactly what it missed, and its unsent messages appear once', async () => {
    const host = await startHost()
    hosts.push(host)
    const ann = await Member.join(host.url, 'Ann', 'ann')
    const bob = await Member.join(host.url, 'Bob', 'bob')
    bob.client.send('before the cut')
    await ann.until(() => ann.texts().includes('before the cut'), 'first message')

    // Bob's message may or may not reach the host before the cut: either way it must appear exactly once.
    bob.client.send('sent as the line dropped')
    bob.cut()
    for (let i = 0; i < 10; i++) ann.client.send(`while Bob was away ${i}`)
    bob.client.send('written while offline')

    await bob.until(() => bob.client.state.status === 'open' && bob.client.outbox.length === 0, 'reconnected, outbox drained')
    await ann.until(() => ann.texts().includes('written while offline') && ann.client.outbox.length === 0, 'all delivered')
    await bob.until(() => bob.seen.length === ann.seen.length, 'caught up')

    assert.deepEqual(
      bob.seen.map((m) => m.seq),
      ann.seen.map((m) => m.seq),
      'Bob saw exactly what Ann saw, once each',
    )
    const texts = ann.texts()
    assert.equal(texts.filter((t) => t === 'sent as the line dropped').length, 1)
    assert.equal(texts.filter((t) => t === 'written while offline').length, 1)
    assert.equal(texts.filter((t) => t.startsWith('while Bob was away')).length, 10)
    ann.leave()
    bob.leave()
  })

  it('a host restarted on the same data directory keeps the room, its history, and resume', async () => {
    const first = await startHost({ name: 'Standup' })
    const dataDir = first.dataDir
    const ann = await Member.join(first.url, 'Ann', 'ann')
    for (let i = 0; i < 30; i++) ann.client.send(`m${i}`)
    await ann.until(() => ann.seen.length === 30, 'stored')
    const room = ann.client.room!
    const position = ann.client.position!
    ann.leave()
    await first.stop()

    const second = await startHost({ name: 'Standup', dataDir })
    hosts.push(second)
    const back = await Member.join(second.url, 'Ann', 'ann', { resume: { epoch: position.epoch, after: position.after - 5 } })
    assert.deepEqual(back.client.room, room, 'same id and epoch')
    assert.deepEqual(back.texts(), ['m25', 'm26', 'm27', 'm28', 'm29'], 'resume replays exactly the messages after the position')
    const fresh = await Member.join(second.url, 'Cy', 'cy')
    assert.equal(fresh.seen.length, 30, 'a newcomer gets the recent history')
    // A retransmission of a message stored before the restart is acknowledged again, not stored twice.
    const original = back.seen.find((m) => m.text === 'm29')!
    const retry = await RawClient.join(second.url, 'Ann', 'ann')
    retry.send({ type: 'send', id: original.id, text: 'm29' })
    await retry.until(() => retry.of('ack').length === 1, 'ack')
    assert.equal(retry.of('ack')[0]!.seq, original.seq)
    back.client.send('after restart')
    await fresh.until(() => fresh.texts().includes('after restart'), 'new message after restart')
    assert.equal(fresh.seen.at(-1)!.seq, 31, 'the retransmission took no seq')
    retry.close()
    back.leave()
    fresh.leave()
  })

  it('a member stopped by the host is told the host left, and rejoins when the host is back', async () => {
    const host = await startHost({ name: 'Pop-up' })
    const ann = await Member.join(host.url, 'Ann', 'ann')
    const reasons: (string | undefined)[] = []
    ann.client.on('state', (s) => reasons.push(s.reason))
    await host.stop()
    await ann.until(() => ann.client.state.status === 'reconnecting', 'reconnecting')
    assert.equal(ann.client.state.reason, 'host_stopped')
    const port = Number(new URL(host.url).port)
    const again = await startHost({ name: 'Pop-up', dataDir: host.dataDir, port })
    hosts.push(again)
    await ann.until(() => ann.client.state.status === 'open', 'back in the room', 15_000)
    ann.leave()
  })
})
