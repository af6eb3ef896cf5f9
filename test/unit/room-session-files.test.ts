// RoomSession and files, against a scripted beacon.v1 host on loopback (a plain `ws` server that says exactly
// what the test wants, including what a broken or hostile host would): the file token reaches the UI, a file
// message travels as `{type:'send', id, file}` and is resent after a cut under the same id, a refused file shows
// as a failed message, and a file that does not pass FileRef never reaches the UI. Then against a real host: a
// file uploaded over tus reaches the other member; one the host never stored is refused.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { WebSocket, WebSocketServer, type WebSocket as ServerSocket } from 'ws'
import type { FileRef } from '../../src/shared/protocol.ts'
import type { WebSocketCtor } from '../../src/shared/room-client.ts'
import { RoomSession } from '../../src/shared/room-session.ts'
import { fileRef, uploadFile } from '../helpers/files.ts'
import { startHost, type TestHost } from '../helpers/host.ts'
import { waitFor } from '../helpers/wait.ts'

const WS = WebSocket as unknown as WebSocketCtor
const SHA = 'a'.repeat(64)
const FILE: FileRef = { fileId: SHA, name: 'plan.png', size: 48_213, mime: 'image/png', sha256: SHA, width: 1600, height: 900 }
const ROOM = { id: 'r1', name: 'Lunch', epoch: 'e1' }
const ME = { id: 'm1', name: 'Ann' }

interface Frame {
  type: string
  id?: string
  text?: string
  file?: unknown
}

/** A host that welcomes every hello (with `welcome` merged in) and records what members send. */
async function scriptedHost(welcome: Record<string, unknown> = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'beacon.v1' })
  const received: Frame[] = []
  const sockets: ServerSocket[] = []
  let onSend: (ws: ServerSocket, f: Frame) => void = () => {}
  wss.on('connection', (ws) => {
    sockets.push(ws)
    ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as Frame
      if (f.type === 'hello')
        ws.send(
          JSON.stringify({
            type: 'welcome',
            protocol: 1,
            room: ROOM,
            you: ME,
            members: [ME],
            seq: 0,
            history: [],
            resumed: false,
            ...welcome,
          }),
        )
      if (f.type === 'send') {
        received.push(f)
        onSend(ws, f)
      }
    })
  })
  await new Promise((r) => wss.once('listening', r))
  return {
    url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/ws`,
    received,
    onSend: (fn: typeof onSend) => void (onSend = fn),
    /** Cut every member's connection (a network drop, from the host's side). */
    cut: () => {
      for (const ws of sockets.splice(0)) ws.terminate()
    },
    broadcast: (frame: unknown) => {
      for (const ws of sockets) ws.send(JSON.stringify(frame))
    },
    close: () => new Promise<void>((r) => wss.close(() => r())),
  }
}

describe('files in a room session', () => {
  const sessions: RoomSession[] = []
  const hosts: Array<{ close(): Promise<void> }> = []
  after(async () => {
    for (const s of sessions) s.close()
    for (const h of hosts) await h.close()
  })
  const host = async (welcome?: Record<string, unknown>) => {
    const h = await scriptedHost(welcome)
    hosts.push(h)
    return h
  }
  const session = (url: string, filesBase?: string) => {
    const s = new RoomSession({
      url,
      name: 'Ann',
      clientId: 'ann',
      WebSocket: WS,
      room: { id: '', name: 'Lunch' },
      backoff: { baseMs: 20, maxMs: 100 },
      ...(filesBase !== undefined ? { filesBase } : {}),
    })
    sessions.push(s)
    return s
  }

  it('gives the UI the file routes (base, token, size limit) once welcomed, and forgets them on leaving', async () => {
    const h = await host({ files: { token: 'tok-1', maxFileBytes: 5_000_000 } })
    const s = session(h.url, '/api/files')
    await s.join()
    assert.deepEqual(s.state.files, { base: '/api/files', token: 'tok-1', maxFileBytes: 5_000_000 })
    s.close()
    assert.equal(s.state.files, undefined)
  })

  it('offers no files on a host without them, or when the page has no route to them', async () => {
    const plain = await host()
    const a = session(plain.url, '/api/files')
    await a.join()
    assert.equal(a.state.files, undefined)
    const withFiles = await host({ files: { token: 'tok', maxFileBytes: 1 } })
    const b = session(withFiles.url)
    await b.join()
    assert.equal(b.state.files, undefined)
  })

  it('sends a file with its caption as one message, keeps it in the outbox until acked, and resends it after a cut under the same id', async () => {
    const h = await host({ files: { token: 't', maxFileBytes: 1e9 } })
    let ackNext = false
    h.onSend((ws, f) => {
      if (ackNext) ws.send(JSON.stringify({ type: 'ack', id: f.id, seq: 1 }))
    })
    const s = session(h.url, '/api/files')
    await s.join()
    const id = s.sendFile(FILE, 'the floor plan')
    assert.deepEqual(
      s.snapshot.outbox.map((e) => ({ id: e.id, text: e.text, file: e.file, status: e.status })),
      [{ id, text: 'the floor plan', file: FILE, status: 'sending' }],
    )
    await waitFor(() => h.received.length === 1, 'the send reached the host')
    assert.deepEqual(h.received[0], { type: 'send', id, text: 'the floor plan', file: FILE })

    ackNext = true
    h.cut()
    await waitFor(() => s.snapshot.outbox.length === 0, 'acked after reconnecting')
    assert.deepEqual(
      h.received.map((f) => f.id),
      [id, id],
      'resent once, under the same id (the host dedupes)',
    )
  })

  it('a file without a caption goes without text (the host refuses empty text)', async () => {
    const h = await host()
    const s = session(h.url)
    await s.join()
    const id = s.sendFile(FILE)
    await waitFor(() => h.received.length === 1, 'the send reached the host')
    assert.deepEqual(h.received[0], { type: 'send', id, file: FILE })
    assert.equal(s.snapshot.outbox[0]?.text, '')
  })

  it('a file the host does not hold (file_not_found) shows as a failed message with its reason', async () => {
    const h = await host()
    h.onSend((ws, f) =>
      ws.send(JSON.stringify({ type: 'error', code: 'file_not_found', message: 'no file with that size and hash', id: f.id })),
    )
    const s = session(h.url)
    await s.join()
    const id = s.sendFile(FILE, 'lost')
    await waitFor(() => s.snapshot.outbox[0]?.status === 'failed', 'the message marked failed')
    assert.deepEqual(
      s.snapshot.outbox.map((e) => [e.id, e.status, e.error, e.file?.name]),
      [[id, 'failed', 'file_not_found', 'plan.png']],
    )
  })

  it('shows a message whose file a hostile host made up without the file (an SVG thumb, a bad hash, markup instead of a file)', async () => {
    const h = await host()
    const s = session(h.url, '/api/files')
    const seen: Array<{ text: string; file?: FileRef }> = []
    s.on('message', (m) => seen.push({ text: m.text, ...(m.file ? { file: m.file } : {}) }))
    await s.join()
    const msg = (seq: number, text: string, file: unknown) => ({ type: 'message', seq, id: `x${seq}`, from: ME, text, ts: 1, file })
    h.broadcast(msg(1, 'svg thumb', { ...FILE, thumb: 'data:image/svg+xml;base64,PHN2Zz4=' }))
    h.broadcast(msg(2, 'bad hash', { ...FILE, sha256: 'XYZ' }))
    h.broadcast(msg(3, 'not an object', '<img src=x onerror=alert(1)>'))
    h.broadcast(msg(4, 'fine', FILE))
    await waitFor(() => seen.length === 4, 'all four messages shown')
    assert.deepEqual(seen, [{ text: 'svg thumb' }, { text: 'bad hash' }, { text: 'not an object' }, { text: 'fine', file: FILE }])
    assert.deepEqual(
      s.snapshot.messages.map((m) => m.seq),
      [1, 2, 3, 4],
    )
  })

  it('joins a host whose welcome carries malformed file routes, without files, keeping the history', async () => {
    const bad = { ...FILE, mime: 'not a type' }
    const history = [{ type: 'message', seq: 1, id: 'h1', from: ME, text: 'old', ts: 1, file: bad }]
    const h = await host({ files: { token: 'x'.repeat(10_000), maxFileBytes: -1 }, history, seq: 1 })
    const s = session(h.url, '/api/files')
    await s.join()
    assert.equal(s.state.files, undefined)
    assert.deepEqual(
      s.snapshot.messages.map((m) => [m.text, m.file]),
      [['old', undefined]],
    )
  })

  it('against a real host: an uploaded file reaches the other member with its caption; one never uploaded fails file_not_found', async () => {
    const real: TestHost = await startHost()
    hosts.push({ close: () => real.dispose() })
    const ann = session(real.url, '/api/files')
    const bo = new RoomSession({
      url: real.url,
      name: 'Bo',
      clientId: 'bo',
      WebSocket: WS,
      room: { id: '', name: 'Lunch' },
      filesBase: '/api/files',
    })
    sessions.push(bo)
    await ann.join()
    await bo.join()
    const files = ann.state.files
    assert.ok(files && files.token.length > 0 && files.maxFileBytes > 0, 'the welcome carried a token')
    const bytes = Buffer.from('minutes of the meeting')
    const ref = await uploadFile(real.server.port, files.token, bytes, 'minutes.txt')
    ann.sendFile(ref, 'from Tuesday')
    await waitFor(() => bo.snapshot.messages.some((m) => m.file), 'Bo got the file message')
    const got = bo.snapshot.messages.find((m) => m.file)!
    assert.deepEqual([got.text, got.file], ['from Tuesday', ref])

    const never = fileRef(Buffer.from('never uploaded'))
    const id = ann.sendFile(never)
    await waitFor(() => ann.snapshot.outbox.some((e) => e.id === id && e.status === 'failed'), 'refused')
    assert.equal(ann.snapshot.outbox.find((e) => e.id === id)?.error, 'file_not_found')
    assert.equal(bo.snapshot.messages.filter((m) => m.file).length, 1, 'nobody saw it')
  })
})
