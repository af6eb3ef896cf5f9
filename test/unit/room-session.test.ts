// RoomSession against a real host on loopback: what a member notices of scrollback, renames, a dead link
// and a host that closes it for cause.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import { WebSocket, WebSocketServer } from 'ws'
import { History } from '../../src/main/server/history.ts'
import { nextFirstItemIndex } from '../../src/renderer/state/scrollback.ts'
import type { WebSocketCtor } from '../../src/shared/room-client.ts'
import { RoomSession, type RoomSessionOptions } from '../../src/shared/room-session.ts'
import { TcpProxy } from '../harness/tcp-proxy.ts'
import { roomDirWith, startHost, type TestHost } from '../helpers/host.ts'
import { waitFor } from '../helpers/wait.ts'

const WS = WebSocket as unknown as WebSocketCtor
const FAST = { backoff: { baseMs: 20, maxMs: 100 } }

describe('a member in a room (RoomSession)', () => {
  const hosts: TestHost[] = []
  const sessions: RoomSession[] = []
  const closers: Array<() => Promise<void> | void> = []
  after(async () => {
    for (const s of sessions) s.close()
    for (const c of closers) await c()
    for (const h of hosts) await h.dispose()
  })
  const host = async (opts: Parameters<typeof startHost>[0] = {}) => {
    const h = await startHost(opts)
    hosts.push(h)
    return h
  }
  const session = (url: string, name: string, client: string, extra: Partial<RoomSessionOptions> = {}) => {
    const s = new RoomSession({ url, name, clientId: client, WebSocket: WS, room: { id: '', name: 'Lunch' }, ...FAST, ...extra })
    sessions.push(s)
    return s
  }

  it('scrolls back page by page to "Beginning of the room", holding at most its window, and comes back to the latest', async () => {
    const h = await host({ dataDir: roomDirWith(250).dir })
    const s = session(h.url, 'Ann', 'ann', { windowSize: 150 })
    let history = 0
    s.on('history', () => history++)
    await s.join()
    let snap = s.snapshot
    assert.deepEqual([snap.messages[0]?.seq, snap.messages.at(-1)?.seq], [151, 250], 'joins at the latest page')
    assert.deepEqual(snap.window, { start: false, end: true })

    assert.deepEqual(await s.loadOlder(), { start: false, end: false })
    snap = s.snapshot
    assert.equal(snap.messages.length, 150, 'the window stays bounded: the newest fell out')
    assert.deepEqual([snap.messages[0]?.seq, snap.messages.at(-1)?.seq], [51, 200])

    assert.deepEqual(await s.loadOlder(), { start: true, end: false })
    snap = s.snapshot
    assert.deepEqual([snap.messages[0]?.seq, snap.messages.at(-1)?.seq], [1, 150])
    assert.deepEqual(await s.loadOlder(), { start: true, end: false }, 'nothing before the beginning')

    // Live messages arriving while scrolled back are not lost: coming back down reaches them.
    const bo = session(h.url, 'Bo', 'bo')
    await bo.join()
    bo.send('while Ann reads old messages')
    await waitFor(() => bo.snapshot.outbox.length === 0, 'the message acknowledged')
    while (!(await s.loadNewer()).end);
    snap = s.snapshot
    assert.equal(snap.messages.length, 150)
    assert.equal(snap.messages.at(-1)?.text, 'while Ann reads old messages')
    assert.deepEqual(
      snap.messages.map((m) => m.seq),
      Array.from({ length: 150 }, (_, i) => 102 + i),
      'contiguous, no gaps or duplicates',
    )
    assert.equal(snap.window.start, false)
    assert.ok(history >= 4, 'every page was reported to the UI')
  })

  it('shows the latest page when joining again after leaving (not "No messages yet")', async () => {
    const h = await host({ dataDir: roomDirWith(30).dir })
    const first = session(h.url, 'Ann', 'ann')
    await first.join()
    const position = first.client.position!
    first.close()
    // The browser keeps the resume position; a new session with nothing held resumes from it.
    const again = session(h.url, 'Ann', 'ann', { resume: position })
    await again.join()
    await waitFor(() => again.snapshot.messages.length === 30, 'the latest messages shown again')
    assert.equal(again.snapshot.window.start, true)
  })

  it('a rename shows on the next message and in everyone’s member list at once', async () => {
    const h = await host()
    const ann = session(h.url, 'Ann', 'ann')
    const bo = session(h.url, 'Bo', 'bo')
    await ann.join()
    await bo.join()
    await waitFor(() => bo.snapshot.members.length === 2, 'both in the room')
    const annId = ann.snapshot.session.you!.id
    ann.rename('Annie')
    ann.send('new name')
    await waitFor(() => bo.snapshot.messages.some((m) => m.text === 'new name'), 'the message delivered')
    assert.equal(bo.snapshot.messages.find((m) => m.text === 'new name')?.from.name, 'Annie')
    await waitFor(() => bo.snapshot.members.some((m) => m.name === 'Annie'), 'the member list renamed')
    assert.deepEqual(bo.snapshot.members.map((m) => m.name).sort(), ['Annie', 'Bo'], 'the old name is gone from the list')
    assert.equal(ann.snapshot.session.you?.id, annId, 'the member id stays the same')
    assert.equal(ann.snapshot.session.you?.name, 'Annie')
  })

  it('a direct message with mentions waits in the outbox until connected, then reaches only its recipient, mentions and all', async () => {
    const h = await host()
    const bo = session(h.url, 'Bo', 'bo')
    await bo.join()
    const boId = bo.snapshot.session.you!.id
    const cy = session(h.url, 'Cy', 'cy')
    await cy.join()
    const ann = session(h.url, 'Ann', 'ann')
    const id = ann.send('@Bo just you', { to: boId, mentions: [boId] })
    assert.deepEqual(
      ann.snapshot.outbox.map((e) => [e.id, e.to, e.mentions]),
      [[id, boId, [boId]]],
      'kept with the message for when it is sent',
    )
    await ann.join()
    await waitFor(() => ann.snapshot.outbox.length === 0, 'the message acknowledged')
    await waitFor(() => bo.snapshot.messages.some((m) => m.text === '@Bo just you'), 'Bo has it')
    const got = bo.snapshot.messages.find((m) => m.text === '@Bo just you')!
    assert.equal(got.to, boId)
    assert.deepEqual(got.mentions, [boId])
    ann.send('for everyone', { mentions: [] })
    await waitFor(() => cy.snapshot.messages.some((m) => m.text === 'for everyone'), 'Cy has the room message')
    assert.deepEqual(
      cy.snapshot.messages.map((m) => m.text),
      ['for everyone'],
      'Cy never had the direct message',
    )
    assert.equal('mentions' in cy.snapshot.messages[0]!, false)
  })

  it('scrolls back to the latest past a long run of direct messages between others', async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'beacon-dm-gap-'))
    const log = new History(dir)
    const from = { id: 'Ann-member-1', name: 'Ann' }
    for (let seq = 1; seq <= 350; seq++) {
      const dm = seq > 150 && seq <= 300
      log.append('ann', { type: 'message', seq, id: `m${seq}`, from, text: `${seq}`, ts: seq, ...(dm ? { to: 'Bo-member-01' } : {}) })
    }
    log.close()
    const h = await host({ dataDir: dir })
    const s = session(h.url, 'Cy', 'cy', { windowSize: 100 })
    await s.join()
    assert.deepEqual(await s.loadOlder(), { start: true, end: false }, 'the newest fell out of the window')
    let pages = 0
    while (!(await s.loadNewer()).end) assert.ok(++pages < 10, 'each page gets further')
    const seqs = s.snapshot.messages.map((m) => m.seq)
    assert.deepEqual(seqs, [...Array.from({ length: 50 }, (_, i) => 101 + i), ...Array.from({ length: 50 }, (_, i) => 301 + i)])
  })

  it('notices a link gone silent, reconnects, and delivers what was sent meanwhile exactly once', async () => {
    const h = await host({ heartbeatMs: 100, heartbeatTimeoutMs: 600 })
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: h.server.port })
    closers.push(() => proxy.close())
    const ann = session(`ws://${proxy.address}/ws`, 'Ann', 'ann', { heartbeatTimeoutMs: 600, handshakeTimeoutMs: 1000 })
    const bo = session(h.url, 'Bo', 'bo')
    await bo.join()
    await ann.join()
    await waitFor(() => bo.snapshot.members.length === 2, 'both in the room')
    await new Promise((r) => setTimeout(r, 500)) // a few pings seen (every 100 ms): Ann knows this host sends them

    proxy.stall()
    ann.send('sent into the void')
    await waitFor(() => ann.snapshot.session.connection.status === 'reconnecting', 'Ann sees she is reconnecting')
    await waitFor(() => bo.snapshot.members.length === 1, 'Bo no longer lists Ann (the host timed her out)')
    proxy.restore()
    await waitFor(() => ann.snapshot.session.connection.status === 'open', 'Ann back')
    await waitFor(() => ann.snapshot.outbox.length === 0, 'the message acknowledged')
    await waitFor(() => bo.snapshot.members.length === 2, 'Bo lists Ann again')
    await waitFor(() => bo.snapshot.messages.some((m) => m.text === 'sent into the void'), 'delivered')
    assert.equal(bo.snapshot.messages.filter((m) => m.text === 'sent into the void').length, 1)
    assert.equal(ann.snapshot.messages.filter((m) => m.text === 'sent into the void').length, 1)
  })

  it('after too many wrong passwords says "locked out", not "wrong password"', async () => {
    const h = await host({ password: 'right one' })
    let reason: string | undefined
    for (let i = 0; i < 10 && reason !== 'locked_out'; i++) {
      const s = session(h.url, 'Eve', `eve${i}`, { password: 'wrong' })
      await s.join().catch(() => {})
      reason = s.state.connection.reason
      assert.ok(reason === 'wrong_password' || reason === 'locked_out', `refused: ${reason}`)
      assert.equal(s.state.connection.status, 'closed', 'and stops trying')
    }
    assert.equal(reason, 'locked_out')
  })

  // A host that ends the connection for cause: a plain ws server closing as Beacon's host would.
  const closingHost = async (code: number, reason: string) => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'beacon.v1' })
    let connections = 0
    wss.on('connection', (ws) => {
      connections++
      ws.close(code, reason)
    })
    await new Promise((r) => wss.once('listening', r))
    closers.push(() => new Promise<void>((r) => wss.close(() => r())))
    return { url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/ws`, connections: () => connections }
  }

  it('closed for abuse (1008): says so and does not come straight back', async () => {
    const h = await closingHost(1008, 'abuse')
    const s = session(h.url, 'Eve', 'eve')
    await assert.rejects(s.join(), { code: 'abuse' })
    assert.deepEqual(s.state.connection, { status: 'closed', reason: 'abuse' })
    await new Promise((r) => setTimeout(r, 300))
    assert.equal(h.connections(), 1)
  })

  it('a busy host (1013) is tried again with backoff', async () => {
    const h = await closingHost(1013, 'busy')
    const s = session(h.url, 'Eve', 'eve')
    void s.join({ keepTrying: true }).catch(() => {})
    await waitFor(() => h.connections() >= 3, 'tried again')
    assert.equal(s.state.connection.status, 'reconnecting')
    assert.equal(s.state.connection.reason, 'busy')
  })
})

describe('the reader’s place while older messages load', () => {
  const day = (d: string) => ({ kind: 'day', key: `day:${d}` })
  const msg = (n: number) => ({ kind: 'message', key: `m:${n}` })
  it('moves the first index back by what went in front, also after a day separator of the same day', () => {
    const before = [day('1'), msg(3), msg(4)]
    const after = [day('1'), msg(1), msg(2), msg(3), msg(4)]
    assert.equal(nextFirstItemIndex({ items: before, index: 1000 }, after), 998)
    const earlierDay = [day('0'), msg(0), day('1'), msg(1), msg(2), msg(3), msg(4)]
    assert.equal(nextFirstItemIndex({ items: after, index: 998 }, earlierDay), 996)
  })
  it('keeps it for appended messages and moves it forward when the oldest fall out', () => {
    assert.equal(nextFirstItemIndex({ items: [day('1'), msg(1)], index: 50 }, [day('1'), msg(1), msg(2)]), 50)
    assert.equal(nextFirstItemIndex({ items: [day('1'), msg(1), msg(2), msg(3)], index: 50 }, [day('1'), msg(2), msg(3), msg(4)]), 51)
  })
})
