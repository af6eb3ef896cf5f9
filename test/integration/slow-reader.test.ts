import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { CLOSE, LIMITS } from '../../src/shared/protocol.ts'
import { startHost, type TestHost } from '../helpers/host.ts'
import { Member } from '../helpers/member.ts'
import { RawClient } from '../helpers/raw-client.ts'

describe('a member too slow to read', () => {
  const highWaterBytes = 256 * 1024
  let host: TestHost
  before(async () => (host = await startHost({ highWaterBytes })))
  after(() => host.dispose())

  it('is closed with 1013 while the room floods, without the host buffering for it, and recovers everything by resuming', async () => {
    const watcher = await Member.join(host.url, 'Watcher', 'watcher')
    const slow = await RawClient.join(host.url, 'Sloth', 'sloth')
    const epoch = slow.welcome!.room.epoch
    slow.socket.pause() // stops reading: the kernel buffers fill, then the host's

    // Loopback's kernel buffers hold megabytes before the host's own buffer grows: flood well past that.
    const senders = await Promise.all(Array.from({ length: 40 }, (_, i) => Member.join(host.url, `s${i}`, `s${i}`)))
    const text = 'x'.repeat(LIMITS.maxTextChars)
    const perSender = LIMITS.sendBurst + 2 * LIMITS.sendRatePerSecond
    senders.forEach((s) => Array.from({ length: perSender }, () => s.client.send(text)))
    const total = senders.length * perSender

    await watcher.until(() => !watcher.client.members.some((m) => m.name === 'Sloth'), 'the slow member is dropped', 20_000)
    await watcher.until(() => watcher.seen.filter((m) => m.text === text).length === total, 'the flood is delivered to the others', 20_000)
    assert.equal(host.server.room.memberCount, senders.length + 1, 'everyone else is still in the room')

    slow.socket.resume()
    assert.equal(await slow.closed(20_000), CLOSE.tryAgain)
    const lastSeen = slow.messages.at(-1)?.seq ?? slow.welcome!.seq
    assert.ok(slow.messages.length < total, 'the host stopped writing to it')

    const back = await RawClient.join(host.url, 'Sloth', 'sloth', { epoch, after: lastSeen })
    assert.equal(back.welcome!.resumed, true)
    // The welcome holds the first of what it missed (LIMITS.welcomeHistoryBytes); the rest follows as messages.
    const expected = watcher.seen.length
    await back.until(() => slow.messages.length + back.welcome!.history.length + back.messages.length >= expected, 'the replay')
    const all = [...slow.messages, ...back.welcome!.history, ...back.messages].map((m) => m.seq)
    assert.deepEqual(
      all,
      watcher.seen.map((m) => m.seq),
      'nothing missed, nothing twice',
    )
    back.close()
    watcher.leave()
    senders.forEach((s) => s.leave())
  })
})
