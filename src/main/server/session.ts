// One member connection's protocol state machine (hello → [challenge → auth] → joined), transport-agnostic:
// WebSocket and the HTTP transports feed it frames and carry its output. Nothing a peer sends may throw out
// of it: an unexpected failure closes this one connection (`internal`) and is logged.
import { ERRORS, type ErrorCode, type ErrorInfo } from '../../shared/errors.ts'
import {
  LIMITS,
  PROTOCOL_VERSION,
  parseClientFrame,
  type ClientFrame,
  type Hello,
  type HistoryRequest,
  type Member,
} from '../../shared/protocol.ts'
import { TokenBucket, WindowCounter } from '../../shared/rate-limit.ts'
import { normalizeName } from '../../shared/text.ts'
import { newNonce, verifyProof, type Lockout } from './auth.ts'
import { logError } from './log.ts'
import { errorOut, outbound, type Transport } from './outbound.ts'
import type { Peer, Room } from './room.ts'

type State =
  | { kind: 'new' }
  | { kind: 'challenged'; hello: Hello; nonce: string; expires: number }
  | { kind: 'verifying' }
  | { kind: 'joined' }
  | { kind: 'closed' }
const NEW: State = { kind: 'new' }
const VERIFYING: State = { kind: 'verifying' }
const JOINED: State = { kind: 'joined' }
const CLOSED: State = { kind: 'closed' }

export class Session implements Peer {
  member: Member = { id: '', name: '' }
  clientId = ''
  /** The member asked for `ping` frames (hello `heartbeat: true`). */
  heartbeat = false
  #state: State = NEW
  /** Where this member's frames go: the room writes to it directly (see Transport). */
  readonly transport: Transport
  #room: Room
  #lockout: Lockout
  /** Whether this session holds one of its address's outstanding challenges (Lockout.openChallenge). */
  #holdsChallenge = false
  // Made on first use: most members of a big room are idle readers, and every byte a connection keeps
  // is multiplied by the room's size.
  #bucket: TokenBucket | undefined
  #historyBucket: TokenBucket | undefined
  #abuse: WindowCounter | undefined
  #lastTyping = -Infinity

  constructor(room: Room, transport: Transport, lockout: Lockout) {
    this.#room = room
    this.transport = transport
    this.#lockout = lockout
  }

  get joined(): boolean {
    return this.#state.kind === 'joined'
  }

  /** Milliseconds until the pending challenge expires (≤ 0: expired), or undefined when none is pending. */
  challengeExpiresIn(): number | undefined {
    return this.#state.kind === 'challenged' ? this.#state.expires - Date.now() : undefined
  }

  /**
   * The hello deadline has passed: close unless hello came. A pending challenge gets until it expires
   * (checked again after `challengeExpiresIn()`); returns whether the session is still waiting on one.
   */
  helloDeadline(): boolean {
    if (this.#state.kind === 'new') this.fail('hello_timeout', 'no hello in time')
    else if (this.#state.kind === 'challenged') {
      if (this.#state.expires > Date.now()) return true
      this.fail('hello_timeout', 'the challenge expired: say hello again')
    }
    return false
  }

  handleText(text: string): void {
    try {
      const parsed = parseClientFrame(text)
      if (parsed.ok) this.#frame(parsed.frame)
      else this.refuse(parsed.code, parsed.message, parsed.id)
    } catch (e) {
      this.#failed(e)
    }
  }

  /** A frame a transport built or parsed itself: checked against the protocol's schemas like any other. */
  handleFrame(frame: ClientFrame): void {
    try {
      const parsed = parseClientFrame(JSON.stringify(frame))
      if (parsed.ok) this.#frame(parsed.frame)
      else this.refuse(parsed.code, parsed.message, parsed.id)
    } catch (e) {
      this.#failed(e)
    }
  }

  #frame(frame: ClientFrame): void {
    const state = this.#state
    switch (frame.type) {
      case 'hello':
        if (state.kind !== 'new') return this.refuse('bad_frame', 'hello was already received')
        return this.#hello(frame)
      case 'auth':
        if (state.kind !== 'challenged') return this.refuse('bad_frame', 'no challenge is pending')
        return void this.#auth(state.hello, state.nonce, state.expires, frame.proof).catch((e: unknown) => this.#failed(e))
      case 'send': {
        if (state.kind !== 'joined') return this.refuse('not_joined', 'say hello first', frame.id)
        const r = this.#room.post(this, frame, () => (this.#bucket ??= new TokenBucket(LIMITS.sendRatePerSecond, LIMITS.sendBurst)).take())
        if ('refused' in r) {
          if (r.refused === 'storage') this.refuse('storage', 'the host could not store it: send it again', frame.id)
          else if (r.refused === 'file') this.refuse('file_not_found', 'the host does not hold that file: upload it first', frame.id)
          else if (r.refused === 'member') this.refuse('no_such_member', 'no member with that id ever joined this room', frame.id)
          else this.refuse('rate_limited', `at most ${LIMITS.sendRatePerSecond} messages a second`, frame.id)
        }
        return
      }
      case 'typing': {
        if (state.kind !== 'joined') return this.refuse('not_joined', 'say hello first')
        const now = performance.now()
        if (now - this.#lastTyping < LIMITS.typingIntervalMs) return
        this.#lastTyping = now
        return this.#room.typing(this)
      }
      case 'history':
        if (state.kind !== 'joined') return this.refuse('not_joined', 'say hello first')
        return this.#history(frame)
      case 'pong':
        return // a sign of life, which the transport has already noted
    }
  }

  #history(req: HistoryRequest): void {
    if (!(this.#historyBucket ??= new TokenBucket(LIMITS.historyRatePerSecond, LIMITS.historyBurst)).take())
      return this.refuse('rate_limited', `at most ${LIMITS.historyRatePerSecond} history requests a second`)
    const page = this.#room.historyPage(this.member.id, req.before, req.limit)
    if (page) this.transport.send(outbound(page))
    else this.refuse('storage', 'the host could not read its history: try again')
  }

  /** Answer with an error frame; a member that keeps misbehaving is closed (`abuse`, 1008). */
  refuse(code: ErrorCode, message: string, id?: string): void {
    if (this.#state.kind === 'closed') return
    this.transport.send(errorOut(code, message, id))
    if ((this.#abuse ??= new WindowCounter(LIMITS.abuseWindowMs)).add() >= LIMITS.abuseLimit)
      this.fail('abuse', `more than ${LIMITS.abuseLimit} refused frames in ${LIMITS.abuseWindowMs / 1000} s`)
  }

  /** End the connection for `code`: its error frame, then the close code the error table gives it. */
  fail(code: ErrorCode, message: string): void {
    if (this.#state.kind === 'closed') return
    this.transport.send(errorOut(code, message))
    const info: ErrorInfo = ERRORS[code]
    this.close(info.close ?? ERRORS.internal.close, code)
  }

  #failed(e: unknown): void {
    logError(`connection from ${this.transport.remoteAddress}`, e)
    try {
      this.fail('internal', 'the host failed to handle that; reconnect')
    } catch (again) {
      logError('closing a failed connection', again)
    }
  }

  #hello(hello: Hello): void {
    if (hello.protocol !== PROTOCOL_VERSION) return this.fail('unsupported_protocol', `this host speaks protocol ${PROTOCOL_VERSION}`)
    const secret = this.#room.secret
    if (!secret) return this.#join(hello)
    const address = this.transport.remoteAddress
    if (this.#lockout.isLocked(address)) return this.fail('locked_out', 'too many wrong passwords from this address: try again later')
    if (!this.#lockout.openChallenge(address)) return this.fail('busy', 'too many password challenges outstanding from this address')
    this.#holdsChallenge = true
    const nonce = newNonce()
    this.#state = { kind: 'challenged', hello, nonce, expires: Date.now() + LIMITS.challengeTtlMs }
    this.transport.send(
      outbound({ type: 'challenge', nonce, salt: Buffer.from(secret.salt).toString('base64'), iterations: secret.iterations }),
    )
  }

  /** Judge a proof once (the challenge is spent here), against the lock as it stands when it is judged. */
  async #auth(hello: Hello, nonce: string, expires: number, proof: string): Promise<void> {
    this.#state = VERIFYING
    this.#releaseChallenge()
    if (Date.now() > expires) return this.fail('hello_timeout', 'the challenge expired: say hello again')
    const ok = await verifyProof(this.#room.secret!, nonce, proof)
    if (this.#state.kind !== 'verifying') return // closed meanwhile
    const address = this.transport.remoteAddress
    if (this.#lockout.isLocked(address)) return this.fail('locked_out', 'too many wrong passwords from this address: try again later')
    if (ok) return this.#join(hello)
    this.#lockout.fail(address)
    this.fail('wrong_password', 'wrong password')
  }

  #releaseChallenge(): void {
    if (!this.#holdsChallenge) return
    this.#holdsChallenge = false
    this.#lockout.closeChallenge(this.transport.remoteAddress)
  }

  #join(hello: Hello): void {
    const name = normalizeName(hello.name)
    if (!name) return this.refuse('bad_frame', 'name: a name needs a visible character')
    this.clientId = hello.client
    this.member = { id: this.#room.memberId(hello.client), name }
    this.heartbeat = hello.heartbeat === true
    this.#state = JOINED
    this.#room.join(this, hello.resume)
  }

  /** Close for `code`: the session leaves the room first, then its transport closes. */
  close(code: number, reason: string): void {
    if (this.#state.kind === 'closed') return
    this.ended()
    this.transport.close(code, reason)
  }

  /** The transport is gone (closed by either side). */
  ended(): void {
    this.#releaseChallenge()
    if (this.#state.kind === 'joined') this.#room.leave(this)
    this.#state = CLOSED
  }
}
