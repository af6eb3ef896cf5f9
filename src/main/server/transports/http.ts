// The HTTP fall-back transports (docs/PROTOCOL-HTTP.md): a member joins with a POST of its `hello`, then
// reads the room's frames from an SSE stream or by (long or short) polling, and sends by POST. Each HTTP
// member is a Session like a WebSocket one (same hello rules, password check, rate limit, dedupe and
// seq order); its frames wait in a bounded queue between streams and polls. Frames that answer a POST
// (welcome after auth, a send's ack or refusal) come back in that POST's response, acks only once stored.
// Messages written to a stream or poll that may have been lost are replayed from the room's log when the
// client comes back with `Last-Event-ID` (SSE) or `after` (polling).
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { HTTP_LIMITS, HTTP_ROUTES } from '../../../shared/http-transport.ts'
import { CLOSE, parseClientFrame, type ClientFrame } from '../../../shared/protocol.ts'
import type { ErrorCode } from '../../../shared/errors.ts'
import type { Lockout } from '../auth.ts'
import type { Batch } from '../batch.ts'
import type { History } from '../history.ts'
import { isAllowedOrigin } from '../origin.ts'
import type { Room } from '../room.ts'
import { Session, type Transport } from '../session.ts'

export type HttpLimits = { -readonly [K in keyof typeof HTTP_LIMITS]: number }

export interface HttpGatewayOptions {
  room: Room
  history: History
  lockout: Lockout
  ownNames: ReadonlySet<string>
  limits?: Partial<HttpLimits>
}

const ROUTES = new Set<string>(Object.values(HTTP_ROUTES))
/** Messages read from the room's log per replay step. */
const REPLAY_PAGE = 200
const MESSAGE_SEQ = /^\{"type":"message","seq":(\d+),/
const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }

/** HTTP status for a refusal code. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  bad_frame: 400,
  unsupported_protocol: 400,
  too_large: 413,
  rate_limited: 429,
  locked_out: 429,
  not_joined: 409,
  wrong_password: 403,
  password_required: 401,
  host_stopped: 503,
}

interface Queued {
  json: string
  seq: number | undefined
}

function messageSeq(json: string): number | undefined {
  const m = MESSAGE_SEQ.exec(json)
  return m ? Number(m[1]) : undefined
}

function sseEvent(json: string, seq: number | undefined): string {
  return seq === undefined ? `data: ${json}\n\n` : `id: ${seq}\ndata: ${json}\n\n`
}

const errorBody = (code: ErrorCode, message: string, id?: string): string =>
  JSON.stringify(id === undefined ? { type: 'error', code, message } : { type: 'error', code, message, id })

export class HttpGateway {
  #opts: HttpGatewayOptions
  #limits: HttpLimits
  #members = new Map<string, HttpMember>()
  #tombstones = new Map<string, { code: number; reason: string; until: number }>()
  /** Open streams and waiting polls per address; joined and joining HTTP members per address. */
  #open = new Map<string, number>()
  #joined = new Map<string, number>()
  #heartbeat: NodeJS.Timeout

  constructor(opts: HttpGatewayOptions) {
    this.#opts = opts
    this.#limits = { ...HTTP_LIMITS }
    for (const [k, v] of Object.entries(opts.limits ?? {})) if (v !== undefined) this.#limits[k as keyof HttpLimits] = v
    this.#heartbeat = setInterval(() => this.#beat(), this.#limits.sseHeartbeatMs).unref()
  }

  get limits(): Readonly<HttpLimits> {
    return this.#limits
  }
  get history(): History {
    return this.#opts.history
  }

  handles(pathname: string): boolean {
    return ROUTES.has(pathname)
  }

  handle(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (!isAllowedOrigin(req.headers.origin, req.headers.host, this.#opts.ownNames)) return send(res, 403, errorBody('bad_frame', 'origin not allowed'))
    const path = url.pathname
    const isGet = path === HTTP_ROUTES.events || path === HTTP_ROUTES.poll
    if (req.method !== (isGet ? 'GET' : 'POST')) {
      res.setHeader('Allow', isGet ? 'GET' : 'POST')
      return send(res, 405, errorBody('bad_frame', `use ${isGet ? 'GET' : 'POST'}`))
    }
    if (path === HTTP_ROUTES.join) return void this.#join(req, res)
    const token = url.searchParams.get('member') ?? ''
    const member = this.#members.get(token)
    if (!member) return this.#unknown(res, token)
    switch (path) {
      case HTTP_ROUTES.events:
        // EventSource sends Last-Event-ID (possibly empty) when it reconnects; `after` is for the first request.
        return this.#stream(req, res, member, req.headers['last-event-id'] || (url.searchParams.get('after') ?? undefined))
      case HTTP_ROUTES.poll:
        return this.#poll(req, res, member, url.searchParams.get('after') ?? undefined, url.searchParams.get('wait') !== '0')
      case HTTP_ROUTES.auth:
        return void this.#auth(req, res, member)
      case HTTP_ROUTES.send:
        return void this.#send(req, res, member)
      case HTTP_ROUTES.typing:
        return void this.#typing(req, res, member)
      case HTTP_ROUTES.leave:
        member.session.close(CLOSE.normal, 'left')
        return send(res, 204, '')
    }
  }

  #unknown(res: ServerResponse, token: string): void {
    const t = this.#tombstones.get(token)
    if (t && t.until > Date.now()) return send(res, 410, JSON.stringify({ type: 'closing', reason: t.reason, code: t.code }))
    send(res, 404, errorBody('not_joined', 'unknown or expired member: join again'))
  }

  async #join(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const frame = await this.#readFrame(req, res, 'hello')
    if (frame?.type !== 'hello') return
    const address = req.socket.remoteAddress ?? 'unknown'
    if ((this.#joined.get(address) ?? 0) >= this.#limits.maxMembersPerAddress) return send(res, 429, errorBody('rate_limited', 'too many HTTP members from this address'))
    const token = randomBytes(18).toString('base64url')
    const member = new HttpMember(token, address, this)
    member.session = new Session(this.#opts.room, member, this.#opts.lockout)
    this.#members.set(token, member)
    bump(this.#joined, address, 1)
    const frames = member.capture(() => member.session.handleFrame(frame))
    if (member.closedWith) {
      const err = frames.find((f) => f.startsWith('{"type":"error"'))
      const code = member.closedWith.code
      if (err) return send(res, statusOf(err), err)
      return send(res, code === CLOSE.policy ? 429 : 503, errorBody(code === CLOSE.policy ? 'locked_out' : 'host_stopped', member.closedWith.reason))
    }
    member.armAbsence()
    send(res, 200, `{"member":${JSON.stringify(token)},"frames":[${frames.join(',')}]}`)
  }

  async #auth(req: IncomingMessage, res: ServerResponse, member: HttpMember): Promise<void> {
    const frame = await this.#readFrame(req, res, 'auth')
    if (frame?.type !== 'auth') return
    const reply = member.nextReply(this.#limits.replyTimeoutMs)
    const sync = member.capture(() => member.session.handleFrame(frame))
    if (sync.length > 0) {
      member.cancelReply()
      return send(res, statusOf(sync[0]!), `{"frames":[${sync.join(',')}]}`)
    }
    const json = await reply
    if (json === undefined) return send(res, 503, errorBody('host_stopped', 'no answer from the room: try again'))
    send(res, json.startsWith('{"type":"welcome"') ? 200 : statusOf(json), `{"frames":[${json}]}`)
  }

  async #send(req: IncomingMessage, res: ServerResponse, member: HttpMember): Promise<void> {
    const frame = await this.#readFrame(req, res, 'send')
    if (frame?.type !== 'send') return
    const acked = member.waitAck(frame.id, this.#limits.replyTimeoutMs)
    const sync = member.capture(() => member.session.handleFrame(frame))
    if (sync.length > 0) {
      member.cancelAck(frame.id)
      return send(res, statusOf(sync[0]!), `{"frames":[${sync.join(',')}]}`)
    }
    const json = await acked
    if (json === undefined) return send(res, 503, errorBody('host_stopped', 'not acknowledged: send it again (it is not stored twice)', frame.id))
    send(res, json.startsWith('{"type":"ack"') ? 200 : statusOf(json), `{"frames":[${json}]}`)
  }

  async #typing(req: IncomingMessage, res: ServerResponse, member: HttpMember): Promise<void> {
    await drain(req, this.#limits.maxBodyBytes)
    const sync = member.capture(() => member.session.handleFrame({ type: 'typing' }))
    if (sync.length > 0) return send(res, statusOf(sync[0]!), `{"frames":[${sync.join(',')}]}`)
    send(res, 204, '')
  }

  #stream(req: IncomingMessage, res: ServerResponse, member: HttpMember, position: string | string[] | undefined): void {
    const after = parsePosition(position)
    if (after === null) return send(res, 400, errorBody('bad_frame', 'Last-Event-ID / after must be a seq'))
    if (!this.#take(member.remoteAddress)) return send(res, 429, errorBody('rate_limited', 'too many open streams and polls from this address'))
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' })
    res.socket?.setNoDelay(true)
    res.write(`retry: ${HTTP_LIMITS.sseRetryMs}\n: beacon\n\n`)
    const release = once(() => bump(this.#open, member.remoteAddress, -1))
    res.on('close', () => {
      release()
      member.detachStream(res)
    })
    member.attachStream(res, after)
  }

  #poll(_req: IncomingMessage, res: ServerResponse, member: HttpMember, position: string | undefined, wait: boolean): void {
    const after = parsePosition(position)
    if (after === null) return send(res, 400, errorBody('bad_frame', 'after must be a seq'))
    if (wait && !this.#take(member.remoteAddress)) return send(res, 429, errorBody('rate_limited', 'too many open streams and polls from this address'))
    const release = once(() => wait && bump(this.#open, member.remoteAddress, -1))
    res.on('close', () => {
      release()
      member.detachPoll(res)
    })
    member.attachPoll(res, after, wait ? this.#limits.longPollMs : 0)
  }

  #take(address: string): boolean {
    if ((this.#open.get(address) ?? 0) >= this.#limits.maxOpenPerAddress) return false
    bump(this.#open, address, 1)
    return true
  }

  /** Read a JSON body into one client frame of `type` (`type` may be left out); answers the refusal itself. */
  async #readFrame(req: IncomingMessage, res: ServerResponse, type: ClientFrame['type']): Promise<ClientFrame | undefined> {
    const ct = req.headers['content-type'] ?? ''
    if (!/^application\/json\s*(;|$)/i.test(ct)) {
      req.resume()
      send(res, 415, errorBody('bad_frame', 'send Content-Type: application/json'))
      return undefined
    }
    const body = await drain(req, this.#limits.maxBodyBytes)
    if (body === undefined) {
      res.setHeader('Connection', 'close')
      send(res, 413, errorBody('too_large', `body larger than ${this.#limits.maxBodyBytes} bytes`))
      return undefined
    }
    let raw: unknown
    try {
      raw = JSON.parse(body)
    } catch {
      send(res, 400, errorBody('bad_frame', 'body is not JSON'))
      return undefined
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      send(res, 400, errorBody('bad_frame', 'body must be a JSON object'))
      return undefined
    }
    const given = (raw as { type?: unknown }).type
    if (given !== undefined && given !== type) {
      send(res, 400, errorBody('bad_frame', `expected a ${type} frame here`))
      return undefined
    }
    const parsed = parseClientFrame(JSON.stringify({ ...raw, type }))
    if (!parsed.ok) {
      send(res, STATUS[parsed.code] ?? 400, errorBody(parsed.code, parsed.message, parsed.id))
      return undefined
    }
    return parsed.frame
  }

  /** A member is gone: remember why for a while, so its next request hears it. */
  forget(member: HttpMember, code: number, reason: string): void {
    if (this.#members.get(member.token) !== member) return
    this.#members.delete(member.token)
    bump(this.#joined, member.remoteAddress, -1)
    const now = Date.now()
    for (const [t, v] of this.#tombstones) if (v.until <= now) this.#tombstones.delete(t)
    this.#tombstones.set(member.token, { code, reason, until: now + this.#limits.tombstoneMs })
  }

  #beat(): void {
    for (const m of this.#members.values()) m.heartbeat()
  }

  /** Stop: close every HTTP member (the room has already said `closing` to the joined ones). */
  close(): void {
    clearInterval(this.#heartbeat)
    for (const m of [...this.#members.values()]) m.session.close(CLOSE.goingAway, 'host_stopped')
  }
}

/** One HTTP member: the Session's transport, between the streams and polls that come and go. */
class HttpMember implements Transport {
  readonly token: string
  readonly remoteAddress: string
  session!: Session
  closedWith: { code: number; reason: string } | undefined
  #gw: HttpGateway
  #queue: Queued[] = []
  #queuedBytes = 0
  /** Highest message seq handed to a stream or poll (or covered by the welcome). */
  #writtenSeq = 0
  #stream: ServerResponse | undefined
  #waitingDrain = false
  /** Messages (replayFrom, replayTo] still to be sent again on this stream; 0: none. */
  #replayFrom = 0
  #replayTo = 0
  #poll: { res: ServerResponse; timer: NodeJS.Timeout | undefined } | undefined
  #capture: string[] | undefined
  #reply: ((json: string | undefined) => void) | undefined
  #acks = new Map<string, ((json: string | undefined) => void)[]>()
  #absence: NodeJS.Timeout | undefined

  constructor(token: string, remoteAddress: string, gw: HttpGateway) {
    this.token = token
    this.remoteAddress = remoteAddress
    this.#gw = gw
  }

  /** Run `fn`; the frames the session sends meanwhile are returned instead of queued. */
  capture(fn: () => void): string[] {
    const out: string[] = []
    this.#capture = out
    try {
      fn()
    } finally {
      this.#capture = undefined
    }
    return out
  }

  nextReply(timeoutMs: number): Promise<string | undefined> {
    return new Promise((resolve) => {
      const t = setTimeout(() => this.cancelReply(), timeoutMs)
      this.#reply = (json) => {
        clearTimeout(t)
        this.#reply = undefined
        resolve(json)
      }
    })
  }
  cancelReply(): void {
    this.#reply?.(undefined)
  }

  waitAck(id: string, timeoutMs: number): Promise<string | undefined> {
    return new Promise((resolve) => {
      const t = setTimeout(() => settle(undefined), timeoutMs)
      const settle = (json: string | undefined): void => {
        clearTimeout(t)
        const list = this.#acks.get(id)
        if (list) {
          const rest = list.filter((f) => f !== settle)
          if (rest.length) this.#acks.set(id, rest)
          else this.#acks.delete(id)
        }
        resolve(json)
      }
      const list = this.#acks.get(id)
      if (list) list.push(settle)
      else this.#acks.set(id, [settle])
    })
  }
  cancelAck(id: string): void {
    for (const settle of this.#acks.get(id) ?? []) settle(undefined)
  }

  // Transport
  send(json: string): void {
    if (this.closedWith) return
    if (json.startsWith('{"type":"welcome"')) this.#writtenSeq = (JSON.parse(json) as { seq: number }).seq
    if (this.#capture) return void this.#capture.push(json)
    if (this.#reply && (json.startsWith('{"type":"welcome"') || json.startsWith('{"type":"error"'))) return this.#reply(json)
    if (json.startsWith('{"type":"error"')) {
      const id = (JSON.parse(json) as { id?: string }).id
      const waiting = id === undefined ? undefined : this.#acks.get(id)
      if (waiting) return waiting[0]!(json)
    }
    this.#enqueue(json)
    this.#flush()
  }

  deliver(batch: Batch, own: readonly string[] | undefined): void {
    if (this.closedWith) return
    if (batch.size > 0) {
      if (this.#stream && this.#queue.length === 0 && !this.#replayTo && !this.#waitingDrain) {
        // The common case: the turn's frames, encoded once for every SSE member.
        const { text, maxSeq } = batch.encoded('sse', encodeSse)
        if (maxSeq !== undefined) this.#writtenSeq = Math.max(this.#writtenSeq, maxSeq)
        this.#write(this.#stream, text)
      } else for (const json of batch.frames) this.#enqueue(json)
    }
    if (own) {
      for (const json of own) {
        const id = (JSON.parse(json) as { id: string }).id
        const waiting = this.#acks.get(id)
        if (waiting) for (const settle of [...waiting]) settle(json)
        else this.#enqueue(json)
      }
    }
    this.#flush()
  }

  close(code: number, reason: string): void {
    if (this.closedWith) return
    this.closedWith = { code, reason }
    clearTimeout(this.#absence)
    this.#gw.forget(this, code, reason)
    this.#reply?.(undefined)
    for (const id of [...this.#acks.keys()]) this.cancelAck(id)
    const closing = JSON.stringify({ type: 'closing', reason, code })
    if (this.#stream) {
      const s = this.#stream
      this.#stream = undefined
      if (!this.#waitingDrain && this.#queue.length) s.write(this.#queue.map((q) => sseEvent(q.json, q.seq)).join(''))
      s.end(`data: ${closing}\n\n`)
    }
    if (this.#poll) this.#answerPoll([...this.#queue.map((q) => q.json), closing])
    this.#queue = []
    this.#queuedBytes = 0
  }

  // Streams and polls
  attachStream(res: ServerResponse, after: number | undefined): void {
    if (this.closedWith) return void res.end()
    if (this.#stream) this.#stream.end()
    if (this.#poll) this.#answerPoll([])
    this.#stream = res
    this.#waitingDrain = false
    this.#replayTo = 0
    clearTimeout(this.#absence)
    if (after !== undefined && after < this.#writtenSeq) {
      if (!this.#gw.history.canResume(after)) return this.session.close(CLOSE.tryAgain, 'too far behind: join again with resume')
      // Messages handed out since `after` may not have arrived: send them again, page by page, before the queue.
      this.#replayFrom = after
      this.#replayTo = this.#writtenSeq
    }
    this.#flush()
  }

  detachStream(res: ServerResponse): void {
    if (this.#stream !== res) return
    this.#stream = undefined
    this.#waitingDrain = false
    this.armAbsence()
  }

  attachPoll(res: ServerResponse, after: number | undefined, waitMs: number): void {
    if (this.closedWith) return void send(res, 410, JSON.stringify({ type: 'closing', ...this.closedWith }))
    if (this.#poll) this.#answerPoll([])
    if (this.#stream) {
      this.#stream.end()
      this.#stream = undefined
    }
    this.#poll = { res, timer: undefined }
    clearTimeout(this.#absence)
    if (after !== undefined && after < this.#writtenSeq) {
      if (!this.#gw.history.canResume(after)) return this.session.close(CLOSE.tryAgain, 'too far behind: join again with resume')
      // The answer to an earlier poll was lost: those messages again (one page; the next poll asks for more).
      const page = this.#gw.history.after(after, REPLAY_PAGE).filter((m) => m.seq <= this.#writtenSeq)
      const frames = page.map((m) => JSON.stringify(m))
      if (page.at(-1)?.seq === this.#writtenSeq) {
        frames.push(...this.#queue.map((q) => q.json))
        this.#take()
      }
      return this.#answerPoll(frames)
    }
    if (this.#queue.length > 0 || waitMs === 0) return this.#flush(true)
    this.#poll.timer = setTimeout(() => this.#answerPoll([]), waitMs)
  }

  detachPoll(res: ServerResponse): void {
    if (this.#poll?.res !== res) return
    clearTimeout(this.#poll.timer)
    this.#poll = undefined
    this.armAbsence()
  }

  armAbsence(): void {
    clearTimeout(this.#absence)
    if (this.closedWith || this.#stream || this.#poll) return
    this.#absence = setTimeout(() => this.session.close(CLOSE.goingAway, 'absent'), this.#gw.limits.absentMs)
  }

  heartbeat(): void {
    if (this.#stream && !this.#waitingDrain) this.#write(this.#stream, ': hb\n\n')
  }

  #enqueue(json: string): void {
    this.#queue.push({ json, seq: messageSeq(json) })
    this.#queuedBytes += json.length
  }

  /**
   * Hand the queue to the stream (replay first, as fast as the reader drains it) or to the waiting poll.
   * Frames nobody collects are bounded: past maxQueuedBytes the member is closed (1013) and rejoins with
   * resume, like a WebSocket member too slow to read.
   */
  #flush(pollNow = false): void {
    const res = this.#stream
    if (res) {
      while (!this.#waitingDrain && this.#stream === res) {
        let text: string
        if (this.#replayTo) {
          const page = this.#gw.history.after(this.#replayFrom, REPLAY_PAGE).filter((m) => m.seq <= this.#replayTo)
          if (page.length === 0 || page.at(-1)!.seq >= this.#replayTo) this.#replayTo = 0
          if (page.length === 0) continue
          this.#replayFrom = page.at(-1)!.seq
          text = page.map((m) => sseEvent(JSON.stringify(m), m.seq)).join('')
        } else if (this.#queue.length > 0) {
          text = this.#queue.map((q) => sseEvent(q.json, q.seq)).join('')
          this.#take()
        } else break
        this.#write(res, text)
      }
    } else if (this.#poll && (this.#queue.length > 0 || pollNow)) {
      const frames = this.#queue.map((q) => q.json)
      this.#take()
      this.#answerPoll(frames)
    }
    if (this.#queuedBytes > this.#gw.limits.maxQueuedBytes) this.session.close(CLOSE.tryAgain, 'too slow: join again with resume')
  }

  #take(): void {
    for (const q of this.#queue) if (q.seq !== undefined) this.#writtenSeq = Math.max(this.#writtenSeq, q.seq)
    this.#queue = []
    this.#queuedBytes = 0
  }

  #answerPoll(frames: string[]): void {
    const p = this.#poll
    if (!p) return
    this.#poll = undefined
    clearTimeout(p.timer)
    send(p.res, 200, `{"frames":[${frames.join(',')}]}`)
    this.armAbsence()
  }

  /** Write, and when the reader has not taken the last writes yet, queue until it drains. */
  #write(res: ServerResponse, text: string): void {
    if (res.destroyed || res.writableEnded) return
    if (!res.write(text)) {
      this.#waitingDrain = true
      res.once('drain', () => {
        if (this.#stream !== res) return
        this.#waitingDrain = false
        this.#flush()
      })
    }
  }
}

function encodeSse(frames: readonly string[]): { text: string; maxSeq: number | undefined } {
  let maxSeq: number | undefined
  let text = ''
  for (const json of frames) {
    const seq = messageSeq(json)
    if (seq !== undefined) maxSeq = seq
    text += sseEvent(json, seq)
  }
  return { text, maxSeq }
}

function parsePosition(v: string | string[] | undefined): number | undefined | null {
  if (v === undefined || v === '') return undefined
  if (typeof v !== 'string' || !/^\d{1,15}$/.test(v)) return null
  return Number(v)
}

function statusOf(errorJson: string): number {
  try {
    const f = JSON.parse(errorJson) as { code?: ErrorCode }
    return (f.code && STATUS[f.code]) ?? 400
  } catch {
    return 400
  }
}

function send(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, body ? JSON_HEADERS : { 'Cache-Control': 'no-store' })
  res.end(body)
}

/** The body as text, or undefined when it is larger than `max` bytes. */
function drain(req: IncomingMessage, max: number): Promise<string | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > max) {
    req.resume()
    return Promise.resolve(undefined)
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    let over = false
    req.on('data', (c: Buffer) => {
      if (over) return
      size += c.length
      if (size > max) {
        over = true
        chunks.length = 0
        resolve(undefined)
      } else chunks.push(c)
    })
    req.on('end', () => !over && resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', () => resolve(undefined))
    req.on('close', () => resolve(undefined))
  })
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by
  if (n <= 0) map.delete(key)
  else map.set(key, n)
}

function once(fn: () => void): () => void {
  let done = false
  return () => {
    if (done) return
    done = true
    fn()
  }
}
