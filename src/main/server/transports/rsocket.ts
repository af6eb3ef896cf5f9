// RSocket over WebSocket on /rsocket: an RSocket connection is one room member through the same Session as
// beacon.v1 (hello rules, password check, rate limit, dedupe, seq order). rsocket-core's server machinery runs
// the protocol (SETUP, keepalive, streams, REQUEST_N) over a small DuplexConnection on the project's own `ws`
// socket, attached to the room's HTTP upgrade (rsocket-websocket-server opens a server of its own and pins an
// old ws, so it is not used). Routes, named by routing metadata (see rsocket-routing.ts), data JSON:
//   room.stream  (request-stream)   hello → the member's beacon.v1 frames, one payload each, as request(n) allows
//   room.auth    (request-response) a password room's challenge answered with `{ proof }`
//   room.send    (request-response) `{ id, text?, file?, to?, mentions? }` → its ack `{ type: 'ack', id, seq }`
//   room.history (request-response) `{ before, limit? }` → a `history` frame
//   room.typing  (fire-and-forget)
// Frames beyond the reader's demand wait in a queue bounded by the send high-water mark: past it the member is
// closed `too_slow` (it resumes). Refusals end a request with APPLICATION_ERROR "code: message". A streamed
// `message` that carries a file also carries its download `url` (file-message.ts).
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import {
  Deferred,
  deserializeFrame,
  ErrorCodes,
  Flags,
  FrameTypes,
  RSocketError,
  RSocketServer,
  serializeFrame,
  type Cancellable,
  type Closeable,
  type Demultiplexer,
  type DuplexConnection,
  type Frame,
  type FrameHandler,
  type Multiplexer,
  type OnExtensionSubscriber,
  type OnNextSubscriber,
  type OnTerminalSubscriber,
  type Outbound as FrameOutbound,
  type Payload,
  type Requestable,
  type RSocket,
  type SetupPayload,
} from 'rsocket-core'
import { ERRORS, type ErrorCode, type ErrorInfo } from '../../../shared/errors.ts'
import { CLOSE, LIMITS, PROTOCOL_VERSION, type ClientFrame } from '../../../shared/protocol.ts'
import type { Lockout } from '../auth.ts'
import type { Batch } from '../batch.ts'
import { logError } from '../log.ts'
import type { OutFrame, Outbound, Transport, WelcomeOut } from '../outbound.ts'
import type { Room } from '../room.ts'
import { Session } from '../session.ts'
import { withFileUrl } from './file-message.ts'
import { DATA_MIME, METADATA_MIMES, routeOf } from './rsocket-routing.ts'
import { SILENT_CLOSE_GRACE_MS } from './websocket.ts'

export const RSOCKET_PATH = '/rsocket'
const ROUTES = 'routes: room.stream (request-stream), room.auth, room.send, room.history (request-response), room.typing (fire-and-forget)'
/** REQUEST_N's largest value means "unbounded" (RSocket spec). */
const UNBOUNDED = 0x7fffffff

export interface RSocketGatewayOptions {
  room: Room
  lockout: Lockout
  /** A member's bytes waiting (for demand or the socket) beyond this close it `too_slow`. */
  highWaterBytes?: number
  helloTimeoutMs?: number
}

type Factory = (frame: Frame, outbound: FrameOutbound & Closeable) => Multiplexer & Demultiplexer & FrameHandler
type Acceptor = (frame: Frame, connection: DuplexConnection) => Promise<void>
type Subscriber = OnTerminalSubscriber & OnNextSubscriber & OnExtensionSubscriber

export class RSocketGateway {
  #wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.maxFrameBytes, perMessageDeflate: false, clientTracking: false })
  #members = new Set<RSocketMember>()
  #room: Room
  #lockout: Lockout
  #highWater: number
  #helloTimeoutMs: number
  #accept: Acceptor | undefined
  #factory: Factory | undefined
  /** The member whose SETUP rsocket-core is accepting right now (it calls the acceptor synchronously). */
  #accepting: RSocketMember | undefined

  constructor(opts: RSocketGatewayOptions) {
    this.#room = opts.room
    this.#lockout = opts.lockout
    this.#highWater = opts.highWaterBytes ?? LIMITS.sendHighWaterBytes
    this.#helloTimeoutMs = opts.helloTimeoutMs ?? LIMITS.helloTimeoutMs
    const server = new RSocketServer({
      transport: {
        bind: (accept, factory) => {
          this.#accept = accept
          this.#factory = factory
          return Promise.resolve(new Deferred())
        },
      },
      acceptor: { accept: (setup) => this.#setup(setup) },
    })
    void server.bind() // runs the transport's bind synchronously; nothing listens
  }

  /** Bytes waiting in every member's queue and socket. */
  queuedBytes(): number {
    let n = 0
    for (const m of this.#members) n += m.queuedBytes()
    return n
  }

  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const address = req.socket.remoteAddress ?? 'unknown'
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const member = new RSocketMember(ws, socket, address, this.#room, this.#lockout, this.#highWater, this.#helloTimeoutMs, {
        accept: (frame, conn) => {
          this.#accepting = member
          try {
            return this.#accept!(frame, conn)
          } finally {
            this.#accepting = undefined
          }
        },
        factory: this.#factory!,
      })
      this.#members.add(member)
      ws.once('close', () => this.#members.delete(member))
    })
  }

  #setup(setup: SetupPayload): Promise<Partial<RSocket>> {
    const member = this.#accepting
    if (!member) return Promise.reject(new RSocketError(ErrorCodes.REJECTED_SETUP, 'internal: no connection'))
    // parameters (`;charset=utf-8`) aside, as some clients send them
    if (setup.dataMimeType.split(';')[0]!.trim().toLowerCase() !== DATA_MIME)
      return Promise.reject(new RSocketError(ErrorCodes.INVALID_SETUP, `data MIME ${setup.dataMimeType}: only ${DATA_MIME} is accepted`))
    if (!METADATA_MIMES.includes(setup.metadataMimeType))
      return Promise.reject(
        new RSocketError(ErrorCodes.INVALID_SETUP, `metadata MIME ${setup.metadataMimeType}: accepted are ${METADATA_MIMES.join(', ')}`),
      )
    return Promise.resolve(member.responder(setup.metadataMimeType))
  }

  async close(graceMs = 2000): Promise<void> {
    const open = [...this.#members]
    await Promise.race([Promise.all(open.map((m) => m.closed)), new Promise((r) => setTimeout(r, graceMs).unref())])
    for (const m of this.#members) m.terminate()
    this.#wss.close()
  }
}

/** rsocket-core's view of the socket: frames in and out, with the checks rsocket-core leaves to transports. */
class WsDuplex extends Deferred implements DuplexConnection {
  readonly multiplexerDemultiplexer: Multiplexer & Demultiplexer & FrameHandler
  #ws: WebSocket

  constructor(ws: WebSocket, setup: Frame, factory: Factory) {
    super()
    this.#ws = ws
    this.multiplexerDemultiplexer = factory(setup, this)
  }

  get availability(): number {
    return this.done ? 0 : 1
  }

  send(frame: Frame): void {
    if (!this.done && this.#ws.readyState === WebSocket.OPEN) this.#ws.send(serializeFrame(frame))
  }

  /** rsocket-core ends the connection (keepalive missed, the peer's ERROR): the member closes the socket (onClose). */
  override close(error?: Error): void {
    if (!this.done) super.close(error)
  }
}

interface Stream {
  subscriber: Subscriber
  demand: number
  queue: Buffer[]
}

/** One WebSocket's RSocket connection, and the room member (at most one) it carries. */
class RSocketMember implements Transport {
  readonly remoteAddress: string
  readonly closed: Promise<void>
  #ws: WebSocket
  #raw: Socket
  #session: Session
  #highWater: number
  #wire: { accept: Acceptor; factory: Factory }
  #conn: WsDuplex | undefined
  /** Frames that came while rsocket-core was accepting the SETUP: handled once it has. */
  #early: Frame[] | undefined
  #metadataMime = ''
  #stream: Stream | undefined
  #queuedBytes = 0
  #drain: (() => void)[] = []
  /** The request being handled synchronously: refusals the session makes meanwhile answer it. */
  #capture: Subscriber | undefined
  #sends = new Map<string, Subscriber>()
  #auth: Subscriber | undefined
  /** The refusal that ends this member, said in the stream's ERROR (or the connection's) as it closes. */
  #last: string | undefined
  #gone = false
  #errorWritten = false
  #timer: NodeJS.Timeout

  constructor(
    ws: WebSocket,
    raw: Socket,
    remoteAddress: string,
    room: Room,
    lockout: Lockout,
    highWater: number,
    helloTimeoutMs: number,
    wire: { accept: Acceptor; factory: Factory },
  ) {
    this.#ws = ws
    this.#raw = raw
    this.remoteAddress = remoteAddress
    this.#highWater = highWater
    this.#wire = wire
    this.#session = new Session(room, this, lockout)
    raw.setNoDelay(true)
    raw.on('drain', () => this.#pump())
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()))
    ws.on('message', (data: RawData, isBinary: boolean) => this.#onMessage(data as Buffer, isBinary))
    ws.on('error', () => {})
    ws.on('close', () => {
      this.#gone = true
      clearTimeout(this.#timer)
      this.#session.ended()
      if (this.#conn && !this.#conn.done) this.#conn.close(new Error('socket closed'))
      this.#drain = []
    })
    const deadline = (): void => {
      if (this.#session.helloDeadline()) this.#timer = setTimeout(deadline, Math.max(0, this.#session.challengeExpiresIn() ?? 0) + 10)
    }
    this.#timer = setTimeout(deadline, helloTimeoutMs)
    this.#timer.unref()
  }

  terminate(): void {
    this.#ws.terminate()
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (this.#gone) return
    let frame: Frame
    try {
      if (!isBinary) throw new Error('RSocket frames travel in binary WebSocket messages')
      // rsocket-core returns nothing for a frame type it does not know
      frame = deserializeFrame(data) ?? fail('unknown frame type')
    } catch (e) {
      return this.#connectionError(`broken frame: ${e instanceof Error ? e.message : 'unreadable'}`)
    }
    // Fragments are reassembled without a bound by rsocket-core: refused, so a request is one frame (≤ maxFrameBytes).
    if (FRAGMENTABLE.has(frame.type) && Flags.hasFollows(frame.flags))
      return this.#connectionError(
        `fragmented frames are not accepted: send each request in one frame of at most ${LIMITS.maxFrameBytes} bytes`,
      )
    if (this.#early) return void this.#early.push(frame)
    if (!this.#conn) return this.#setup(frame)
    try {
      this.#conn.multiplexerDemultiplexer.handle(frame)
    } catch (e) {
      logError(`rsocket frame from ${this.remoteAddress}`, e)
      this.#connectionError('internal: the host failed to handle that frame')
    }
  }

  #setup(frame: Frame): void {
    if (frame.type !== FrameTypes.SETUP)
      return this.#connectionError(`expected SETUP first, got frame type ${frame.type}`, ErrorCodes.INVALID_SETUP)
    if (Flags.hasResume(frame.flags))
      return this.#connectionError('RSocket resume is not offered: use room.stream `resume`', ErrorCodes.UNSUPPORTED_SETUP)
    if (Flags.hasLease(frame.flags)) return this.#connectionError('leases are not offered', ErrorCodes.UNSUPPORTED_SETUP)
    frame.lifetime = Math.min(frame.lifetime, LIMITS.rsocketMaxLifetimeMs)
    this.#conn = new WsDuplex(this.#ws, frame, this.#wire.factory)
    this.#conn.onClose((e) => {
      if (e) this.#last ??= e.message // said in a connection ERROR as it closes (a missed keepalive…)
      this.#close(e ? CLOSE.policy : CLOSE.normal, 'rsocket closed')
    })
    this.#early = []
    this.#wire.accept(frame, this.#conn).then(
      () => {
        const early = this.#early ?? []
        this.#early = undefined
        for (const f of early) if (!this.#gone && this.#conn && !this.#conn.done) this.#conn.multiplexerDemultiplexer.handle(f)
      },
      (e: unknown) => {
        logError('rsocket setup', e)
        this.#connectionError('internal: setup failed')
      },
    )
  }

  /** The RSocket handlers rsocket-core calls for this connection's requests. */
  responder(metadataMime: string): Partial<RSocket> {
    this.#metadataMime = metadataMime
    return {
      requestStream: (payload, n, subscriber) => this.#requestStream(payload, n, subscriber),
      requestResponse: (payload, subscriber) => this.#requestResponse(payload, subscriber),
      fireAndForget: (payload, subscriber) => this.#fireAndForget(payload, subscriber),
    }
  }

  #requestStream(payload: Payload, n: number, subscriber: Subscriber): Requestable & Cancellable & OnExtensionSubscriber {
    const r = this.#parse(payload)
    const none = { request: () => {}, cancel: () => {}, onExtension: () => {} }
    if ('error' in r) return (subscriber.onError(appError(r.error)), none)
    if (r.route !== 'room.stream')
      return (
        subscriber.onError(
          appError(
            r.route === 'room.history' ? 'bad_frame: room.history is request-response' : `bad_frame: unknown route ${r.route}; ${ROUTES}`,
          ),
        ),
        none
      )
    if (this.#stream) return (subscriber.onError(appError('bad_frame: one room.stream per connection')), none)
    const d = r.data
    const stream: Stream = { subscriber, demand: 0, queue: [] }
    this.#stream = stream
    this.#request(n)
    this.#session.handleFrame({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      name: d.name,
      client: d.client,
      resume: d.resume,
    } as ClientFrame)
    return {
      request: (more) => this.#request(more),
      // Cancelling the room's stream is leaving the room.
      cancel: () => {
        if (this.#stream === stream) this.#stream = undefined
        this.#session.close(CLOSE.normal, 'cancelled')
      },
      onExtension: () => {},
    }
  }

  #requestResponse(payload: Payload, subscriber: Subscriber): Cancellable & OnExtensionSubscriber {
    const none = { cancel: () => {}, onExtension: () => {} }
    const r = this.#parse(payload)
    if ('error' in r) return (subscriber.onError(appError(r.error)), none)
    const d = r.data
    switch (r.route) {
      case 'room.send': {
        const id = typeof d.id === 'string' ? d.id : undefined
        if (id !== undefined && this.#sends.has(id))
          return (subscriber.onError(appError(`bad_frame: message ${id} is already being sent`)), none)
        if (id !== undefined) this.#sends.set(id, subscriber)
        this.#captured(subscriber, { type: 'send', id, text: d.text, file: d.file, to: d.to, mentions: d.mentions } as ClientFrame)
        return { cancel: () => id !== undefined && this.#sends.delete(id), onExtension: () => {} }
      }
      case 'room.history':
        this.#captured(subscriber, { type: 'history', before: d.before, limit: d.limit } as ClientFrame)
        return none
      case 'room.auth':
        if (this.#auth || this.#session.challengeExpiresIn() === undefined)
          return (subscriber.onError(appError('bad_frame: no challenge is pending')), none)
        this.#auth = subscriber
        this.#captured(subscriber, { type: 'auth', proof: d.proof } as ClientFrame)
        return { cancel: () => (this.#auth = undefined), onExtension: () => {} }
      case 'room.stream':
        return (subscriber.onError(appError('bad_frame: room.stream is request-stream')), none)
      default:
        return (subscriber.onError(appError(`bad_frame: unknown route ${r.route}; ${ROUTES}`)), none)
    }
  }

  #fireAndForget(payload: Payload, subscriber: OnTerminalSubscriber): Cancellable {
    const r = this.#parse(payload)
    if (!('error' in r) && r.route === 'room.typing') this.#captured(undefined, { type: 'typing' })
    subscriber.onComplete()
    return { cancel: () => {} }
  }

  /** Route and JSON object of a request, or an error message naming what is accepted. */
  #parse(payload: Payload): { route: string; data: Record<string, unknown> } | { error: string } {
    const r = routeOf(this.#metadataMime, payload.metadata)
    if ('error' in r) return { error: `bad_frame: ${r.error}; ${ROUTES}` }
    let data: unknown
    try {
      data = payload.data && payload.data.length > 0 ? JSON.parse(payload.data.toString('utf8')) : {}
    } catch {
      return { error: `bad_frame: data is not JSON (only ${DATA_MIME} is accepted)` }
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return { error: 'bad_frame: data must be a JSON object' }
    return { route: r.route, data: data as Record<string, unknown> }
  }

  /** Hand the session a frame; a refusal it makes at once answers `subscriber` (or is dropped, for fire-and-forget). */
  #captured(subscriber: Subscriber | undefined, frame: ClientFrame): void {
    this.#capture = subscriber ?? DROP
    try {
      this.#session.handleFrame(frame)
    } finally {
      this.#capture = undefined
    }
  }

  #request(n: number): void {
    const s = this.#stream
    if (!s) return
    if (!Number.isInteger(n) || n < 1) return this.#end('bad_frame', `request(n) needs 1 ≤ n ≤ ${UNBOUNDED}, got ${n}`)
    s.demand = Math.min(UNBOUNDED, s.demand + n)
    this.#pump()
  }

  // ---- Transport: what the room and the session send this member ----

  send(o: Outbound): void {
    this.#fromRoom(o.frame, o.json)
  }

  sendWelcome(w: WelcomeOut): void {
    this.#enqueue(Buffer.concat(w.parts as Buffer[]))
    const auth = this.#auth
    this.#auth = undefined
    auth?.onNext({ data: Buffer.from('{"type":"joined"}') }, true)
  }

  deliver(batch: Batch, own: readonly Outbound[] | undefined): void {
    if (this.#gone || !this.#stream) return
    // one write for the whole batch, not one per RSocket frame
    this.#raw.cork()
    try {
      if (batch.size > 0) for (const b of batch.encoded('rsocket', payloadsOf)) this.#enqueue(b)
      if (own) for (const o of own) this.#fromRoom(o.frame, o.json)
    } finally {
      this.#raw.uncork()
    }
  }

  close(code: number, reason: string): void {
    this.#close(code, reason)
  }

  queuedBytes(): number {
    return this.#queuedBytes + this.#ws.bufferedAmount
  }

  onDrain(fn: () => void): void {
    this.#drain.push(fn)
  }

  #fromRoom(frame: OutFrame, json: string): void {
    if (this.#gone) return
    if (frame.type === 'ack') {
      const sub = this.#sends.get(frame.id)
      this.#sends.delete(frame.id)
      sub?.onNext({ data: Buffer.from(json) }, true)
    } else if (frame.type === 'history' && this.#capture) {
      return this.#capture.onNext({ data: Buffer.from(json) }, true)
    } else if (frame.type === 'error') {
      const message = `${frame.code}: ${frame.message}`
      const sub = (frame.id !== undefined ? this.#sends.get(frame.id) : undefined) ?? this.#capture
      if (frame.id !== undefined) this.#sends.delete(frame.id)
      if (sub) return sub.onError(appError(message))
      if ((ERRORS[frame.code as ErrorCode] as ErrorInfo).close !== undefined || this.#auth) {
        this.#last = message // ends the member: said as it closes
        return
      }
      if (!this.#session.joined && this.#stream) {
        // the hello was refused: that stream ends, another may try again
        const s = this.#stream
        this.#stream = undefined
        return s.subscriber.onError(appError(message))
      }
    } else if (frame.type === 'closing') {
      this.#last = `host_stopped: ${frame.reason}`
      return
    }
    this.#enqueue(Buffer.from(frame.type === 'message' ? withFileUrl(frame, json) : json))
  }

  #enqueue(b: Buffer): void {
    const s = this.#stream
    if (!s || this.#gone) return
    s.queue.push(b)
    this.#queuedBytes += b.length
    this.#pump()
    if (this.queuedBytes() > this.#highWater)
      this.#end('too_slow', `more than ${this.#highWater} bytes waiting for request(n): open room.stream again with resume`)
  }

  /** Send what the reader has asked for, while the socket keeps up. */
  #pump(): void {
    const s = this.#stream
    if (!s || this.#gone) return
    let sent = false
    this.#raw.cork()
    while (s.demand > 0 && s.queue.length > 0 && this.#raw.writableLength < PUMP_SOCKET_BYTES) {
      const b = s.queue.shift()!
      this.#queuedBytes -= b.length
      if (s.demand < UNBOUNDED) s.demand--
      s.subscriber.onNext({ data: b }, false)
      sent = true
    }
    this.#raw.uncork()
    if (sent && this.#drain.length > 0) {
      const waiting = this.#drain
      this.#drain = []
      setImmediate(() => {
        for (const fn of waiting) fn()
      })
    }
  }

  /** End the member for `code`: the stream's ERROR says it, the socket closes with the table's close code. */
  #end(code: ErrorCode, message: string): void {
    this.#last = `${code}: ${message}`
    this.#session.close((ERRORS[code] as ErrorInfo).close ?? CLOSE.policy, code)
    this.#close((ERRORS[code] as ErrorInfo).close ?? CLOSE.policy, code) // when no member had joined yet
  }

  /** A connection-level ERROR frame (stream 0), then close. */
  #connectionError(message: string, code: number = ErrorCodes.CONNECTION_ERROR): void {
    this.#last = message
    this.#session.ended()
    this.#writeError(code, message)
    this.#close(CLOSE.policy, 'rsocket error')
  }

  #writeError(code: number, message: string): void {
    this.#errorWritten = true
    if (this.#ws.readyState !== WebSocket.OPEN) return
    this.#ws.send(serializeFrame({ type: FrameTypes.ERROR, streamId: 0, flags: Flags.NONE, code, message: message.slice(0, 500) }))
  }

  #close(code: number, reason: string): void {
    if (this.#gone) return
    const silent = !this.#session.joined && !this.#stream
    this.#gone = true
    clearTimeout(this.#timer)
    this.#session.ended()
    const message = this.#last ?? reason
    for (const sub of this.#sends.values()) sub.onError(appError(message))
    this.#sends.clear()
    this.#auth?.onError(appError(message))
    this.#auth = undefined
    if (this.#stream) {
      this.#stream.subscriber.onError(appError(message))
      this.#stream = undefined
    } else if (this.#last !== undefined && !this.#errorWritten) this.#writeError(ErrorCodes.CONNECTION_ERROR, message)
    if (this.#ws.readyState !== WebSocket.OPEN) return this.#ws.terminate()
    this.#ws.close(code, reason.slice(0, 120))
    if (silent) setTimeout(terminateUnlessClosed, SILENT_CLOSE_GRACE_MS, this.#ws).unref()
  }
}

/** Room frames written to the socket while its kernel buffer is below this; the rest waits for 'drain'. */
const PUMP_SOCKET_BYTES = 256 * 1024

/** The frame types whose 0x80 flag is FOLLOWS (on others the same bit means something else, RESPOND on KEEPALIVE). */
const FRAGMENTABLE: ReadonlySet<FrameTypes> = new Set([
  FrameTypes.REQUEST_RESPONSE,
  FrameTypes.REQUEST_FNF,
  FrameTypes.REQUEST_STREAM,
  FrameTypes.REQUEST_CHANNEL,
  FrameTypes.PAYLOAD,
])

const DROP: Subscriber = { onNext: () => {}, onError: () => {}, onComplete: () => {}, onExtension: () => {} }

function fail(message: string): never {
  throw new Error(message)
}

function appError(message: string): RSocketError {
  return new RSocketError(ErrorCodes.APPLICATION_ERROR, message)
}

function payloadsOf(frames: readonly Outbound[]): Buffer[] {
  return frames.map((o) => Buffer.from(o.frame.type === 'message' ? withFileUrl(o.frame, o.json) : o.json))
}

function terminateUnlessClosed(ws: WebSocket): void {
  if (ws.readyState !== WebSocket.CLOSED) ws.terminate()
}
