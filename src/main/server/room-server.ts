// A room host: one HTTP port serving the WebSocket endpoint, the room API and the browser client.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { hostname } from 'node:os'
import { LIMITS, SUBPROTOCOL, WS_PATH } from '../../shared/protocol.ts'
import { Lockout, makeSecret } from './auth.ts'
import { History } from './history.ts'
import { isAllowedHost, isAllowedOrigin } from './origin.ts'
import { Room } from './room.ts'
import { serveStatic } from './static-files.ts'
import { WebSocketGateway } from './transports/websocket.ts'
import { HttpGateway, type HttpLimits } from './transports/http.ts'
import { StompGateway, stompSubprotocol } from './transports/stomp.ts'

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
}

export class RoomServer {
  readonly room: Room
  #http: Server
  #ws: WebSocketGateway
  #ownNames = new Set([hostname().toLowerCase()])
  #webRoot: string | undefined
  #fallback!: HttpGateway
  #stomp!: StompGateway

  private constructor(room: Room, http: Server, ws: WebSocketGateway, webRoot: string | undefined) {
    this.room = room
    this.#http = http
    this.#ws = ws
    this.#webRoot = webRoot
    http.on('request', (req, res) => this.#request(req, res))
    http.on('upgrade', (req, socket, head) => this.#upgrade(req, socket as Socket, head))
  }

  static async start(opts: RoomServerOptions): Promise<RoomServer> {
    const secret = opts.password ? await makeSecret(opts.password) : undefined
    const history = new History(opts.dataDir)
    const room = new Room({ history, name: opts.name, host: opts.hostName ?? hostname(), secret })
    const lockout = new Lockout()
    const highWaterBytes = opts.highWaterBytes ?? LIMITS.sendHighWaterBytes
    const ws = new WebSocketGateway({ room, lockout, highWaterBytes })
    const http = createServer()
    http.keepAliveTimeout = 30_000
    const server = new RoomServer(room, http, ws, opts.webRoot)
    server.#fallback = new HttpGateway({ room, history, lockout, ownNames: server.#ownNames, limits: opts.httpLimits })
    server.#stomp = new StompGateway({ room, lockout, highWaterBytes, heartBeat: opts.stompHeartBeat })
    try {
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject)
        http.listen(opts.port ?? 0, opts.listen, () => {
          http.off('error', reject)
          resolve()
        })
      })
    } catch (e) {
      history.close()
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

  #request(req: IncomingMessage, res: ServerResponse): void {
    if (!isAllowedHost(req.headers.host, this.#ownNames)) return text(res, 421, 'unknown host name')
    const url = new URL(req.url ?? '/', 'http://x')
    if (this.#fallback.handles(url.pathname)) return this.#fallback.handle(req, res, url)
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'method not allowed')
    if (url.pathname === '/api/room') return json(res, 200, this.room.summary())
    if (url.pathname === WS_PATH) return text(res, 426, 'this endpoint speaks WebSocket')
    serveStatic(this.#webRoot, url.pathname, res)
  }

  #upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname !== WS_PATH) return refuseUpgrade(socket, 404, 'not found')
    if (!isAllowedOrigin(req.headers.origin, req.headers.host, this.#ownNames)) return refuseUpgrade(socket, 403, 'origin not allowed')
    const offered = new Set(
      (req.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    if (!offered.has(SUBPROTOCOL) && stompSubprotocol(offered)) return this.#stomp.handleUpgrade(req, socket, head)
    if (!WebSocketGateway.accepts(offered)) return refuseUpgrade(socket, 400, 'unsupported subprotocol')
    this.#ws.handleUpgrade(req, socket, head)
  }

  /** `closing` to every member, close 1001, then stop listening. */
  async stop(reason = 'host_stopped'): Promise<void> {
    this.room.stop(reason)
    this.#fallback.close()
    await Promise.all([this.#ws.close(), this.#stomp.close()])
    this.#http.closeAllConnections()
    await new Promise<void>((r) => this.#http.close(() => r()))
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

function refuseUpgrade(socket: Socket, status: number, message: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${message}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  )
}
