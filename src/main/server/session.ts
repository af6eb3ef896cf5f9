// One member connection's protocol state machine (hello → [challenge → auth] → joined), transport-agnostic:
// WebSocket and the HTTP transports feed it frames and carry its output.
import type { ErrorCode } from '../../shared/errors.ts'
import { CLOSE, LIMITS, PROTOCOL_VERSION, parseClientFrame, type ClientFrame, type Hello, type Member } from '../../shared/protocol.ts'
import { newNonce, verifyProof, type Lockout } from './auth.ts'
import type { Batch } from './batch.ts'
import { TokenBucket, WindowCounter } from '../../shared/rate-limit.ts'
import type { Peer, Room } from './room.ts'

/** What a transport provides to a session. */
export interface Transport {
  readonly remoteAddress: string
  send(json: string): void
  /** Optional: one frame given as UTF-8 bytes in parts; without it the session sends it as a string. */
  sendBytes?(json: readonly Buffer[]): void
  deliver(batch: Batch, own: readonly string[] | undefined): void
  close(code: number, reason: string): void
}

type State =
  { kind: 'new' } | { kind: 'challenged'; hello: Hello; nonce: string } | { kind: 'verifying' } | { kind: 'joined' } | { kind: 'closed' }
const NEW: State = { kind: 'new' }
const VERIFYING: State = { kind: 'verifying' }
const JOINED: State = { kind: 'joined' }
const CLOSED: State = { kind: 'closed' }

export class Session implements Peer {
  member: Member = { id: '', name: '' }
  clientId = ''
  #state: State = NEW
  #room: Room
  #transport: Transport
  #lockout: Lockout
  // Made on first use: most members of a big room are idle readers, and every byte a connection keeps
  // is multiplied by the room's size.
  #bucket: TokenBucket | undefined
  #abuse: WindowCounter | undefined
  #lastTyping = -Infinity

  constructor(room: Room, transport: Transport, lockout: Lockout) {
    this.#room = room
    this.#transport = transport
    this.#lockout = lockout
  }

  get joined(): boolean {
    return this.#state.kind === 'joined'
  }

  handleText(text: string): void {
    const parsed = parseClientFrame(text)
    if (parsed.ok) this.handleFrame(parsed.frame)
    else this.refuse(parsed.code, parsed.message, parsed.id)
  }

  handleFrame(frame: ClientFrame): void {
    const state = this.#state
    switch (frame.type) {
      case 'hello':
        if (state.kind !== 'new') return this.refuse('bad_frame', 'hello was already received')
        return this.#hello(frame)
      case 'auth':
        if (state.kind !== 'challenged') return this.refuse('bad_frame', 'no challenge is pending')
        return void this.#auth(state.hello, state.nonce, frame.proof)
      case 'send':
        if (state.kind !== 'joined') return this.refuse('not_joined', 'say hello first', frame.id)
        {
          const r = this.#room.post(this, frame, () =>
            (this.#bucket ??= new TokenBucket(LIMITS.sendRatePerSecond, LIMITS.sendBurst)).take(),
          )
          if ('refused' in r) this.refuse('rate_limited', `at most ${LIMITS.sendRatePerSecond} messages a second`, frame.id)
        }
        return
      case 'typing': {
        if (state.kind !== 'joined') return this.refuse('not_joined', 'say hello first')
        const now = performance.now()
        if (now - this.#lastTyping < LIMITS.typingIntervalMs) return
        this.#lastTyping = now
        return this.#room.typing(this)
      }
    }
  }

  /** Answer with an error frame; a member that keeps misbehaving is closed (1008). */
  refuse(code: ErrorCode, message: string, id?: string): void {
    if (this.#state.kind === 'closed') return
    this.#transport.send(JSON.stringify(id === undefined ? { type: 'error', code, message } : { type: 'error', code, message, id }))
    if ((this.#abuse ??= new WindowCounter(LIMITS.abuseWindowMs)).add() >= LIMITS.abuseLimit)
      this.close(CLOSE.policy, 'too many refused frames')
  }

  #hello(hello: Hello): void {
    if (hello.protocol !== PROTOCOL_VERSION) {
      this.refuse('unsupported_protocol', `this host speaks protocol ${PROTOCOL_VERSION}`)
      return this.close(CLOSE.unsupportedProtocol, 'unsupported_protocol')
    }
    const secret = this.#room.secret
    if (!secret) return this.#join(hello)
    if (this.#lockout.isLocked(this.#transport.remoteAddress)) return this.close(CLOSE.policy, 'too many wrong passwords, try again later')
    const nonce = newNonce()
    this.#state = { kind: 'challenged', hello, nonce }
    this.#transport.send(
      JSON.stringify({ type: 'challenge', nonce, salt: Buffer.from(secret.salt).toString('base64'), iterations: secret.iterations }),
    )
  }

  async #auth(hello: Hello, nonce: string, proof: string): Promise<void> {
    this.#state = VERIFYING
    const ok = await verifyProof(this.#room.secret!, nonce, proof)
    if (this.#state.kind !== 'verifying') return // closed meanwhile
    if (ok) return this.#join(hello)
    this.#lockout.fail(this.#transport.remoteAddress)
    this.refuse('wrong_password', 'wrong password')
    this.close(CLOSE.wrongPassword, 'wrong_password')
  }

  #join(hello: Hello): void {
    this.clientId = hello.client
    this.member = { id: this.#room.memberId(hello.client), name: hello.name }
    this.#state = JOINED
    this.#room.join(this, hello.resume)
  }

  // Peer
  deliver(batch: Batch, own: readonly string[] | undefined): void {
    this.#transport.deliver(batch, own)
  }

  send(json: string): void {
    this.#transport.send(json)
  }

  sendBytes(json: readonly Buffer[]): void {
    if (this.#transport.sendBytes) this.#transport.sendBytes(json)
    else this.#transport.send(Buffer.concat(json).toString())
  }

  close(code: number, reason: string): void {
    if (this.#state.kind === 'closed') return
    this.ended()
    this.#transport.close(code, reason)
  }

  /** The transport is gone (closed by either side). */
  ended(): void {
    if (this.#state.kind === 'joined') this.#room.leave(this)
    this.#state = CLOSED
  }
}
