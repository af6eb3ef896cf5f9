// beacon.v1 over the HTTP fall-back transports (docs/PROTOCOL-HTTP.md), shaped as a WebSocket so that
// RoomClient runs on it unchanged: `hello` becomes POST /api/join, `auth`/`send`/`typing` POSTs (in
// order, one at a time), and the room's frames arrive over an SSE stream (EventSource, which resumes with
// Last-Event-ID by itself) or by long polling from the last seq seen. Isomorphic: fetch, EventSource and
// AbortController are injected or taken from the global object, never imported.
import { HTTP_ROUTES } from '../http-transport.ts'
import { ERRORS, type ErrorCode } from '../errors.ts'
import { CLOSE } from '../protocol.ts'
import { platform } from '../platform.ts'
import type { WebSocketCtor, WebSocketLike } from '../room-client.ts'

export interface FetchInit {
  method?: string
  headers?: Record<string, string>
  body?: string
  signal?: unknown
  keepalive?: boolean
  cache?: string
}
export interface FetchResponseLike {
  readonly status: number
  text(): Promise<string>
}
export type FetchLike = (url: string, init?: FetchInit) => Promise<FetchResponseLike>

export interface EventSourceLike {
  readonly readyState: number
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onerror: ((ev: unknown) => void) | null
  close(): void
}
export type EventSourceCtor = new (url: string) => EventSourceLike

interface AbortControllerLike {
  readonly signal: unknown
  abort(): void
}
type AbortControllerCtor = new () => AbortControllerLike

export interface HttpTransportDeps {
  fetch: FetchLike
  EventSource?: EventSourceCtor
  AbortController?: AbortControllerCtor
}

export type HttpMode = 'sse' | 'long-poll'
/** Why an HTTP socket ended without the host closing it: the host could not be reached, or the SSE stream never worked. */
export type HttpFailure = 'unreachable' | 'stream'

const ABNORMAL = 1006
const EVENTSOURCE_CLOSED = 2
const POLL_RETRIES = 3

/** `ws://host:port/ws` → `http://host:port`. */
export function httpBase(wsUrl: string): string {
  const m = /^(wss?):\/\/([^/?#]+)/i.exec(wsUrl)
  if (!m) throw new Error(`not a WebSocket URL: ${wsUrl}`)
  return `${m[1]!.toLowerCase() === 'wss' ? 'https' : 'http'}://${m[2]}`
}

export class HttpSocket implements WebSocketLike {
  readyState = 0
  onopen: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onclose: ((ev: { code: number; reason: string }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  failure: HttpFailure | undefined
  readonly mode: HttpMode
  #base: string
  #deps: HttpTransportDeps
  #member: string | undefined
  #lastSeq = 0
  #receiving = false
  #es: EventSourceLike | undefined
  #streamOpened = false
  #streamErrors = 0
  #poll: AbortControllerLike | undefined
  #chain: Promise<void> = Promise.resolve()
  #gone = false

  constructor(url: string, mode: HttpMode, deps: HttpTransportDeps) {
    this.#base = httpBase(url)
    this.mode = mode
    this.#deps = deps
    platform.setTimeout(() => {
      if (this.readyState !== 0) return
      this.readyState = 1
      this.onopen?.({})
    }, 0)
  }

  send(data: string): void {
    if (this.readyState !== 1) return
    let type: unknown
    try {
      type = (JSON.parse(data) as { type?: unknown }).type
    } catch {
      return
    }
    if (type === 'typing') {
      if (this.#member) void this.#post(HTTP_ROUTES.typing, undefined).catch(() => {})
      return
    }
    if (type === 'history') return void this.#history(data)
    if (type === 'pong') {
      if (this.#member) void this.#post(HTTP_ROUTES.pong, undefined).catch(() => {})
      return
    }
    const route = type === 'hello' ? HTTP_ROUTES.join : type === 'auth' ? HTTP_ROUTES.auth : type === 'send' ? HTTP_ROUTES.send : undefined
    if (!route) return
    this.#chain = this.#chain.then(() => this.#request(route, data))
  }

  close(code: number = CLOSE.normal, reason = ''): void {
    if (this.readyState >= 2) return
    if (this.#member && !this.#gone) void this.#post(HTTP_ROUTES.leave, undefined, true).catch(() => {})
    this.#end(code, reason)
  }

  async #request(route: string, body: string): Promise<void> {
    if (this.readyState !== 1) return
    let status: number
    let answer: { member?: string; frames?: unknown[]; type?: string; code?: unknown; reason?: string } | undefined
    try {
      const res = await this.#post(route, body)
      status = res.status
      const text = await res.text()
      answer = text ? (JSON.parse(text) as typeof answer) : undefined
    } catch {
      if (this.readyState !== 1) return
      if (!this.#member) this.failure = 'unreachable'
      return this.#end(ABNORMAL, 'unreachable')
    }
    if (this.readyState !== 1) return
    if (route === HTTP_ROUTES.join && typeof answer?.member === 'string') this.#member = answer.member
    if (status === 404 || status === 410) return this.#gone410(answer)
    const frames = answer?.frames ?? (answer?.type === 'error' ? [answer] : [])
    for (const f of frames) this.#dispatch(f)
    if (this.readyState !== 1) return
    if (status === 200) return
    const code = (frames[0] as { code?: string } | undefined)?.code ?? answer?.code
    // Refusals after which this connection cannot go on, closed as the WebSocket host would close them.
    const info = typeof code === 'string' && code in ERRORS ? (ERRORS[code as ErrorCode] as { close?: number; retry: boolean }) : undefined
    if (info?.close !== undefined && !info.retry) return this.#end(info.close, code as string)
    if (route === HTTP_ROUTES.join || status >= 500) return this.#end(ABNORMAL, `http ${status}`)
  }

  /** A scrollback page (`GET /api/history?member=&before=&limit=`): fetched beside the stream, handed on like any frame. */
  async #history(data: string): Promise<void> {
    if (!this.#member) return
    const { before, limit } = JSON.parse(data) as { before?: unknown; limit?: unknown }
    const query = `member=${encodeURIComponent(this.#member)}&before=${Number(before)}${limit === undefined ? '' : `&limit=${Number(limit)}`}`
    try {
      const res = await this.#deps.fetch(`${this.#base}${HTTP_ROUTES.history}?${query}`, { cache: 'no-store' })
      const answer = JSON.parse(await res.text()) as { type?: string; frames?: unknown[] }
      for (const f of answer.frames ?? [answer]) this.#dispatch(f)
    } catch {
      // no page: RoomClient's request stays unanswered until the connection ends; the UI may ask again
    }
  }

  #gone410(answer: { code?: unknown; reason?: string } | undefined): void {
    this.#gone = true
    const code = typeof answer?.code === 'number' ? answer.code : ABNORMAL
    this.#end(code, answer?.reason ?? 'not_joined')
  }

  #dispatch(frame: unknown): void {
    if (this.readyState !== 1 || frame === null || typeof frame !== 'object') return
    const f = frame as { type?: string; seq?: number }
    if (f.type === 'message' && typeof f.seq === 'number') this.#lastSeq = Math.max(this.#lastSeq, f.seq)
    if (f.type === 'welcome' && typeof f.seq === 'number') this.#lastSeq = f.seq
    this.onmessage?.({ data: JSON.stringify(frame) })
    if (f.type === 'welcome' && !this.#receiving) this.#receive()
  }

  #receive(): void {
    this.#receiving = true
    if (this.mode === 'sse') this.#stream()
    else void this.#pollLoop()
  }

  #stream(): void {
    const ES = this.#deps.EventSource
    if (!ES) {
      this.failure = 'stream'
      return this.#end(ABNORMAL, 'no EventSource')
    }
    const es = new ES(`${this.#base}${HTTP_ROUTES.events}?member=${encodeURIComponent(this.#member!)}&after=${this.#lastSeq}`)
    this.#es = es
    es.onopen = () => {
      this.#streamOpened = true
      this.#streamErrors = 0
    }
    es.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return
      try {
        this.#dispatch(JSON.parse(ev.data))
      } catch {
        // not a frame
      }
    }
    es.onerror = () => {
      if (this.readyState !== 1) return
      this.#streamErrors++
      // EventSource reconnects by itself (with Last-Event-ID); it gives up on 404/410, and a stream that
      // never opened is not going to work through whatever is in the way.
      if (es.readyState === EVENTSOURCE_CLOSED || (!this.#streamOpened && this.#streamErrors >= 2) || this.#streamErrors >= 5) {
        if (!this.#streamOpened) this.failure = 'stream'
        this.#end(ABNORMAL, 'stream ended')
      }
    }
  }

  async #pollLoop(): Promise<void> {
    let failures = 0
    while (this.readyState === 1) {
      const AC = this.#deps.AbortController ?? (globalThis as unknown as { AbortController?: AbortControllerCtor }).AbortController
      const ac = AC ? new AC() : undefined
      this.#poll = ac
      try {
        const res = await this.#deps.fetch(
          `${this.#base}${HTTP_ROUTES.poll}?member=${encodeURIComponent(this.#member!)}&after=${this.#lastSeq}`,
          { cache: 'no-store', ...(ac ? { signal: ac.signal } : {}) },
        )
        const text = await res.text()
        if (this.readyState !== 1) return
        const answer = text ? (JSON.parse(text) as { frames?: unknown[]; code?: unknown; reason?: string }) : undefined
        if (res.status === 404 || res.status === 410) return this.#gone410(answer)
        if (res.status !== 200) throw new Error(`http ${res.status}`)
        failures = 0
        for (const f of answer?.frames ?? []) this.#dispatch(f)
      } catch {
        if (this.readyState !== 1) return
        if (++failures >= POLL_RETRIES) return this.#end(ABNORMAL, 'poll failed')
        await new Promise((r) => platform.setTimeout(() => r(null), 1000))
      }
    }
  }

  #post(route: string, body: string | undefined, keepalive = false): Promise<FetchResponseLike> {
    const member = route === HTTP_ROUTES.join ? '' : `?member=${encodeURIComponent(this.#member ?? '')}`
    return this.#deps.fetch(`${this.#base}${route}${member}`, {
      method: 'POST',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body }),
      ...(keepalive ? { keepalive: true } : {}),
    })
  }

  #end(code: number, reason: string): void {
    if (this.readyState >= 2) return
    this.readyState = 2
    this.#es?.close()
    this.#poll?.abort()
    platform.setTimeout(() => {
      this.readyState = 3
      this.onclose?.({ code, reason })
    }, 0)
  }
}

/** A WebSocket constructor for RoomClient that speaks beacon.v1 over SSE + POST, or long polling + POST. */
export function httpSocketCtor(mode: HttpMode, deps: HttpTransportDeps): WebSocketCtor {
  return class extends HttpSocket {
    constructor(url: string) {
      super(url, mode, deps)
    }
  }
}
