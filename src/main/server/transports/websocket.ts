// beacon.v1 over WebSocket: one Session per socket; the broadcast batch is framed once and written
// straight to each socket, own frames (acks) corked into the same write.
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { WebSocket, WebSocketServer } from 'ws'
import { CLOSE, LIMITS, SUBPROTOCOL } from '../../../shared/protocol.ts'
import type { Lockout } from '../auth.ts'
import type { Room } from '../room.ts'
import { Session, type Transport } from '../session.ts'
import { encodeTextFrames } from './ws-frame.ts'

const HEARTBEAT_MS = 15_000

export interface WebSocketGatewayOptions {
  room: Room
  lockout: Lockout
  /** A member with more unsent bytes than this is closed with 1013. */
  highWaterBytes?: number
}

export class WebSocketGateway {
  #wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.maxFrameBytes, perMessageDeflate: false, clientTracking: false })
  #sockets = new Map<WebSocket, { alive: boolean; session: Session }>()
  #heartbeat: NodeJS.Timeout
  #opts: Required<WebSocketGatewayOptions>

  constructor(opts: WebSocketGatewayOptions) {
    this.#opts = { highWaterBytes: LIMITS.sendHighWaterBytes, ...opts }
    this.#heartbeat = setInterval(() => this.#beat(), HEARTBEAT_MS).unref()
  }

  /** beacon.v1 is the protocol when the client offers it or offers none. */
  static accepts(offered: Set<string>): boolean {
    return offered.size === 0 || offered.has(SUBPROTOCOL)
  }

  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#connect(ws, req))
  }

  #connect(ws: WebSocket, req: IncomingMessage): void {
    const raw = (ws as unknown as { _socket: Socket })._socket
    raw.setNoDelay(true)
    const highWater = this.#opts.highWaterBytes
    let session: Session
    const transport: Transport = {
      remoteAddress: req.socket.remoteAddress ?? 'unknown',
      send: (json) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(json)
      },
      deliver: (batch, own) => {
        if (ws.readyState !== WebSocket.OPEN) return
        const shared = batch.size > 0 ? batch.encoded('ws', encodeTextFrames) : undefined
        if (own) {
          raw.cork()
          if (shared) raw.write(shared)
          raw.write(encodeTextFrames(own))
          raw.uncork()
        } else if (shared) raw.write(shared)
        if (raw.writableLength > highWater) session.close(CLOSE.tryAgain, 'too slow: resume to catch up')
      },
      close: (code, reason) => {
        if (ws.readyState === WebSocket.OPEN) ws.close(code, reason)
        else if (ws.readyState === WebSocket.CONNECTING) ws.terminate()
      },
    }
    session = new Session(this.#opts.room, transport, this.#opts.lockout)
    this.#sockets.set(ws, { alive: true, session })
    ws.on('message', (data, isBinary) => {
      if (isBinary) session.refuse('bad_frame', 'binary frames are not accepted')
      else session.handleText(data.toString())
    })
    ws.on('pong', () => {
      const s = this.#sockets.get(ws)
      if (s) s.alive = true
    })
    ws.on('error', () => {}) // ws closes the socket itself (1009 for oversized frames); 'close' follows
    ws.on('close', () => {
      this.#sockets.delete(ws)
      session.ended()
    })
  }

  /** Peers that vanished without a FIN (sleep, cable, crash) are found by ping. */
  #beat(): void {
    for (const [ws, s] of this.#sockets) {
      if (!s.alive) {
        ws.terminate()
        continue
      }
      s.alive = false
      ws.ping()
    }
  }

  /** Wait (briefly) for closing handshakes to finish, then drop whoever is left. */
  async close(graceMs = 2000): Promise<void> {
    clearInterval(this.#heartbeat)
    const open = [...this.#sockets.keys()]
    await Promise.race([
      Promise.all(open.map((ws) => new Promise((r) => (ws.readyState === WebSocket.CLOSED ? r(null) : ws.once('close', r))))),
      new Promise((r) => setTimeout(r, graceMs).unref()),
    ])
    for (const ws of this.#sockets.keys()) ws.terminate()
    this.#wss.close()
  }
}
