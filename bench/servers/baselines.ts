// The comparison servers. Each does what a minimal chat relay does with a message — parse it, wrap it in
// the same envelope Beacon uses (seq, id, from, text, ts), encode once — and broadcasts it to every
// connection, sender included. None stores, acknowledges, deduplicates or limits anything.
import { createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { Server as SocketIOServer } from 'socket.io'
import { WebSocketServer, type WebSocket } from 'ws'

export interface Started {
  port: number
  path: string
  stop(): Promise<void>
}

type Incoming = { id: string; text: string }
type Envelope = { type: 'message'; seq: number; id: string; from: { id: string; name: string }; text: string; ts: number }

function listen(http: HttpServer): Promise<number> {
  return new Promise((resolve) => http.listen(0, '127.0.0.1', () => resolve((http.address() as AddressInfo).port)))
}

const closeHttp = (http: HttpServer): Promise<void> =>
  new Promise((r) => {
    http.closeAllConnections()
    http.close(() => r())
  })

/** Socket.IO 4 over its websocket transport only: `io.emit` per message. */
export async function startSocketIO(): Promise<Started> {
  const http = createServer()
  const io = new SocketIOServer(http, { transports: ['websocket'], serveClient: false, perMessageDeflate: false })
  let seq = 0
  io.on('connection', (socket) => {
    const from = { id: socket.id, name: String(socket.handshake.query['name'] ?? '') }
    socket.on('send', (m: Incoming) => {
      const env: Envelope = { type: 'message', seq: ++seq, id: m.id, from, text: m.text, ts: Date.now() }
      io.emit('message', env)
    })
  })
  const port = await listen(http)
  return { port, path: '/socket.io/', stop: async () => void (await io.close()) }
}

/** Raw ws, the textbook way: encode once, `ws.send` to every client. */
export async function startWsNaive(): Promise<Started> {
  const http = createServer()
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false })
  let seq = 0
  let nextId = 0
  wss.on('connection', (ws, req) => {
    const from = { id: `c${++nextId}`, name: new URL(req.url ?? '/', 'http://x').searchParams.get('name') ?? '' }
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as Incoming
      const json = JSON.stringify({ type: 'message', seq: ++seq, id: m.id, from, text: m.text, ts: Date.now() } satisfies Envelope)
      for (const client of wss.clients) if (client.readyState === 1) client.send(json)
    })
  })
  const port = await listen(http)
  return { port, path: '/', stop: () => closeHttp(http) }
}

/** Raw ws, the fast way: queue a turn's messages, frame them once into one buffer, one write per socket. */
export async function startWsCoalesce(): Promise<Started> {
  const http = createServer()
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false })
  const sockets = new Set<Socket>()
  let seq = 0
  let nextId = 0
  let queued: string[] = []
  const flush = (): void => {
    const frames = queued
    queued = []
    const bytes = frameAll(frames)
    for (const s of sockets) s.write(bytes)
  }
  wss.on('connection', (ws: WebSocket, req) => {
    const raw = (ws as unknown as { _socket: Socket })._socket
    const from = { id: `c${++nextId}`, name: new URL(req.url ?? '/', 'http://x').searchParams.get('name') ?? '' }
    sockets.add(raw)
    ws.on('close', () => sockets.delete(raw))
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as Incoming
      if (queued.length === 0) setImmediate(flush)
      queued.push(JSON.stringify({ type: 'message', seq: ++seq, id: m.id, from, text: m.text, ts: Date.now() } satisfies Envelope))
    })
  })
  const port = await listen(http)
  return { port, path: '/', stop: () => closeHttp(http) }
}

/** Unmasked text frames (RFC 6455 §5.2), written independently of the host's encoder it is compared with. */
function frameAll(frames: readonly string[]): Buffer {
  const lengths = frames.map((f) => Buffer.byteLength(f))
  let total = 0
  for (const n of lengths) total += n + (n < 126 ? 2 : n < 65536 ? 4 : 10)
  const buf = Buffer.allocUnsafe(total)
  let at = 0
  for (let i = 0; i < frames.length; i++) {
    const n = lengths[i]!
    buf[at++] = 0x81
    if (n < 126) buf[at++] = n
    else if (n < 65536) {
      buf[at++] = 126
      buf.writeUInt16BE(n, at)
      at += 2
    } else {
      buf[at++] = 127
      buf.writeBigUInt64BE(BigInt(n), at)
      at += 8
    }
    at += buf.write(frames[i]!, at)
  }
  return buf
}
