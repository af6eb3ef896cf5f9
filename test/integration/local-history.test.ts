// The desktop app keeps what it received per room on this device (a real AppService, a real RoomServer on
// loopback, the real history.db): a room shows its messages at once when joined again after a restart, keeps
// only the newest up to its bound, stays readable while its host is gone, and resumes without duplicates.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { DatabaseSync } from 'node:sqlite'
import { AppService, type AppServiceOptions } from '../../src/main/app-service.ts'
import type { BridgeEvents } from '../../src/shared/bridge-events.ts'
import type { ChatMessage } from '../../src/shared/protocol.ts'
import { startHost, type TestHost } from '../helpers/host.ts'
import { Member } from '../helpers/member.ts'
import { waitFor } from '../helpers/wait.ts'
import { cleanupAfter } from '../helpers/cleanup.ts'

const cleanup = cleanupAfter()
const userData = () => cleanup.tempDir('beacon-local-history-')

async function host(opts: Parameters<typeof startHost>[0] = {}): Promise<TestHost> {
  const h = await startHost(opts)
  cleanup.push(() => h.dispose())
  return h
}

/** Bo's desktop app; reconnects quickly so a restarted host is found again within the test. */
function app(dir: string, extra: Partial<AppServiceOptions> = {}): AppService {
  const s = new AppService({ userDataDir: dir, listen: '127.0.0.1', backoff: { baseMs: 50, maxMs: 200 }, ...extra })
  s.setProfile({ name: 'Bo' })
  cleanup.push(() => s.dispose())
  return s
}

async function say(ana: Member, ...texts: string[]): Promise<void> {
  const before = ana.seen.length
  for (const t of texts) ana.client.send(t)
  await ana.until(() => ana.seen.length === before + texts.length, `Ana's ${texts.length} messages stored`)
}

type HistoryEvent = BridgeEvents['history']

const texts = (s: AppService) => s.getSnapshot().messages.map((m) => m.text)
const ids = (messages: ChatMessage[]) => messages.map((m) => m.id)

describe("the desktop app's own history of a room", () => {
  it('shows what a room said at once when joining it again after a restart, and resumes without duplicates', async () => {
    const h = await host()
    const ana = await Member.join(h.url, 'Ana', 'ana')
    cleanup.push(() => ana.leave())
    await say(ana, 'one', 'two', 'three')
    const dir = userData()
    const first = app(dir)
    await first.joinRoom(`127.0.0.1:${h.server.port}`)
    await waitFor(() => texts(first).length === 3, 'the room shown')
    ana.client.send('just for Bo', { to: first.session.you!.id }) // a direct message is Bo's to keep too
    await waitFor(() => texts(first).length === 4, 'the direct message')
    await first.dispose()
    await say(ana, 'four', 'five') // said while Bo's app was closed

    const second = app(dir)
    const shown: HistoryEvent[] = []
    second.on('history', (e) => shown.push(e))
    const arrived: ChatMessage[] = []
    second.on('message', (m) => arrived.push(m))
    const joining = second.joinRoom(`127.0.0.1:${h.server.port}`)
    // Before the host has answered, from this device: what Bo saw last time.
    await waitFor(() => shown.length > 0, 'the first history event')
    assert.deepEqual(
      shown[0]!.messages.map((m) => m.text),
      ['one', 'two', 'three', 'just for Bo'],
    )
    assert.equal(shown[0]!.reset, true)
    assert.ok(shown[0]!.messages.at(-1)!.to, 'kept as a direct message')
    await joining
    await waitFor(() => texts(second).length === 6, 'the two missed messages')
    assert.deepEqual(texts(second), ['one', 'two', 'three', 'just for Bo', 'four', 'five'])
    // Only the missed messages travelled: nothing shown twice.
    const later = [...shown.slice(1).flatMap((e) => e.messages), ...arrived]
    assert.deepEqual(later.map((m) => m.text).sort(), ['five', 'four'])
    assert.equal(new Set(ids(second.getSnapshot().messages)).size, 6)
  })

  it('keeps only the newest messages of a room up to its bound', async () => {
    const h = await host()
    const ana = await Member.join(h.url, 'Ana', 'ana')
    cleanup.push(() => ana.leave())
    await say(ana, ...Array.from({ length: 8 }, (_, i) => `m${i + 1}`))
    const dir = userData()
    const first = app(dir, { localHistoryPerRoom: 5 })
    await first.joinRoom(`127.0.0.1:${h.server.port}`)
    await waitFor(() => texts(first).length === 8, 'the room shown')
    await say(ana, 'm9')
    await waitFor(() => texts(first).length === 9, 'a live message')
    await first.dispose()

    const db = new DatabaseSync(join(dir, 'history.db'), { readOnly: true })
    const rows = db.prepare('SELECT seq FROM messages ORDER BY seq').all() as Array<{ seq: number }>
    db.close()
    assert.deepEqual(
      rows.map((r) => r.seq),
      [5, 6, 7, 8, 9],
    )

    const second = app(dir, { localHistoryPerRoom: 5 })
    const shown: HistoryEvent[] = []
    second.on('history', (e) => shown.push(e))
    await second.joinRoom(`127.0.0.1:${h.server.port}`)
    assert.deepEqual(
      shown[0]!.messages.map((m) => m.text),
      ['m5', 'm6', 'm7', 'm8', 'm9'],
    )
  })

  it('a room whose host is gone opens from this device after a restart, by address or id, and goes on when the host is back', async () => {
    const h = await host()
    const port = h.server.port
    const roomId = h.server.room.id
    const ana = await Member.join(h.url, 'Ana', 'ana')
    await say(ana, 'kept here', 'and here')
    ana.leave()
    const dir = userData()
    const first = app(dir)
    await first.joinRoom(`127.0.0.1:${port}`)
    await waitFor(() => texts(first).length === 2, 'the room shown')
    await first.dispose()
    await h.stop()

    const bo = app(dir)
    await assert.rejects(bo.joinRoom('127.0.0.1:9'), { code: 'unreachable' }, 'a room this device never held is not opened')
    await bo.joinRoom(`127.0.0.1:${port}`)
    assert.deepEqual(texts(bo), ['kept here', 'and here'])
    await waitFor(() => bo.getSnapshot().session.hostOffline === true, 'the host shown offline')
    assert.equal(bo.getSnapshot().session.room?.name, 'Lunch')
    bo.leaveRoom()
    await bo.joinRoom(roomId)
    assert.deepEqual(texts(bo), ['kept here', 'and here'])

    const again = await host({ dataDir: h.dataDir, port })
    cleanup.push(() => again.dispose())
    await waitFor(() => bo.getSnapshot().session.connection.status === 'open', 'Bo in the room once it is back', 15_000)
    const ana2 = await Member.join(again.url, 'Ana', 'ana')
    cleanup.push(() => ana2.leave())
    await say(ana2, 'back')
    await waitFor(() => texts(bo).length === 3, 'the new message')
    assert.deepEqual(texts(bo), ['kept here', 'and here', 'back'])
  })

  it('a room whose host stopped stays readable, offline, and resumes without duplicates when the host is back', async () => {
    const h = await host()
    const port = h.server.port
    const ana = await Member.join(h.url, 'Ana', 'ana')
    await say(ana, 'before it stopped', 'and another')
    ana.leave()
    const bo = app(userData())
    await bo.joinRoom(`127.0.0.1:${port}`)
    bo.send('mine too')
    await waitFor(() => texts(bo).length === 3, 'the room shown')

    await h.stop()
    await waitFor(() => bo.getSnapshot().session.hostOffline === true, 'the host shown offline')
    const offline = bo.getSnapshot()
    assert.equal(offline.session.connection.status, 'reconnecting')
    assert.deepEqual(
      offline.messages.map((m) => m.text),
      ['before it stopped', 'and another', 'mine too'],
    )
    assert.deepEqual(offline.members, [])

    const shown: ChatMessage[] = []
    bo.on('history', (e) => shown.push(...e.messages))
    bo.on('message', (m) => shown.push(m))
    const again = await host({ dataDir: h.dataDir, port }) // same room id and epoch
    cleanup.push(() => again.dispose())
    await waitFor(() => bo.getSnapshot().session.connection.status === 'open', 'Bo back in the room', 15_000)
    assert.equal(bo.getSnapshot().session.hostOffline, undefined)
    const ana2 = await Member.join(again.url, 'Ana', 'ana')
    cleanup.push(() => ana2.leave())
    await say(ana2, 'back again')
    await waitFor(() => texts(bo).length === 4, 'the new message')
    const held = bo.getSnapshot().messages
    assert.deepEqual(
      held.map((m) => m.text),
      ['before it stopped', 'and another', 'mine too', 'back again'],
    )
    assert.equal(new Set(ids(held)).size, held.length)
    assert.deepEqual(
      shown.map((m) => m.text),
      ['back again'],
      'nothing held before travels again',
    )
  })
})
