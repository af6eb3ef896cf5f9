// Which transport a RoomClient uses: WebSocket first; if the upgrade fails or no frame arrives within a
// few seconds, SSE + POST; if EventSource is missing or the stream fails, long polling. The choice is kept
// (for the page's life, and in `memory` when given) and the better transports are tried again later: at
// the next connection after `upgradeAfterMs`, and by a WebSocket probe while a fall-back is in use.
// RoomClient takes `chooser.WebSocket` as its WebSocket constructor and never knows.
import { Emitter } from '../emitter.ts'
import { platform, type TimerHandle } from '../platform.ts'
import { SUBPROTOCOL } from '../protocol.ts'
import type { WebSocketCtor, WebSocketLike } from '../room-client.ts'
import { HttpSocket, type EventSourceCtor, type FetchLike } from './http-socket.ts'

export const TRANSPORTS = ['websocket', 'sse', 'long-poll'] as const
export type TransportName = (typeof TRANSPORTS)[number]

export interface ChooserOptions {
  WebSocket?: WebSocketCtor
  EventSource?: EventSourceCtor
  fetch?: FetchLike
  /** No frame this long after a WebSocket opened (it sent hello): fall back. */
  firstFrameTimeoutMs?: number
  /** While on a fall-back, try the better transports again this often. */
  upgradeAfterMs?: number
  /** Keeps the choice across reloads (e.g. over sessionStorage). */
  memory?: { get(): string | null; set(value: string): void }
}

export interface ChooserEvents extends Record<string, unknown> {
  /** The transport a connection was just established over. */
  transport: TransportName
}

const NORMAL_CLOSES = new Set([1000, 1008, 4001, 4002, 4003])

export class TransportChooser extends Emitter<ChooserEvents> {
  /** Give this to RoomClient as its WebSocket constructor. */
  readonly WebSocket: WebSocketCtor
  #opts: ChooserOptions & { firstFrameTimeoutMs: number; upgradeAfterMs: number }
  #next: TransportName
  #inUse: TransportName | undefined
  #downgradedAt = 0
  #probe: TimerHandle | undefined
  #active: ChosenSocket | undefined

  constructor(opts: ChooserOptions) {
    super()
    this.#opts = { firstFrameTimeoutMs: 4000, upgradeAfterMs: 60_000, ...opts }
    const remembered = opts.memory?.get()
    this.#next = this.available.includes(remembered as TransportName) ? (remembered as TransportName) : this.#best()
    if (this.#next !== this.#best()) this.#downgradedAt = Date.now()
    this.WebSocket = socketsOf(this)
  }

  /** What this environment has, best first. */
  get available(): TransportName[] {
    const o = this.#opts
    return TRANSPORTS.filter((t) => (t === 'websocket' ? !!o.WebSocket : t === 'sse' ? !!o.EventSource && !!o.fetch : !!o.fetch))
  }

  /** The transport of the current connection, once it has carried a frame. */
  get current(): TransportName | undefined {
    return this.#inUse
  }

  get firstFrameTimeoutMs(): number {
    return this.#opts.firstFrameTimeoutMs
  }

  /** What the next connection will try. */
  get next(): TransportName {
    return this.#next
  }

  close(): void {
    platform.clearTimeout(this.#probe)
    this.#probe = undefined
  }

  #best(): TransportName {
    return this.available[0] ?? 'long-poll'
  }

  /** @internal the transport for a new connection */
  pick(): TransportName {
    if (this.#next !== this.#best() && Date.now() - this.#downgradedAt >= this.#opts.upgradeAfterMs) this.#set(this.#best())
    return this.#next
  }

  /** @internal */
  make(name: TransportName, url: string, protocols: string | string[] | undefined): WebSocketLike {
    const o = this.#opts
    if (name === 'websocket') return new o.WebSocket!(url, protocols)
    return new HttpSocket(url, name, { fetch: o.fetch!, ...(o.EventSource ? { EventSource: o.EventSource } : {}) })
  }

  /** @internal a connection carried its first frame */
  established(socket: ChosenSocket): void {
    this.#active = socket
    this.#inUse = socket.transport
    this.emit('transport', socket.transport)
    this.#scheduleProbe()
  }

  /** @internal a connection ended: nothing to probe for until the next one is established */
  ended(socket: ChosenSocket): void {
    if (this.#active !== socket) return
    this.#active = undefined
    this.close()
  }

  /** @internal a connection failed before it carried a frame */
  failed(name: TransportName, why: 'no_frame' | 'closed' | 'unreachable' | 'stream'): void {
    if (name !== this.#next) return
    if (why === 'unreachable') {
      // The host itself did not answer: that says nothing against the better transports.
      return this.#set(this.#best())
    }
    const order = this.available
    const below = order[order.indexOf(name) + 1]
    if (!below) return
    this.#downgradedAt = Date.now()
    this.#set(below)
  }

  #set(name: TransportName): void {
    this.#next = name
    this.#opts.memory?.set(name)
  }

  /** While on a fall-back, see now and then whether a WebSocket opens; if it does, move up to it. */
  #scheduleProbe(): void {
    platform.clearTimeout(this.#probe)
    this.#probe = undefined
    const WS = this.#opts.WebSocket
    if (!WS || this.#inUse === 'websocket') return
    this.#probe = platform.setTimeout(() => {
      const active = this.#active
      if (!active || active.readyState !== 1) return
      let ws: WebSocketLike
      try {
        ws = new WS(active.url, [SUBPROTOCOL])
      } catch {
        return this.#scheduleProbe()
      }
      const giveUp = platform.setTimeout(() => ws.close(), this.#opts.firstFrameTimeoutMs)
      ws.onopen = () => {
        platform.clearTimeout(giveUp)
        ws.onclose = null
        ws.close(1000, 'probe')
        this.#set('websocket')
        if (this.#active === active) active.switchOver()
      }
      ws.onerror = () => {}
      ws.onclose = () => {
        platform.clearTimeout(giveUp)
        this.#scheduleProbe()
      }
    }, this.#opts.upgradeAfterMs)
  }
}

/** A WebSocket constructor whose sockets go through `chooser`. */
function socketsOf(chooser: TransportChooser): WebSocketCtor {
  return class extends ChosenSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(chooser, url, protocols)
    }
  }
}

/** The socket RoomClient holds: the chosen transport inside, and the watch for it failing early. */
class ChosenSocket implements WebSocketLike {
  onopen: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onclose: ((ev: { code: number; reason: string }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  readonly transport: TransportName
  readonly url: string
  #chooser: TransportChooser
  #inner: WebSocketLike
  #gotFrame = false
  #closedByUs = false
  #timer: TimerHandle | undefined
  #reported = false

  constructor(chooser: TransportChooser, url: string, protocols?: string | string[]) {
    this.#chooser = chooser
    this.url = url
    this.transport = chooser.pick()
    const inner = chooser.make(this.transport, url, protocols)
    this.#inner = inner
    inner.onopen = (ev) => {
      if (this.transport === 'websocket') {
        this.#timer = platform.setTimeout(() => {
          if (this.#gotFrame) return
          this.#fail('no_frame')
          this.#closedByUs = true
          this.#inner.close(1000)
          this.#emitClose(1006, 'no frame from the host')
        }, chooser.firstFrameTimeoutMs)
      }
      this.onopen?.(ev)
    }
    inner.onmessage = (ev) => {
      if (!this.#gotFrame) {
        this.#gotFrame = true
        platform.clearTimeout(this.#timer)
        this.#chooser.established(this)
      }
      this.onmessage?.(ev)
    }
    inner.onerror = (ev) => this.onerror?.(ev)
    inner.onclose = (ev) => {
      platform.clearTimeout(this.#timer)
      this.#chooser.ended(this)
      if (this.#closedByUs) return
      if (!this.#gotFrame && !NORMAL_CLOSES.has(ev.code)) {
        const failure = inner instanceof HttpSocket ? inner.failure : undefined
        this.#fail(failure ?? 'closed')
      } else if (inner instanceof HttpSocket && inner.failure === 'stream') this.#fail('stream')
      this.#emitClose(ev.code, ev.reason)
    }
  }

  get readyState(): number {
    return this.#closedByUs ? 3 : this.#inner.readyState
  }

  send(data: string): void {
    this.#inner.send(data)
  }

  close(code?: number, reason?: string): void {
    platform.clearTimeout(this.#timer)
    this.#chooser.ended(this)
    this.#inner.close(code, reason)
  }

  /** A better transport works now: end this connection so that RoomClient reconnects (and resumes) over it. */
  switchOver(): void {
    if (this.#closedByUs) return
    this.#closedByUs = true
    this.#chooser.ended(this)
    this.#inner.close(1000, 'switching transport')
    this.#emitClose(1006, 'switching transport')
  }

  #fail(why: 'no_frame' | 'closed' | 'unreachable' | 'stream'): void {
    if (this.#reported) return
    this.#reported = true
    this.#chooser.failed(this.transport, why)
  }

  #emitClose(code: number, reason: string): void {
    const cb = this.onclose
    if (cb) platform.setTimeout(() => cb({ code, reason }), 0)
  }
}
