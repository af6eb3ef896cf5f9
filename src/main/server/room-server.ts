// A room host: one HTTP port serving the WebSocket endpoint, the room API and the browser client. No request
// can take the process down: every entry point (request, upgrade, client error) answers or closes that one
// connection when something unexpected throws, and logs it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { hostname } from 'node:os'
import { ERRORS } from '../../shared/errors.ts'
import { LIMITS, SUBPROTOCOL, WS_PATH, type FileRef } from '../../shared/protocol.ts'
import { Lockout, makeSecret } from './auth.ts'
import { ConnectionBudget, descriptorCap, type BudgetLimits } from './budget.ts'
import { History } from './history.ts'
import { logError } from './log.ts'
import { isAllowedHost, isAllowedOrigin } from './origin.ts'
import { REPLAY_LOW_WATER_BYTES, REPLAY_MIN_LOW_WATER_BYTES, Room } from './room.ts'
import { serveStatic } from './static-files.ts'
import { WebSocketGateway } from './transports/websocket.ts'
import { HttpGateway, type HttpLimits } from './transports/http.ts'
import { StompGateway, stompSubprotocol } from './transports/stomp.ts'
import { RSocketGateway, RSOCKET_PATH } from './transports/rsocket.ts'
import { fileLimits, type FileLimits } from './files/limits.ts'
import { FileRoutes } from './files/routes.ts'
import { FileStore } from './files/store.ts'
import { FileTokens } from './files/token.ts'

export interface RoomServerOptions {
  name: string
  dataDir: string
  /** Display name of whoever hosts; defaults to the machine's name. */
  hostName?: string
  password?: string
  /** 0 picks a free port. */
  port?: number
  /** Address to listen on; all interfaces by default (a LAN server). */
  listen?: string
  /** The browser client's files (the renderer's web build). */
  webRoot?: string
  highWaterBytes?: number
  /** HTTP fall-back transports' limits (tests shrink them); defaults from src/shared/http-transport.ts. */
  httpLimits?: Partial<HttpLimits>
  /** STOMP CONNECTED heart-beat offer (ms). */
  stompHeartBeat?: { sendMs: number; receiveMs: number }
  /**
   * Connections per address and in all, over every transport (the benchmark raises perAddress; tests shrink
   * both). The total is capped below the process's open-file limit whatever is asked.
   */
  connections?: Partial<BudgetLimits>
  /** Deadline for a new WebSocket's hello; defaults to LIMITS.helloTimeoutMs. */
  helloTimeoutMs?: number
  /** Pings (WebSocket and `ping` frames) this often, and silence this long drops a socket; LIMITS defaults. */
  heartbeatMs?: number
  heartbeatTimeoutMs?: number
  /** Files (docs/PROTOCOL-FILES.md): sizes, the quota and the transfer rate (`beacon host` flags); tests shrink the timers. LIMITS defaults. */
  files?: Partial<FileLimits>
  /** Messages the room log keeps at least (LIMITS.retention; tests shrink it). */
  retention?: number
}

export class RoomServer {
  readonly room: Room
  /** Every connection the host holds, per address and in all (the HTTP gateway takes from it too). */
  readonly budget: ConnectionBudget
  #http: Server
  #ws: WebSocketGateway
  #ownNames = new Set([hostname().toLowerCase()])
  #webRoot: string | undefined
  #fallback!: HttpGateway
  #stomp!: StompGateway
  #rsocket!: RSocketGateway
  #files!: FileRoutes

  private constructor(room: Room, http: Server, ws: WebSocketGateway, budget: ConnectionBudget, webRoot: string | undefined) {
    this.room = room
    this.#http = http
    this.#ws = ws
    this.budget = budget
    this.#webRoot = webRoot
    http.on('request', (req, res) => {
      try {
        this.#request(req, res)
      } catch (e) {
        failRequest(res, e)
      }
    })
    http.on('upgrade', (req, socket, head) => {
      try {
        this.#upgrade(req, socket as Socket, head)
      } catch (e) {
        logError(`upgrade ${JSON.stringify(req.url)}`, e)
        refuseUpgrade(socket, 500, 'internal error')
      }
    })
    http.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      // A malformed request line or headers: node's parser refused it before any handler saw it.
      if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy()
      const status =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? '408 Request Timeout'
            : '400 Bad Request'
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy())
    })
  }

  static async start(opts: RoomServerOptions): Promise<RoomServer> {
    const secret = opts.password ? await makeSecret(opts.password) : undefined
    const history = new History(opts.dataDir, { retention: opts.retention }) // throws StorageError before anything else starts
    const limits = fileLimits(opts.files)
    const store = new FileStore(opts.dataDir, history.database, limits)
    history.onPrune = (keepFrom) => store.pruned(keepFrom)
    const tokens = new FileTokens()
    const heartbeatMs = opts.heartbeatMs ?? LIMITS.heartbeatMs
    const highWaterBytes = opts.highWaterBytes ?? LIMITS.sendHighWaterBytes
    const replayLowWaterBytes = Math.max(REPLAY_MIN_LOW_WATER_BYTES, Math.min(REPLAY_LOW_WATER_BYTES, highWaterBytes / 4))
    const files = {
      maxFileBytes: limits.maxFileBytes,
      tokenGraceMs: limits.fileTokenGraceMs,
      token: (id: string) => tokens.issue(id),
      holds: (f: FileRef) => store.holds(f),
      sent: (id: string, seq: number) => store.sent(id, seq),
    }
    const room = new Room({ history, name: opts.name, host: opts.hostName ?? hostname(), secret, heartbeatMs, replayLowWaterBytes, files })
    const lockout = new Lockout()
    const cap = descriptorCap()
    const asked = { perAddress: LIMITS.maxConnectionsPerAddress, total: LIMITS.maxConnections, ...opts.connections }
    const budget = new ConnectionBudget({ ...asked, total: cap === undefined ? asked.total : Math.min(asked.total, cap) })
    const ws = new WebSocketGateway({
      room,
      lockout,
      highWaterBytes,
      helloTimeoutMs: opts.helloTimeoutMs ?? LIMITS.helloTimeoutMs,
      heartbeatMs,
      heartbeatTimeoutMs: opts.heartbeatTimeoutMs ?? LIMITS.heartbeatTimeoutMs,
    })
    const http = createServer()
    http.keepAliveTimeout = 30_000
    // Node's whole-request deadline would cut a long file upload; #request applies it to every other request.
    http.requestTimeout = 0
    const server = new RoomServer(room, http, ws, budget, opts.webRoot)
    server.#fallback = new HttpGateway({ room, history, lockout, ownNames: server.#ownNames, limits: opts.httpLimits, budget })
    server.#stomp = new StompGateway({ room, lockout, highWaterBytes, heartBeat: opts.stompHeartBeat, budget })
    server.#rsocket = new RSocketGateway({ room, lockout, highWaterBytes, helloTimeoutMs: opts.helloTimeoutMs })
    server.#files = new FileRoutes({ room, store, tokens, limits, budget, ownNames: server.#ownNames })
    try {
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject)
        http.listen(opts.port ?? 0, opts.listen, () => {
          http.off('error', reject)
          // From now on a listening error is one failed accept (EMFILE while descriptors are short), not fatal.
          http.on('error', (e) => logError('accepting a connection', e))
          resolve()
        })
      })
    } catch (e) {
      server.#files.close()
      room.stop()
      server.#fallback.close()
      await Promise.all([ws.close(0), server.#stomp.close(0), server.#rsocket.close(0)])
      throw e
    }
    return server
  }

  get port(): number {
    return (this.#http.address() as AddressInfo).port
  }

  /** Loopback addresses of this host, for itself and tests. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}${WS_PATH}`
  }

  get webUrl(): string {
    return `http://127.0.0.1:${this.port}/`
  }

  /** What the host holds right now: connections, bytes written to WebSockets not yet sent, members replaying. */
  stats(): { connections: number; queuedBytes: number; replaying: number } {
    return {
      connections: this.budget.total,
      queuedBytes: this.#ws.queuedBytes() + this.#rsocket.queuedBytes(),
      replaying: this.room.replaying,
    }
  }

  #request(req: IncomingMessage, res: ServerResponse): void {
    const url = parseTarget(req.url)
    // A file upload's body takes as long as its bytes keep coming (cut only when they stall: files/tus.ts).
    const files = url !== undefined && this.#files.handles(url.pathname)
    if (!files) bodyDeadline(req, res)
    if (!isAllowedHost(req.headers.host, this.#ownNames)) return text(res, 421, 'unknown host name')
    if (!url) return text(res, 400, 'bad request target')
    if (files) return void this.#files.handle(req, res, url).catch((e: unknown) => failRequest(res, e))
    if (this.#fallback.handles(url.pathname)) return this.#fallback.handle(req, res, url)
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'method not allowed')
    if (url.pathname === '/api/room') return json(res, 200, this.room.summary())
    if (url.pathname === WS_PATH || url.pathname === RSOCKET_PATH) return text(res, 426, 'this endpoint speaks WebSocket')
    serveStatic(this.#webRoot, url.pathname, res)
  }

  #upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', ignoreSocketError) // a peer gone mid-handshake (EPIPE, ECONNRESET): its close follows
    const url = parseTarget(req.url)
    if (!url) return refuseUpgrade(socket, 400, 'bad request target')
    if (url.pathname !== WS_PATH && url.pathname !== RSOCKET_PATH) return refuseUpgrade(socket, 404, 'not found')
    if (!isAllowedOrigin(req.headers.origin, req.headers.host, this.#ownNames)) return refuseUpgrade(socket, 403, 'origin not allowed')
    const offered = new Set(
      String(req.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    const address = req.socket.remoteAddress ?? 'unknown'
    // Over the budget, any WebSocket is refused here, before a handshake it could hold open by not reading.
    if (!this.budget.has(address)) return refuseUpgrade(socket, ERRORS.busy.status, 'busy: too many connections, try again later')
    if (url.pathname === RSOCKET_PATH) {
      this.budget.take(address)
      socket.once('close', () => this.budget.release(address))
      return this.#rsocket.handleUpgrade(req, socket, head)
    }
    // STOMP only when beacon.v1 is not offered at all; its gateway counts its own connections in the budget.
    if (!offered.has(SUBPROTOCOL) && stompSubprotocol(offered)) return this.#stomp.handleUpgrade(req, socket, head)
    if (!WebSocketGateway.accepts(offered)) return refuseUpgrade(socket, 400, 'unsupported subprotocol')
    this.budget.take(address)
    socket.once('close', () => this.budget.release(address))
    this.#ws.handleUpgrade(req, socket, head)
  }

  /** `closing` to every member, close 1001, then stop listening. */
  async stop(reason = 'host_stopped'): Promise<void> {
    this.#files.close()
    this.room.stop(reason)
    this.#fallback.close()
    await Promise.all([this.#ws.close(), this.#stomp.close(), this.#rsocket.close()])
    this.#http.closeAllConnections()
    await new Promise<void>((r) => this.#http.close(() => r()))
  }
}

const ignoreSocketError = (): void => {}

/** How long any other request's body may take to arrive (Node's default requestTimeout). */
const REQUEST_TIMEOUT_MS = 300_000

/** Answer 408 (or drop the connection) when a request's body has not fully arrived in time: a trickle holds nothing for long. */
function bodyDeadline(req: IncomingMessage, res: ServerResponse): void {
  const timer = setTimeout(() => {
    if (req.complete) return
    res.setHeader('Connection', 'close')
    if (!res.headersSent) text(res, 408, 'request timeout')
    req.destroy()
  }, REQUEST_TIMEOUT_MS).unref()
  req.once('close', () => clearTimeout(timer))
}

/** The request target as a URL, or undefined when it is not one (`GET http://[ HTTP/1.1`). */
function parseTarget(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://x')
  } catch {
    return undefined
  }
}

function failRequest(res: ServerResponse, e: unknown): void {
  logError(`request ${JSON.stringify(res.req.url)}`, e)
  try {
    if (!res.headersSent) text(res, 500, 'internal error')
    else res.destroy()
  } catch {
    res.destroy()
  }
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
  res.end(body)
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
  res.end(JSON.stringify(body))
}

/** Answer and let go of the socket at once: a client that never reads must not keep its descriptor. */
function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  if (!socket.writable) return void socket.destroy()
  socket.end(
    `HTTP/1.1 ${status} ${message}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
    () => socket.destroy(), // written to the kernel, which still delivers it
  )
}
