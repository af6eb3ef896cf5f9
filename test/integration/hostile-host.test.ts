// A hostile host against the desktop app: what it sends the app's room connection is bounded. The host here
// is a fake on loopback that answers /api/room like a room, then misbehaves on /ws.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { WebSocketServer } from 'ws'
import { AppService } from '../../src/main/app-service.ts'
import { LIMITS } from '../../src/shared/limits.ts'
import { Challenge } from '../../src/shared/protocol.ts'
import { cleanupAfter } from '../helpers/cleanup.ts'

const cleanup = cleanupAfter()

/** A fake host: a valid room summary, and `onHello` to answer the app's hello with. */
async function fakeHost(
  onHello: (send: (data: string) => void) => void,
  summary: Record<string, unknown> = {},
): Promise<{ address: string; closes: number[] }> {
  const closes: number[] = []
  const http: Server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end(
      JSON.stringify({
        protocol: 1,
        id: 'evil-room',
        name: 'Evil',
        host: 'Mallory',
        epoch: 'e1',
        seq: 0,
        members: 1,
        passwordRequired: false,
        ...summary,
      }),
    )
  })
  const wss = new WebSocketServer({ server: http, path: '/ws' })
  wss.on('connection', (ws) => {
    ws.on('message', () => onHello((d) => ws.send(d)))
    ws.on('close', (code) => closes.push(code))
  })
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
  cleanup.push(() => new Promise((r) => (wss.close(), http.close(r), http.closeAllConnections())))
  return { address: `127.0.0.1:${(http.address() as AddressInfo).port}`, closes }
}

function app(): AppService {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-hostile-'))
  const s = new AppService({ userDataDir: dir, listen: '127.0.0.1', backoff: { baseMs: 50, maxMs: 100 } })
  s.setProfile({ name: 'Victim' })
  cleanup.push(async () => {
    await s.dispose()
    rmSync(dir, { recursive: true, force: true })
  })
  return s
}

describe('a hostile host against the desktop app', () => {
  it('a frame larger than the client bound closes that connection (1009) instead of being buffered', async () => {
    const huge = `{"type":"message","text":"${'x'.repeat(LIMITS.maxHostFrameBytes + 1024)}"}`
    const host = await fakeHost((send) => send(huge))
    const s = app()
    await assert.rejects(s.joinRoom(host.address))
    assert.ok(host.closes.includes(1009), `the app closed with ${host.closes.join(', ')}`)
    assert.equal(s.session.connection.status, 'closed')
  })

  it('a challenge asking for an absurd PBKDF2 iteration count is not taken up', () => {
    const base = { type: 'challenge', nonce: 'bm9uY2Vub25jZW5vbmNlbm9u', salt: 'c2FsdHNhbHRzYWx0c2FsdA==' }
    assert.equal(Challenge.safeParse({ ...base, iterations: LIMITS.pbkdf2Iterations }).success, true)
    assert.equal(Challenge.safeParse({ ...base, iterations: 2 ** 31 - 1 }).success, false)
  })

  it('a room whose id or name is past the bounds the app keys rooms by is not joined', async () => {
    const s = app()
    for (const summary of [{ id: 'x'.repeat(65) }, { id: '' }, { name: 'n'.repeat(201) }]) {
      let hellos = 0
      const host = await fakeHost(() => hellos++, summary)
      await assert.rejects(s.joinRoom(host.address), { code: 'room_not_found' }, JSON.stringify(summary).slice(0, 40))
      assert.equal(hellos, 0, 'never connected')
    }
    assert.deepEqual(s.getSnapshot().joined, [])
  })
})
