// The STOMP 1.2 gateway (1.1 and 1.0 by `accept-version`) on /ws: a STOMP connection is a room member
// through the same Session as beacon.v1 — same hello rules, password check, rate limit, dedupe and seq
// order. CONNECT becomes `hello` (login = display name); in a password room the host answers its own
// challenge from `passcode` by deriving the key with the room's salt and iterations, so the stored key is
// checked as for everyone else (derivations metered by passcode-gate.ts; a wrong one closes 4001). SEND to
// /topic/room becomes `send`; a `receipt` is answered only once the room has stored the message (its ack);
// MESSAGE frames go to every subscription of the room topic. Every header the host writes is escaped.
// Files (docs/PROTOCOL-FILES.md): CONNECTED carries the member's file token; a file message travels as a JSON
// body `{text, file, url}` (content-type application/json) both ways, plain text stays text/plain.
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { WebSocket, WebSocketServer } from 'ws'
import { randomBytes } from 'node:crypto'
import { STOMP_LIMITS, STOMP_SUBPROTOCOLS, STOMP_VERSIONS, type StompVersion } from '../../../shared/http-transport.ts'
import { ERRORS, type ErrorInfo } from '../../../shared/errors.ts'
import { proofFor } from '../../../shared/password.ts'
import { CLOSE, LIMITS, type Challenge, type ChatMessage } from '../../../shared/protocol.ts'
import { fileDownloadPath } from './file-message.ts'
import type { Lockout } from '../auth.ts'
import type { Batch } from '../batch.ts'
import { ConnectionBudget } from '../budget.ts'
import type { OutFrame, Outbound, Transport } from '../outbound.ts'
import type { Room } from '../room.ts'
import { Session } from '../session.ts'
import { SILENT_CLOSE_GRACE_MS } from './websocket.ts'
import { PasscodeGate, type PasscodeLimits } from './passcode-gate.ts'
import { header, serializeFrame, StompParser, type StompFrame } from './stomp-frame.ts'

export interface StompGatewayOptions {
  room: Room
  lockout: Lockout
  highWaterBytes?: number
  /** CONNECTED `heart-beat` offer (ms); defaults from STOMP_LIMITS. */
  heartBeat?: { sendMs: number; receiveMs: number }
  /** The host's one count of connections; a connection counts from its upgrade to its close. */
  budget?: ConnectionBudget
  /** Passcode derivation limits (tests shrink them); defaults from STOMP_LIMITS. */
  passcodes?: Partial<PasscodeLimits>
}

interface Shared {
  room: Room
  lockout: Lockout
  highWaterBytes: number
  heartBeat: { sendMs: number; receiveMs: number }
  passcodes: PasscodeGate
}

const SERVER = 'Beacon/1'
const TEXT_TYPE = 'text/plain;charset=utf-8'
const JSON_TYPE = 'application/json'
const utf8 = new TextDecoder('utf-8', { fatal: true })

/** The STOMP subprotocol to answer with, when the client offers one and not beacon.v1. */
export function stompSubprotocol(offered: ReadonlySet<string>): string | undefined {
  return STOMP_SUBPROTOCOLS.find((p) => offered.has(p))
}

export class StompGateway {
  #wss: WebSocketServer
  #conns = new Set<StompConnection>()
  #opts: Shared
  #budget: ConnectionBudget
  #timer: NodeJS.Timeout

  constructor(opts: StompGatewayOptions) {
    this.#budget = opts.budget ?? new ConnectionBudget()
    this.#opts = {
      room: opts.room,
      lockout: opts.lockout,
      highWaterBytes: opts.highWaterBytes ?? LIMITS.sendHighWaterBytes,
      heartBeat: opts.heartBeat ?? { sendMs: STOMP_LIMITS.heartBeatSendMs, receiveMs: STOMP_LIMITS.heartBeatReceiveMs },
      passcodes: new PasscodeGate({
        perAddressPerMinute: STOMP_LIMITS.passcodeChecksPerMinute,
        atOnce: STOMP_LIMITS.passcodeChecksAtOnce,
        queue: STOMP_LIMITS.passcodeChecksWaiting,
        ...opts.passcodes,
      }),
    }
    this.#wss = new WebSocketServer({
      noServer: true,
      // The largest frame may arrive in one message, with a little slack for its headers.
      maxPayload: STOMP_LIMITS.maxFrameBytes + 4096,
      perMessageDeflate: false,
      clientTracking: false,
      handleProtocols: (offered) => stompSubprotocol(offered) ?? false,
    })
    this.#timer = setInterval(() => {
      for (const c of this.#conns) c.tick()
    }, 250).unref()
  }

  /** PBKDF2 keys derived from passcodes so far. */
  get derivations(): number {
    return this.#opts.passcodes.derivations
  }

  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const address = req.socket.remoteAddress ?? 'unknown'
    // Counted from the upgrade until the socket closes, whether or not the handshake completes.
    const counted = this.#budget.take(address)
    if (counted) socket.once('close', () => this.#budget.release(address))
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      if (!counted) return refuseBusy(ws)
      const conn = new StompConnection(ws, address, this.#opts, () => this.#conns.delete(conn))
      this.#conns.add(conn)
    })
  }

  async close(graceMs = 2000): Promise<void> {
    clearInterval(this.#timer)
    const open = [...this.#conns]
    await Promise.race([Promise.all(open.map((c) => c.closed)), new Promise((r) => setTimeout(r, graceMs).unref())])
    for (const c of this.#conns) c.terminate()
    this.#wss.close()
  }
}

type Phase = 'connecting' | 'authenticating' | 'connected' | 'closed'

const NO_SCROLLBACK = `scrollback is not offered over STOMP: subscribe to ${STOMP_LIMITS.destination} for messages from now on`

/** Over the connection budget: say so in an ERROR (no version is negotiated yet: raw headers) and close 1013. */
function refuseBusy(ws: WebSocket): void {
  const message = 'busy: too many connections, try again later'
  ws.send(
    serializeFrame(
      'ERROR',
      [
        ['message', message],
        ['content-type', TEXT_TYPE],
      ],
      message,
      'raw',
    ),
  )
  ws.close(ERRORS.busy.close, 'busy')
  // Uncounted, so it may not linger waiting for the client's half of the closing handshake.
  setTimeout(() => ws.terminate(), 1000).unref()
}

class StompConnection {
  readonly closed: Promise<void>
  #ws: WebSocket
  #opts: Shared
  #remoteAddress: string
  #parser = new StompParser({ maxFrameBytes: STOMP_LIMITS.maxFrameBytes, maxHeaders: STOMP_LIMITS.maxHeaders })
  #session: Session
  #phase: Phase = 'connecting'
  #version: StompVersion = '1.2'
  #id = randomBytes(9).toString('base64url')
  #passcode: string | undefined
  #connectHeaders: StompFrame | undefined
  /** subscription id → ack mode */
  #subs = new Map<string, string>()
  /** beacon message id → receipt to answer once stored */
  #receipts = new Map<string, string | undefined>()
  #counter = 0
  #disconnectReceipt: string | undefined
  #openedAt = Date.now()
  #lastIn = Date.now()
  #lastOut = Date.now()
  #inEveryMs = 0
  #outEveryMs = 0

  constructor(ws: WebSocket, remoteAddress: string, opts: Shared, onGone: () => void) {
    this.#ws = ws
    this.#opts = opts
    this.#remoteAddress = remoteAddress
    const transport: Transport = {
      remoteAddress,
      send: (o) => this.#fromRoom(o.frame),
      sendWelcome: (w) => this.#fromRoom(w.frame),
      deliver: (batch, own) => this.#deliver(batch, own),
      // The session closes a member for a reason it should hear: say it in an ERROR frame first.
      close: (code, reason) => (code === CLOSE.normal ? this.#close(code, reason) : this.#fail(reason, undefined, [], code)),
    }
    this.#session = new Session(opts.room, transport, opts.lockout)
    ;(ws as unknown as { _socket: Socket })._socket.setNoDelay(true)
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()))
    ws.on('message', (data: Buffer) => this.#onData(data))
    ws.on('error', () => {})
    ws.on('close', () => {
      this.#phase = 'closed'
      this.#session.ended()
      onGone()
    })
  }

  /** Heart-beats both ways, and the CONNECT deadline. */
  tick(): void {
    const now = Date.now()
    if (this.#phase === 'connecting' && now - this.#openedAt > STOMP_LIMITS.connectTimeoutMs) return this.#fail('no CONNECT frame in time')
    if (this.#phase !== 'connected') return
    if (this.#inEveryMs > 0 && now - this.#lastIn > this.#inEveryMs * STOMP_LIMITS.heartBeatGrace)
      return this.#close(CLOSE.policy, 'heart-beat missed')
    if (this.#outEveryMs > 0 && now - this.#lastOut >= this.#outEveryMs - 125) this.#write('\n')
  }

  terminate(): void {
    this.#ws.terminate()
  }

  #onData(data: Buffer): void {
    this.#lastIn = Date.now()
    for (const ev of this.#parser.push(data)) {
      if (this.#phase === 'closed') return
      if (ev.kind === 'error') return this.#fail(ev.message)
      if (ev.kind === 'frame') this.#onFrame(ev.frame)
    }
  }

  #onFrame(f: StompFrame): void {
    const receipt = header(f, 'receipt')
    if (this.#phase === 'connecting') {
      if (f.command !== 'CONNECT' && f.command !== 'STOMP') return this.#fail(`expected CONNECT, got ${f.command}`)
      return this.#connect(f)
    }
    if (this.#phase !== 'connected') return this.#fail(`${f.command} before CONNECTED`)
    switch (f.command) {
      case 'SEND':
        return this.#send(f, receipt)
      case 'SUBSCRIBE': {
        const id = header(f, 'id') ?? (this.#version === '1.0' ? 'default' : undefined)
        const dest = header(f, 'destination')
        if (dest === undefined) return this.#fail('SUBSCRIBE needs a destination header', receipt)
        if (id === undefined) return this.#fail('SUBSCRIBE needs an id header', receipt)
        if (dest === STOMP_LIMITS.historyDestination) return this.#fail(NO_SCROLLBACK, receipt)
        if (dest !== STOMP_LIMITS.destination)
          return this.#fail(`unknown destination ${dest}: the only one is ${STOMP_LIMITS.destination}`, receipt)
        const ack = header(f, 'ack') ?? 'auto'
        if (ack !== 'auto' && ack !== 'client' && ack !== 'client-individual') return this.#fail(`unknown ack mode ${ack}`, receipt)
        if (this.#subs.has(id)) return this.#fail(`subscription ${id} exists`, receipt)
        if (this.#subs.size >= STOMP_LIMITS.maxSubscriptions)
          return this.#fail(`at most ${STOMP_LIMITS.maxSubscriptions} subscriptions`, receipt)
        this.#subs.set(id, ack)
        return this.#receipt(receipt)
      }
      case 'UNSUBSCRIBE': {
        const id = header(f, 'id') ?? (this.#version === '1.0' ? header(f, 'destination') && 'default' : undefined)
        if (id === undefined) return this.#fail('UNSUBSCRIBE needs an id header', receipt)
        if (!this.#subs.delete(id)) return this.#fail(`no subscription ${id}`, receipt)
        return this.#receipt(receipt)
      }
      case 'ACK':
      case 'NACK': {
        // Messages are stored before they are sent, so acknowledging changes nothing; check the frame only.
        const need = this.#version === '1.2' ? 'id' : 'message-id'
        if (header(f, need) === undefined) return this.#fail(`${f.command} needs a ${need} header`, receipt)
        return this.#receipt(receipt)
      }
      case 'BEGIN':
      case 'COMMIT':
      case 'ABORT':
        return this.#fail('transactions are not supported', receipt)
      case 'DISCONNECT':
        if (this.#receipts.size === 0) {
          this.#receipt(receipt)
          return this.#close(CLOSE.normal, 'disconnect')
        }
        this.#disconnectReceipt = receipt ?? ''
        return
      default:
        return this.#fail(`unknown command ${f.command}`, receipt)
    }
  }

  #connect(f: StompFrame): void {
    const accepted = (header(f, 'accept-version') ?? '1.0').split(',').map((s) => s.trim())
    const version = STOMP_VERSIONS.find((v) => accepted.includes(v))
    if (!version)
      return this.#fail(`supported versions are ${STOMP_VERSIONS.join(',')}`, undefined, [['version', STOMP_VERSIONS.join(',')]])
    this.#version = version
    this.#parser.version = version
    const login = header(f, 'login')
    if (login === undefined) return this.#fail('CONNECT needs a login header: your display name')
    const hb = (header(f, 'heart-beat') ?? '0,0').split(',').map((s) => Number(s.trim()))
    if (hb.length !== 2 || hb.some((n) => !Number.isInteger(n) || n < 0)) return this.#fail('bad heart-beat header')
    const [cx, cy] = hb as [number, number]
    const { sendMs, receiveMs } = this.#opts.heartBeat
    this.#inEveryMs = cx === 0 || receiveMs === 0 ? 0 : Math.max(cx, receiveMs)
    this.#outEveryMs = cy === 0 || sendMs === 0 ? 0 : Math.max(cy, sendMs)
    this.#passcode = header(f, 'passcode')
    this.#connectHeaders = f
    this.#phase = 'authenticating'
    const client = header(f, 'client-id') ?? `stomp-${this.#id}`
    this.#session.handleText(JSON.stringify({ type: 'hello', protocol: 1, name: login, client }))
  }

  #send(f: StompFrame, receipt: string | undefined): void {
    const dest = header(f, 'destination')
    if (dest === undefined) return this.#fail('SEND needs a destination header', receipt)
    if (dest === STOMP_LIMITS.historyDestination) return this.#fail(NO_SCROLLBACK, receipt)
    if (dest !== STOMP_LIMITS.destination)
      return this.#fail(`unknown destination ${dest}: the only one is ${STOMP_LIMITS.destination}`, receipt)
    if (header(f, 'transaction') !== undefined) return this.#fail('transactions are not supported', receipt)
    const type = header(f, 'content-type')
    const json = type !== undefined && /^application\/json\s*(;|$)/i.test(type)
    if (type !== undefined && !json && !/^text\/plain\b/i.test(type))
      return this.#fail(`content-type ${type}: accepted are text/plain and ${JSON_TYPE} (a file message)`, receipt)
    let body: string
    try {
      body = utf8.decode(f.body)
    } catch {
      return this.#fail('body is not UTF-8', receipt)
    }
    const content = json ? fileSend(body) : { text: body }
    if ('error' in content) return this.#fail(content.error, receipt)
    // A direct message's recipient and the members mentioned, as member ids (the latter comma-separated).
    const to = header(f, 'beacon-to')
    const mentions = header(f, 'beacon-mentions')
    const id = header(f, 'beacon-id') ?? `${this.#id}-${++this.#counter}`
    if (this.#receipts.has(id)) return this.#fail(`message ${id} is already being sent`, receipt)
    this.#receipts.set(id, receipt)
    // The session checks text and file against the protocol's schemas, as for every transport.
    this.#session.handleText(JSON.stringify({ type: 'send', id, ...content, to, mentions: mentions?.split(',').filter((m) => m !== '') }))
  }

  /** A beacon.v1 frame the session sends to this member alone. */
  #fromRoom(frame: OutFrame): void {
    switch (frame.type) {
      case 'challenge':
        return void this.#answerChallenge(frame)
      case 'welcome': {
        this.#phase = 'connected'
        const h: [string, string][] = [
          ['version', this.#version],
          ['session', this.#id],
          ['server', SERVER],
          ['heart-beat', `${this.#opts.heartBeat.sendMs},${this.#opts.heartBeat.receiveMs}`],
        ]
        if (frame.files) h.push(['beacon-files-token', frame.files.token], ['beacon-max-file-size', String(frame.files.maxFileBytes)])
        const receipt = this.#connectHeaders && header(this.#connectHeaders, 'receipt')
        this.#writeFrame('CONNECTED', h)
        this.#receipt(receipt)
        return
      }
      case 'error': {
        const { id } = frame
        const receipt = id === undefined ? undefined : this.#receipts.get(id)
        if (id !== undefined) this.#receipts.delete(id)
        // STOMP closes after any ERROR; with the close code beacon.v1 gives the same refusal (4001 wrong password…).
        return this.#fail(`${frame.code}: ${frame.message}`, receipt, [], (ERRORS[frame.code] as ErrorInfo).close ?? CLOSE.policy)
      }
      case 'closing':
        return this.#fail(`closing: ${frame.reason}`, undefined, [], CLOSE.goingAway)
      case 'ack':
        return this.#acked(frame.id)
      default:
        return
    }
  }

  /** Check `passcode` by answering the room's challenge with it: a metered derivation, never for a locked address. */
  async #answerChallenge(ch: Challenge): Promise<void> {
    const passcode = this.#passcode
    if (passcode === undefined) return this.#fail('password_required: this room needs a passcode header')
    if (this.#opts.lockout.isLocked(this.#remoteAddress))
      return this.#fail('locked_out: too many wrong passwords from this address, try again later', undefined, [], CLOSE.lockedOut)
    let proof: string
    try {
      const salt = Buffer.from(ch.salt, 'base64')
      const r = await this.#opts.passcodes.derive(this.#remoteAddress, passcode, salt, ch.iterations, () => this.#phase !== 'closed')
      if ('dropped' in r) return
      if ('refused' in r)
        return this.#fail(
          r.refused === 'busy'
            ? 'busy: too many passcodes being checked, try again later'
            : `rate_limited: at most ${STOMP_LIMITS.passcodeChecksPerMinute} passcode checks a minute from one address`,
          undefined,
          [],
          CLOSE.tryAgain,
        )
      proof = await proofFor(r.key, ch.nonce)
    } catch {
      return this.#fail('internal: could not check the passcode', undefined, [], CLOSE.internal)
    }
    if (this.#phase === 'closed') return
    this.#session.handleText(JSON.stringify({ type: 'auth', proof }))
  }

  #deliver(batch: Batch, own: readonly Outbound[] | undefined): void {
    if (this.#phase !== 'connected') return
    if (this.#subs.size > 0) for (const { frame } of batch.frames) if (frame.type === 'message') this.#message(frame)
    if (own) for (const { frame } of own) this.#fromRoom(frame)
    if (this.#ws.bufferedAmount > this.#opts.highWaterBytes) this.#close(CLOSE.tryAgain, 'too slow')
  }

  #message(m: ChatMessage): void {
    const body = Buffer.from(m.file ? JSON.stringify({ text: m.text, file: m.file, url: fileDownloadPath(m.file) }) : m.text)
    for (const [sub, ack] of this.#subs) {
      const h: [string, string][] = [
        ['destination', STOMP_LIMITS.destination],
        ['subscription', sub],
        ['message-id', String(m.seq)],
        ['seq', String(m.seq)],
        ['sender', m.from.name],
        ['sender-id', m.from.id],
        ['beacon-id', m.id],
        ['timestamp', String(m.ts)],
        ['content-type', m.file ? JSON_TYPE : TEXT_TYPE],
      ]
      if (m.file) h.push(['beacon-file-id', m.file.fileId])
      if (m.to !== undefined) h.push(['beacon-to', m.to])
      if (m.mentions) h.push(['beacon-mentions', m.mentions.join(',')])
      if (ack !== 'auto' && this.#version === '1.2') h.push(['ack', String(m.seq)])
      this.#writeFrame('MESSAGE', h, body)
    }
  }

  #acked(id: string): void {
    if (!this.#receipts.has(id)) return
    const receipt = this.#receipts.get(id)
    this.#receipts.delete(id)
    this.#receipt(receipt)
    if (this.#disconnectReceipt !== undefined && this.#receipts.size === 0) {
      this.#receipt(this.#disconnectReceipt || undefined)
      this.#close(CLOSE.normal, 'disconnect')
    }
  }

  #receipt(receipt: string | undefined): void {
    if (receipt !== undefined) this.#writeFrame('RECEIPT', [['receipt-id', receipt]])
  }

  /** ERROR, then close: what STOMP asks for after any bad frame. */
  #fail(message: string, receipt?: string, extra: [string, string][] = [], code: number = CLOSE.policy): void {
    if (this.#phase === 'closed') return
    const h: [string, string][] = [['message', message.slice(0, 200)], ['content-type', TEXT_TYPE], ...extra]
    if (receipt !== undefined) h.push(['receipt-id', receipt])
    this.#writeFrame('ERROR', h, message)
    this.#close(code, 'stomp error')
  }

  /** Headers are escaped for the negotiated version; before CONNECTED none is, so they go raw (sanitised). */
  #writeFrame(command: string, headers: [string, string][], body: Uint8Array | string = ''): void {
    this.#write(serializeFrame(command, headers, body, this.#phase === 'connected' ? this.#version : 'raw'))
  }

  #write(data: Buffer | string): void {
    if (this.#ws.readyState !== WebSocket.OPEN) return
    this.#lastOut = Date.now()
    this.#ws.send(data, { binary: false })
  }

  #close(code: number, reason: string): void {
    if (this.#phase === 'closed') return
    const silent = this.#phase === 'connecting'
    this.#phase = 'closed'
    this.#session.ended()
    if (this.#ws.readyState !== WebSocket.OPEN) return this.#ws.terminate()
    this.#ws.close(code, reason)
    // A client that never sent CONNECT may never read either: it does not get ws's 30 s for its half of the
    // closing handshake, or idle sockets could hold the host's descriptors (the same rule as beacon.v1).
    if (silent) setTimeout(terminateUnlessClosed, SILENT_CLOSE_GRACE_MS, this.#ws).unref()
  }
}

/** A JSON SEND body `{text?, file}`: its fields for the `send` frame, or why it is refused. */
function fileSend(body: string): { text?: unknown; file?: unknown } | { error: string } {
  let v: unknown
  try {
    v = JSON.parse(body)
  } catch {
    return { error: `a ${JSON_TYPE} body must be JSON: {"text"?: caption, "file": FileRef}` }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: `a ${JSON_TYPE} body must be a JSON object` }
  const { text, file } = v as { text?: unknown; file?: unknown }
  return { text, file }
}

function terminateUnlessClosed(ws: WebSocket): void {
  if (ws.readyState !== WebSocket.CLOSED) ws.terminate()
}
