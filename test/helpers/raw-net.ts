// Bytes on a bare TCP socket, for inputs no well-behaved client library would send: malformed HTTP request
// lines and headers, hand-made WebSocket frames (invalid UTF-8, reserved opcodes), sockets that never read.
import { connect, type Socket } from 'node:net'

export interface Exchange {
  /** What the host answered (possibly nothing). */
  response: Buffer
  /** The host closed the connection (rather than our timeout). */
  closedByHost: boolean
  error?: string
}

/**
 * Connect, write `chunks` (one write each), half-close, and collect the answer until the host closes or
 * `timeoutMs` passes.
 */
export function exchange(
  port: number,
  chunks: readonly (Buffer | string)[],
  opts: { localAddress?: string; timeoutMs?: number; halfClose?: boolean } = {},
): Promise<Exchange> {
  return new Promise((resolve) => {
    const parts: Buffer[] = []
    let settled = false
    const done = (closedByHost: boolean, error?: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve({ response: Buffer.concat(parts), closedByHost, ...(error ? { error } : {}) })
    }
    const socket = connect({ port, host: '127.0.0.1', ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) })
    const timer = setTimeout(() => done(false), opts.timeoutMs ?? 3000)
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c)
      if (opts.halfClose !== false) socket.end()
    })
    socket.on('data', (d: Buffer) => parts.push(d))
    socket.on('close', () => done(true))
    socket.on('error', (e) => done(true, e.message))
  })
}

/** The upgrade request of a WebSocket client offering `protocol`. */
export function upgradeRequest(port: number, protocol: string, target = '/ws'): string {
  return (
    `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`
  )
}

/** One client-to-server WebSocket frame (masked, as RFC 6455 requires of clients). */
export function clientFrame(opcode: number, payload: Buffer, opts: { fin?: boolean; rsv?: number } = {}): Buffer {
  const len = payload.length
  const head = [((opts.fin ?? true) ? 0x80 : 0) | ((opts.rsv ?? 0) << 4) | (opcode & 0x0f)]
  if (len < 126) head.push(0x80 | len)
  else if (len < 65536) head.push(0x80 | 126, len >> 8, len & 0xff)
  else {
    head.push(0x80 | 127, 0, 0, 0, 0)
    head.push((len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff)
  }
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78])
  const body = Buffer.alloc(len)
  for (let i = 0; i < len; i++) body[i] = payload[i]! ^ mask[i & 3]!
  return Buffer.concat([Buffer.from(head), mask, body])
}

/** A connected socket, for attacks that hold it open (the caller destroys it). */
export function openSocket(port: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) })
    s.once('connect', () => resolve(s))
    s.once('error', reject)
  })
}
