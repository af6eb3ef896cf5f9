// The HTTP fall-back transports (docs/PROTOCOL-HTTP.md): a member joins with a POST of its `hello`, then
// reads the room's frames from an SSE stream or by (long or short) polling, and sends by POST. Each HTTP
// member is a Session like a WebSocket one (same hello rules, password check, rate limit, dedupe and
// seq order); its frames wait in a bounded queue between streams and polls. Frames that answer a request
// (welcome after auth, a send's ack or refusal, a scrollback page) come back in its response, acks only once
// stored. A joined member counts in the host's connection budget, and so does every stream and poll while it
// is open. This module routes and checks requests; http-member.ts holds a member's queue, streams and polls.
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { codeOfClose, ERRORS } from '../../../shared/errors.ts'
import { HTTP_LIMITS, HTTP_ROUTES } from '../../../shared/http-transport.ts'
import { CLOSE, LIMITS, parseClientFrame, type ClientFrame } from '../../../shared/protocol.ts'
import type { Lockout } from '../auth.ts'
import { ConnectionBudget } from '../budget.ts'
import type { History } from '../history.ts'
import { logError } from '../log.ts'
import { isAllowedOrigin } from '../origin.ts'
import type { Outbound } from '../outbound.ts'
import type { Room } from '../room.ts'
import { Session } from '../session.ts'
import { HttpMember, type MemberHost } from './http-member.ts'
import { errorBody, refuse, send, statusOf, statusOfCode } from './http-response.ts'

export type HttpLimits = { -readonly [K in keyof typeof HTTP_LIMITS]: number }

export interface HttpGatewayOptions {
  room: Room
  history: History
  lockout: Lockout
  ownNames: ReadonlySet<string>
  limits?: Partial<HttpLimits>
  /** The host's one count of connections (members while joined, streams and polls while open). */
  budget?: ConnectionBudget
}

const ROUTES = new Set<string>(Object.values(HTTP_ROUTES))
const GET_ROUTES = new Set<string>([HTTP_ROUTES.events, HTTP_ROUTES.poll, HTTP_ROUTES.history])
/** Closed members' ids remembered at most (oldest dropped first), however fast members come and go. */
const MAX_TOMBSTONES = 4096

export class HttpGateway implements MemberHost {
  #opts: HttpGatewayOptions
  #limits: HttpLimits
  #members = new Map<string, HttpMember>()
  /** In the order they were made, so expired ones are at the front. */
  #tombstones = new Map<string, { code: number; reason: string; until: number }>()
  /** Open streams and polls per address; joined and joining HTTP members per address. */
  #open = new Map<string, number>()
  #joined = new Map<string, number>()
  #budget: ConnectionBudget
  #heartbeat: NodeJS.Timeout

  constructor(opts: HttpGatewayOptions) {
    this.#opts = opts
    this.#budget = opts.budget ?? new ConnectionBudget()
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

  /** Refusals answer their code's status from the error table; 403, 405, 415, 404 and 410 are HTTP's own answers. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (!isAllowedOrigin(req.headers.origin, req.headers.host, this.#opts.ownNames))
      return send(res, 403, errorBody('bad_frame', 'origin not allowed'))
    const path = url.pathname
    const isGet = GET_ROUTES.has(path)
    if (req.method !== (isGet ? 'GET' : 'POST')) {
      res.setHeader('Allow', isGet ? 'GET' : 'POST')
      return send(res, 405, errorBody('bad_frame', `use ${isGet ? 'GET' : 'POST'}`))
    }
    if (path === HTTP_ROUTES.join) return settle(res, this.#join(req, res))
    const token = url.searchParams.get('member') ?? ''
    const member = this.#members.get(token)
    if (!member) return this.#unknown(res, token)
    member.heardAt = Date.now()
    switch (path) {
      case HTTP_ROUTES.events:
        // EventSource sends Last-Event-ID (possibly empty) when it reconnects; `after` is for the first request.
        return this.#stream(req, res, member, req.headers['last-event-id'] || (url.searchParams.get('after') ?? undefined))
      case HTTP_ROUTES.poll:
        return this.#poll(req, res, member, url.searchParams.get('after') ?? undefined, url.searchParams.get('wait') !== '0')
      case HTTP_ROUTES.auth:
        return settle(res, this.#auth(req, res, member))
      case HTTP_ROUTES.send:
        return settle(res, this.#send(req, res, member))
      case HTTP_ROUTES.typing:
        return settle(res, this.#typing(req, res, member))
      case HTTP_ROUTES.history:
        return this.#history(res, member, url)
      case HTTP_ROUTES.pong:
        return settle(res, this.#pong(req, res, member))
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
    if ((this.#joined.get(address) ?? 0) >= this.#limits.maxMembersPerAddress || !this.#budget.take(address))
      return refuse(res, 'busy', 'too many connections from this address or in all: try again later')
    const token = randomBytes(18).toString('base64url')
    const member = new HttpMember(token, address, this)
    member.session = new Session(this.#opts.room, member, this.#opts.lockout)
    member.wantsPings = frame.heartbeat === true
    this.#members.set(token, member)
    bump(this.#joined, address, 1)
    const frames = member.capture(() => member.session.handleFrame(frame))
    if (member.closedWith) {
      const err = frames.find((o) => o.frame.type === 'error')
      if (err) return send(res, statusOf(err), err.json)
      // Closed without an error frame: the close code names the refusal (4003 locked out, 1008 abuse…).
      const code = codeOfClose(member.closedWith.code) ?? 'host_stopped'
      return refuse(res, code, member.closedWith.reason)
    }
    member.armAbsence()
    send(res, 200, `{"member":${JSON.stringify(token)},"frames":${framesJson(frames)}}`)
  }

  async #auth(req: IncomingMessage, res: ServerResponse, member: HttpMember): Promise<void> {
    const frame = await this.#readFrame(req, res, 'auth')
    if (frame?.type !== 'auth') return
    const reply = member.nextReply(this.#limits.replyTimeoutMs)
    const sync = member.capture(() => member.session.handleFrame(frame))
    if (sync.length > 0) {
      member.cancelReply()
      return send(res, statusOf(sync[0]!), `{"frames":${framesJson(sync)}}`)
    }
    const answer = await reply
    if (answer === undefined) return refuse(res, 'host_stopped', 'no answer from the room: try again')
    send(res, answer.frame.type === 'welcome' ? 200 : statusOf(answer), `{"frames":[${answer.json}]}`)
  }

  async #send(req: IncomingMessage, res: ServerResponse, member: HttpMember): Promise<void> {
    const frame = await this.#readFrame(req, res, 'send')
    if (frame?.type !== 'send') return
    const acked = member.waitAck(frame.id, this.#limits.replyTimeoutMs)
    const sync = member.capture(() => member.session.handleFrame(frame))
    if (sync.length > 0) {
      member.cancelAck(frame.id)
      return send(res, statusOf(sync[0]!), `{"frames":${framesJson(sync)}}`)
    }
    const answer = await acked
    if (answer === undefined) return refuse(res, 'host_stopped', 'not acknowledged: send it again (it is not stored twice)', frame.id)
    send(res, answer.frame.type === 'ack' ? 200 : statusOf(answer), `{"frames":[${answer.json}]}`)
  }

  async #typing(req: IncomingMessage, res: ServerResponse, member: HttpMember): Promise<void> {
    await drain(req, this.#limits.maxBodyBytes)
    const sync = member.capture(() => member.session.handleFrame({ type: 'typing' }))
    if (sync.length > 0) return send(res, statusOf(sync[0]!), `{"frames":${framesJson(sync)}}`)
    send(res, 204, '')
  }

  /** Scrollback through the member's Session (rate-limited there, as on WebSocket): the page in the answer. */
  #history(res: ServerResponse, member: HttpMember, url: URL): void {
    const before = parsePosition(url.searchParams.get('before') ?? undefined)
    const limit = parsePosition(url.searchParams.get('limit') ?? undefined)
    if (before === undefined || before === null) return refuse(res, 'bad_frame', 'before must be a seq')
    if (limit === null || limit === 0 || (limit ?? 0) > LIMITS.historyPage)
      return refuse(res, 'bad_frame', `limit must be 1 to ${LIMITS.historyPage}`)
    const frame: ClientFrame = limit === undefined ? { type: 'history', before } : { type: 'history', before, limit }
    const frames = member.capture(() => member.session.handleFrame(frame))
    const answer = frames.find((o) => o.frame.type === 'history' || o.frame.type === 'error')
    if (!answer) return refuse(res, 'host_stopped', 'no answer from the room: try again')
    send(res, answer.frame.type === 'history' ? 200 : statusOf(answer), `{"frames":[${answer.json}]}`)
  }

  /** The answer to a ping; the request itself was the sign of life. */
  async #pong(req: IncomingMessage, res: ServerResponse, member: HttpMember): Promise<void> {
    await drain(req, this.#limits.maxBodyBytes)
    member.capture(() => member.session.handleFrame({ type: 'pong' }))
    send(res, 204, '')
  }

  #stream(req: IncomingMessage, res: ServerResponse, member: HttpMember, position: string | string[] | undefined): void {
    const after = parsePosition(position)
    if (after === null) return refuse(res, 'bad_frame', 'Last-Event-ID / after must be a seq')
    const release = this.#take(member.remoteAddress)
    if (!release) return refuse(res, 'busy', 'too many open streams and polls from this address or in all')
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' })
    res.socket?.setNoDelay(true)
    res.write(`retry: ${HTTP_LIMITS.sseRetryMs}\n: beacon\n\n`)
    res.on('close', () => {
      release()
      member.detachStream(res)
    })
    member.attachStream(res, after)
  }

  #poll(_req: IncomingMessage, res: ServerResponse, member: HttpMember, position: string | undefined, wait: boolean): void {
    const after = parsePosition(position)
    if (after === null) return refuse(res, 'bad_frame', 'after must be a seq')
    // Short polls count too while they are answered: a replay is work and memory whatever the wait.
    const release = this.#take(member.remoteAddress)
    if (!release) return refuse(res, 'busy', 'too many open streams and polls from this address or in all')
    res.on('close', () => {
      release()
      member.detachPoll(res)
    })
    member.attachPoll(res, after, wait ? this.#limits.longPollMs : 0)
  }

  /** Count one open stream or poll (per address and in the host's budget); its release, or undefined when over. */
  #take(address: string): (() => void) | undefined {
    if ((this.#open.get(address) ?? 0) >= this.#limits.maxOpenPerAddress || !this.#budget.take(address)) return undefined
    bump(this.#open, address, 1)
    return once(() => {
      bump(this.#open, address, -1)
      this.#budget.release(address)
    })
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
      refuse(res, 'too_large', `body larger than ${this.#limits.maxBodyBytes} bytes`)
      return undefined
    }
    let raw: unknown
    try {
      raw = JSON.parse(body)
    } catch {
      refuse(res, 'bad_frame', 'body is not JSON')
      return undefined
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      refuse(res, 'bad_frame', 'body must be a JSON object')
      return undefined
    }
    const given = (raw as { type?: unknown }).type
    if (given !== undefined && given !== type) {
      refuse(res, 'bad_frame', `expected a ${type} frame here`)
      return undefined
    }
    const parsed = parseClientFrame(JSON.stringify({ ...raw, type }))
    if (!parsed.ok) {
      send(res, statusOfCode(parsed.code), errorBody(parsed.code, parsed.message, parsed.id))
      return undefined
    }
    return parsed.frame
  }

  /** A member is gone: remember why for a while, so its next request hears it. */
  forget(member: HttpMember, code: number, reason: string): void {
    if (this.#members.get(member.token) !== member) return
    this.#members.delete(member.token)
    bump(this.#joined, member.remoteAddress, -1)
    this.#budget.release(member.remoteAddress)
    const now = Date.now()
    // Expired ones are at the front: stop at the first live one, so each forget costs O(1) amortised.
    for (const [t, v] of this.#tombstones) {
      if (v.until > now && this.#tombstones.size < MAX_TOMBSTONES) break
      this.#tombstones.delete(t)
    }
    this.#tombstones.set(member.token, { code, reason, until: now + this.#limits.tombstoneMs })
  }

  #beat(): void {
    const now = Date.now()
    for (const m of this.#members.values()) m.heartbeat(now, this.#limits.deadStreamMs)
  }

  /** Stop: close every HTTP member (the room has already said `closing` to the joined ones). */
  close(): void {
    clearInterval(this.#heartbeat)
    for (const m of [...this.#members.values()]) m.session.close(CLOSE.goingAway, 'host_stopped')
  }
}

/** Frames as a JSON array, each as the host encoded it. */
const framesJson = (frames: readonly Outbound[]): string => `[${frames.map((o) => o.json).join(',')}]`

function parsePosition(v: string | string[] | undefined): number | undefined | null {
  if (v === undefined || v === '') return undefined
  if (typeof v !== 'string' || !/^\d{1,15}$/.test(v)) return null
  return Number(v)
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

/** Run an async route: a rejection answers that one request (500) and is logged, never an unhandled rejection. */
function settle(res: ServerResponse, work: Promise<void>): void {
  work.catch((e: unknown) => {
    logError(`HTTP ${JSON.stringify(res.req.url)}`, e)
    if (!res.headersSent) send(res, ERRORS.internal.status, errorBody('internal', 'the room could not answer this request'))
    else res.destroy()
  })
}
