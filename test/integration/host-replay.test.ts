// A resume that missed a lot is replayed from the log as the member reads: a member that never reads costs
// the host a bounded buffer whatever the log holds, and one that does read gets everything once, in order.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { REPLAY_LOW_WATER_BYTES } from '../../src/main/server/room.ts'
import { LIMITS } from '../../src/shared/protocol.ts'
import { roomDirWith, startHost, type TestHost } from '../helpers/host.ts'
import { Member } from '../helpers/member.ts'
import { RawClient } from '../helpers/raw-client.ts'
import { waitFor } from '../helpers/wait.ts'

const STORED = 10_000
const TEXT = 'long message '.repeat(300) // ~3.9 KB: the log holds ~40 MB

describe('a resume of a long history', () => {
  let host: TestHost
  let epoch: string
  before(async () => {
    const room = roomDirWith(STORED, { text: (seq) => `${seq} ${TEXT}` })
    epoch = room.epoch
    host = await startHost({ dataDir: room.dir })
  })
  after(() => host.dispose())

  it('a resume of 10,000 long messages on a socket that never reads keeps the host memory bounded, then delivers all once', async () => {
    const c = await RawClient.open(host.url)
    c.socket.pause() // never reads (until the end of the test)
    c.send({ type: 'hello', protocol: 1, name: 'Sloth', client: 'sloth', resume: { epoch, after: 0 } })
    await waitFor(() => host.server.room.replaying === 1, 'the replay starts')
    // Loopback's kernel buffers take a few MB, then the host's own buffer fills to the replay's low-water mark.
    let peak = 0
    let last = -1
    for (let stable = 0; stable < 10;) {
      await new Promise((r) => setTimeout(r, 50))
      const q = host.server.stats().queuedBytes
      peak = Math.max(peak, q)
      stable = q === last ? stable + 1 : 0
      last = q
    }
    console.log(`host bytes queued for a member that does not read: ${peak} (of a ${(STORED * TEXT.length) / 1e6} MB log)`)
    assert.ok(peak <= REPLAY_LOW_WATER_BYTES + 2 * LIMITS.maxTextBytes, `queued ${peak} bytes`)
    assert.equal(host.server.room.replaying, 1, 'the replay waits for the member')

    // A live message while it is behind: it must come once, after everything older.
    const ann = await Member.join(host.url, 'Ann', 'ann')
    ann.client.send('live')
    await ann.until(() => ann.texts().includes('live'), 'stored')

    c.socket.resume()
    await c.until(() => c.messages.at(-1)?.text === 'live', 'caught up', 60_000)
    const w = c.welcome!
    assert.equal(w.resumed, true)
    assert.ok(Buffer.byteLength(JSON.stringify(w.history)) <= LIMITS.welcomeHistoryBytes, 'the welcome holds only the first part')
    const seqs = [...w.history, ...c.messages].map((m) => m.seq)
    assert.deepEqual(
      seqs,
      Array.from({ length: STORED + 1 }, (_, i) => i + 1),
      'every message once, in order',
    )
    assert.equal(host.server.room.replaying, 0)
    ann.client.send('after catching up')
    await c.until(() => c.messages.at(-1)?.text === 'after catching up', 'live again')
    ann.leave()
    c.close()
  })

  it('a small resume still gets everything it missed in the welcome', async () => {
    const c = await RawClient.join(host.url, 'Quick', 'quick', { epoch, after: host.server.room.seq - 5 })
    assert.equal(c.welcome!.resumed, true)
    assert.equal(c.welcome!.history.length, 5)
    c.close()
  })
})
