// Scrollback and liveness, host side: `history` pages walk back through the log; members that asked for a
// heartbeat get pings, and a member whose link dies is dropped (its `left` reaches the others) in time.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { LIMITS, type ChatMessage, type HistoryPage } from '../../src/shared/protocol.ts'
import { roomDirWith, startHost, type TestHost } from '../helpers/host.ts'
import { RawClient } from '../helpers/raw-client.ts'

const STORED = 250

const pagesOf = (c: RawClient) => (c.frames as unknown as { type: string }[]).filter((f): f is HistoryPage => f.type === 'history')

describe('scrollback', () => {
  let host: TestHost
  before(async () => {
    host = await startHost({ dataDir: roomDirWith(STORED).dir })
  })
  after(() => host.dispose())

  it('history pages walk back to the beginning of the room', async () => {
    const c = await RawClient.join(host.url, 'Ann', 'ann')
    const shown: ChatMessage[] = [...c.welcome!.history]
    assert.equal(shown.length, LIMITS.welcomeHistory)
    for (let page = 1; ; page++) {
      c.send({ type: 'history', before: shown[0]!.seq, limit: LIMITS.historyPage })
      await c.until(() => pagesOf(c).length === page, `page ${page}`)
      const p = pagesOf(c)[page - 1]!
      assert.equal(p.before, shown[0]!.seq)
      shown.unshift(...p.messages)
      if (p.start) break
      assert.equal(p.messages.length, LIMITS.historyPage)
    }
    assert.deepEqual(
      shown.map((m) => m.seq),
      Array.from({ length: STORED }, (_, i) => i + 1),
    )
    c.close()
  })

  it('history is only for members, and a flood of requests is refused rate_limited', async () => {
    const stranger = await RawClient.open(host.url)
    stranger.send({ type: 'history', before: 100 })
    await stranger.until(() => stranger.of('error').length === 1, 'refusal')
    assert.equal(stranger.of('error')[0]!.code, 'not_joined')
    stranger.close()

    const c = await RawClient.join(host.url, 'Bob', 'bob')
    const asked = LIMITS.historyBurst + 5
    for (let i = 0; i < asked; i++) c.send({ type: 'history', before: 50, limit: 1 })
    await c.until(() => pagesOf(c).length + c.of('error').length === asked, 'answers')
    assert.ok(pagesOf(c).length >= LIMITS.historyBurst, 'the burst is served')
    assert.ok(c.of('error').length > 0 && c.of('error').every((e) => e.code === 'rate_limited'))
    c.close()
  })
})

describe('heartbeat', () => {
  let host: TestHost
  before(async () => (host = await startHost({ heartbeatMs: 100, heartbeatTimeoutMs: 500 })))
  after(() => host.dispose())

  it('a member that asked for a heartbeat gets pings; a member whose link dies is dropped within the timeout', async () => {
    const watcher = await RawClient.open(host.url)
    watcher.send({ type: 'hello', protocol: 1, name: 'Watcher', client: 'watcher', heartbeat: true })
    const quiet = await RawClient.join(host.url, 'Quiet', 'quiet')
    const pings = () => (watcher.frames as unknown as { type: string }[]).filter((f) => f.type === 'ping').length
    await watcher.until(() => pings() >= 3, 'pings')
    watcher.send({ type: 'pong' })
    assert.equal(
      (quiet.frames as unknown as { type: string }[]).some((f) => f.type === 'ping'),
      false,
      'no pings to a member that did not ask',
    )

    const dying = await RawClient.join(host.url, 'Dying', 'dying')
    await watcher.until(() => watcher.of('joined').some((f) => f.member.name === 'Dying'), 'joined')
    dying.socket.pause() // a dead link: nothing is read, so no pong ever comes back
    await watcher.until(() => watcher.of('left').some((f) => f.member.name === 'Dying'), 'left', 5000)
    assert.equal(watcher.closeCode, undefined, 'a member that answers stays')
    assert.equal(quiet.closeCode, undefined, 'ws pings are answered by the client library itself')
    dying.close()
    quiet.close()
    watcher.close()
  })
})
