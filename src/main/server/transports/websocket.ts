// beacon.v1 over WebSocket: one Session per socket; the broadcast batch is framed once and written
// straight to each socket, own frames (acks) corked into the same write.
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { LIMITS, SUBPROTOCOL } from '../../../shared/protocol.ts'
import type { Lockout } from '../auth.ts'
import type { Batch } from '../batch.ts'
import { logError } from '../log.ts'
import type { Outbound, Transport, WelcomeOut } from '../outbound.ts'
import type { Room } from '../room.ts'
import { Session } from '../session.ts'
import { encodeTextFrames, textFrameHeader } from './ws-frame.ts'

const ignore = (): void => {}
/**
 * A socket closed for saying nothing (no hello, or a challenge left unanswered) has this long to answer the
 * close frame before it is dropped, instead of ws's 30 s: a client that never reads must not keep its
 * descriptor. Members closed for other reasons keep ws's time to read what was queued for them.
 */
export const SILENT_CLOSE_GRACE_MS = 2000
/** Silent sockets are looked for at least this often, so one is dropped within ~1 s of its timeout. */
const SWEEP_MAX_MS = 1000

export interface WebSocketGatewayOptions {
  room: Room
  lockout: Lockout
  /** A member with more unsent bytes than this is closed with 1013. */
  highWaterBytes?: number
  /** A socket that has not said hello this long after opening is closed (`hello_timeout`, 1008). */
  helloTimeoutMs?: number
  /** WebSocket ping to every socket this often. */
  heartbeatMs?: number
  /** A socket from which nothing (frame or pong) was heard this long is dropped. */
  heartbeatTimeoutMs?: number
}

/**
 * One socket's side of a Session. A class with its methods on the prototype, and listeners shared by every
 * socket, rather than closures made per connection: what each connection keeps is multiplied by the room.
 */
class WsConnection implements Transport {
  readonly remoteAddress: string
  readonly ws: WebSocket
  readonly raw: Socket
  readonly highWater: number
  session!: Session
  /** When anything (a frame, a pong) was last heard from the other end. */
  heard = Date.now()
  /** The hello (or challenge) deadline; cleared when the socket closes, so churn cannot pile up closed connections. */
  deadline: NodeJS.Timeout | undefined

  constructor(ws: WebSocket, raw: Socket, remoteAddress: string, highWater: number) {
    this.ws = ws
    this.raw = raw
    this.remoteAddress = remoteAddress
    this.highWater = highWater
  }

  send(o: Outbound): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(o.json)
  }

  /** One text frame gathered from the parts in one write: the parts are not copied into one buffer. */
  sendWelcome(w: WelcomeOut): void {
    if (this.ws.readyState !== WebSocket.OPEN) return
    let length = 0
    for (const part of w.parts) length += part.length
    this.raw.cork()
    this.raw.write(textFrameHeader(length))
    for (const part of w.parts) if (part.length > 0) this.raw.write(part)
    this.raw.uncork()
  }

  deliver(batch: Batch, own: readonly Outbound[] | undefined): void {
    if (this.ws.readyState !== WebSocket.OPEN) return
    const raw = this.raw
    const shared = batch.size > 0 ? batch.encoded('ws', framesOf) : undefined
    if (own) {
      raw.cork()
      if (shared) raw.write(shared)
      raw.write(framesOf(own))
      raw.uncork()
    } else if (shared) raw.write(shared)
    if (raw.writableLength > this.highWater) this.session.fail('too_slow', 'too slow: resume to catch up')
  }

  queuedBytes(): number {
    return this.raw.writableLength
  }

  onDrain(fn: () => void): void {
    if (this.raw.writableNeedDrain) this.raw.once('drain', fn)
    else setImmediate(fn) // below the socket's own mark: no 'drain' is coming
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code, reason)
    else if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate()
  }
}

export class WebSocketGateway {
  #wss = new WebSocketServer({
    noServer: true,
    maxPayload: LIMITS.maxFrameBytes,
    perMessageDeflate: false,
    clientTracking: false,
    // beacon.v1 wherever the client lists it (room-server.ts routes only clients that offer it or none here)
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  })
  #sockets = new Map<WebSocket, WsConnection>()
  #heartbeat: NodeJS.Timeout
  #pinged = 0
  #opts: Required<WebSocketGatewayOptions>
  // Listeners shared by all sockets (`this` is the socket).
  #onMessage: (this: WebSocket, data: RawData, isBinary: boolean) => void
  #onPong: (this: WebSocket) => void
  #onClose: (this: WebSocket) => void

  constructor(opts: WebSocketGatewayOptions) {
    this.#opts = {
      highWaterBytes: LIMITS.sendHighWaterBytes,
      helloTimeoutMs: LIMITS.helloTimeoutMs,
      heartbeatMs: LIMITS.heartbeatMs,
      heartbeatTimeoutMs: LIMITS.heartbeatTimeoutMs,
      ...opts,
    }
    this.#heartbeat = setInterval(() => this.#beat(), Math.min(this.#opts.heartbeatMs, SWEEP_MAX_MS)).unref()
    const sockets = this.#sockets
    this.#onMessage = function (data, isBinary) {
      const c = sockets.get(this)
      if (!c) return
      c.heard = Date.now()
      if (isBinary) c.session.refuse('bad_frame', 'binary frames are not accepted')
      else c.session.handleText(data.toString()) // never throws: the session closes itself on a failure
    }
    this.#onPong = function () {
      const c = sockets.get(this)
      if (c) c.heard = Date.now()
    }
    this.#onClose = function () {
      const c = sockets.get(this)
      sockets.delete(this)
      clearTimeout(c?.deadline)
      try {
        c?.session.ended()
      } catch (e) {
        logError('a member leaving', e)
      }
    }
  }

  /** beacon.v1 is the protocol when the client offers it or offers none. */
  static accepts(offered: Set<string>): boolean {
    return offered.size === 0 || offered.has(SUBPROTOCOL)
  }

  /** Bytes written to all sockets and not yet sent (what slow readers cost the host). */
  queuedBytes(): number {
    let n = 0
    for (const c of this.#sockets.values()) n += c.raw.writableLength
    return n
  }

  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const remoteAddress = req.socket.remoteAddress ?? 'unknown'
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        this.#connect(ws, remoteAddress)
      } catch (e) {
        logError('opening a WebSocket', e)
        ws.terminate()
      }
    })
  }

  #connect(ws: WebSocket, remoteAddress: string): void {
    const raw = (ws as unknown as { _socket: Socket })._socket
    raw.setNoDelay(true)
    const conn = new WsConnection(ws, raw, remoteAddress, this.#opts.highWaterBytes)
    conn.session = new Session(this.#opts.room, conn, this.#opts.lockout)
    this.#sockets.set(ws, conn)
    ws.on('message', this.#onMessage)
    ws.on('pong', this.#onPong)
    ws.on('error', ignore) // ws closes the socket itself (1009 for oversized frames); 'close' follows
    ws.on('close', this.#onClose)
    conn.deadline = setTimeout(helloDeadline, this.#opts.helloTimeoutMs, conn).unref()
  }

  /**
   * Peers that vanished without a FIN (sleep, cable, crash) are found by ping: one silent for longer than
   * the heartbeat timeout is dropped (its `left` goes to the room).
   */
  #beat(): void {
    const now = Date.now()
    const deadline = now - this.#opts.heartbeatTimeoutMs
    const ping = now - this.#pinged >= this.#opts.heartbeatMs
    if (ping) this.#pinged = now
    for (const [ws, c] of this.#sockets) {
      try {
        if (c.heard < deadline) ws.terminate()
        else if (ping && ws.readyState === WebSocket.OPEN) ws.ping()
      } catch (e) {
        logError('heartbeat', e)
      }
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

const framesOf = (frames: readonly Outbound[]): Buffer => encodeTextFrames(frames.map((o) => o.json))

function helloDeadline(conn: WsConnection): void {
  conn.deadline = undefined
  try {
    const open = conn.ws.readyState === WebSocket.OPEN
    if (conn.session.helloDeadline())
      conn.deadline = setTimeout(helloDeadline, Math.max(0, conn.session.challengeExpiresIn() ?? 0) + 1, conn).unref()
    else if (open && (conn.ws.readyState as number) === WebSocket.CLOSING) setTimeout(terminate, SILENT_CLOSE_GRACE_MS, conn.ws).unref() // closed it just now
  } catch (e) {
    logError('the hello deadline', e)
  }
}

function terminate(ws: WebSocket): void {
  if (ws.readyState !== WebSocket.CLOSED) ws.terminate()
}
