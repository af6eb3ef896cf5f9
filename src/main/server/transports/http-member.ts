// One HTTP member: the Session's transport between the SSE streams and polls that come and go. Its frames
// wait in a queue bounded in bytes and in frames; messages handed to a stream or poll that may have been lost
// are replayed from the room's log when the client comes back with `Last-Event-ID` (SSE) or `after` (polling),
// a bounded number of bytes at a time.
import type { ServerResponse } from 'node:http'
import { ERRORS } from '../../../shared/errors.ts'
import { CLOSE } from '../../../shared/protocol.ts'
import type { Batch } from '../batch.ts'
import type { History } from '../history.ts'
import type { Outbound, Transport, WelcomeHead, WelcomeOut } from '../outbound.ts'
import type { Session } from '../session.ts'
import { send } from './http-response.ts'

/** What a member needs of its gateway. */
export interface MemberHost {
  readonly history: History
  readonly limits: {
    readonly absentMs: number
    readonly maxQueuedBytes: number
    readonly maxQueuedFrames: number
    readonly maxReplayBytes: number
  }
  /** The member is gone: its token is retired. */
  forget(member: HttpMember, code: number, reason: string): void
}

/** Messages read from the room's log per replay step (a step also ends once over maxReplayBytes). */
const REPLAY_PAGE: number = 100
/** What a queued frame costs beyond its text (the entry and the string's header), counted against the bound. */
const FRAME_OVERHEAD = 64

const messageSeq = (o: Outbound): number | undefined => (o.frame.type === 'message' ? o.frame.seq : undefined)

function sseEvent(json: string, seq: number | undefined): string {
  return seq === undefined ? `data: ${json}\n\n` : `id: ${seq}\ndata: ${json}\n\n`
}

/** One HTTP member: the Session's transport, between the streams and polls that come and go. */
export class HttpMember implements Transport {
  readonly token: string
  readonly remoteAddress: string
  session!: Session
  closedWith: { code: number; reason: string } | undefined
  /** The hello asked for `ping` frames: its streams are ended when it stops answering them. */
  wantsPings = false
  /** When this member's client last made a request (any request is a sign of life). */
  heardAt = Date.now()
  #gw: MemberHost
  #queue: Outbound[] = []
  #queuedBytes = 0
  /** A ping is waiting in the queue: a newer one adds nothing (pings carry nothing). */
  #pingQueued = false
  /** Highest message seq handed to a stream or poll (or covered by the welcome). */
  #writtenSeq = 0
  #stream: ServerResponse | undefined
  #waitingDrain = false
  /** Messages (replayFrom, replayTo] still to be sent again on this stream; 0: none. */
  #replayFrom = 0
  #replayTo = 0
  #poll: { res: ServerResponse; timer: NodeJS.Timeout | undefined } | undefined
  #capture: Outbound[] | undefined
  #reply: ((o: Outbound | undefined) => void) | undefined
  #acks = new Map<string, ((o: Outbound | undefined) => void)[]>()
  #absence: NodeJS.Timeout | undefined
  #drained: (() => void)[] = []

  constructor(token: string, remoteAddress: string, gw: MemberHost) {
    this.token = token
    this.remoteAddress = remoteAddress
    this.#gw = gw
  }

  /** Run `fn`; the frames the session sends meanwhile are returned instead of queued. */
  capture(fn: () => void): Outbound[] {
    const out: Outbound[] = []
    this.#capture = out
    try {
      fn()
    } finally {
      this.#capture = undefined
    }
    return out
  }

  /** The session's next welcome or error frame. */
  nextReply(timeoutMs: number): Promise<Outbound | undefined> {
    return new Promise((resolve) => {
      const t = setTimeout(() => this.cancelReply(), timeoutMs)
      this.#reply = (o) => {
        clearTimeout(t)
        this.#reply = undefined
        resolve(o)
      }
    })
  }
  cancelReply(): void {
    this.#reply?.(undefined)
  }

  /** The ack of message `id`, or its refusal. */
  waitAck(id: string, timeoutMs: number): Promise<Outbound | undefined> {
    return new Promise((resolve) => {
      const t = setTimeout(() => settle(undefined), timeoutMs)
      const settle = (o: Outbound | undefined): void => {
        clearTimeout(t)
        const list = this.#acks.get(id)
        if (list) {
          const rest = list.filter((f) => f !== settle)
          if (rest.length) this.#acks.set(id, rest)
          else this.#acks.delete(id)
        }
        resolve(o)
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
  send(o: Outbound): void {
    if (this.closedWith) return
    const { frame } = o
    if (this.#capture) return void this.#capture.push(o)
    if (this.#reply && (frame.type === 'welcome' || frame.type === 'error')) return this.#reply(o)
    if (frame.type === 'error' && frame.id !== undefined) {
      const waiting = this.#acks.get(frame.id)
      if (waiting) return waiting[0]!(o)
    }
    this.#enqueue(o)
    this.#flush()
  }

  /** Queued as one JSON string like any frame: HTTP bodies are strings. */
  sendWelcome(w: WelcomeOut): void {
    if (this.closedWith) return
    this.#writtenSeq = coveredBy(w.frame)
    this.send({ frame: w.frame, json: Buffer.concat(w.parts).toString() })
  }

  deliver(batch: Batch, own: readonly Outbound[] | undefined): void {
    if (this.closedWith) return
    if (batch.size > 0) {
      if (this.#stream && this.#queue.length === 0 && !this.#replayTo && !this.#waitingDrain) {
        // The common case: the flush's frames, encoded once for every SSE member.
        const { text, maxSeq } = batch.encoded('sse', encodeSse)
        if (maxSeq !== undefined) this.#writtenSeq = Math.max(this.#writtenSeq, maxSeq)
        this.#write(this.#stream, text)
      } else for (const o of batch.frames) this.#enqueue(o)
    }
    if (own) {
      for (const o of own) {
        const { frame } = o
        const id = frame.type === 'ack' || frame.type === 'error' ? frame.id : undefined
        const waiting = id === undefined ? undefined : this.#acks.get(id)
        if (waiting) for (const settle of [...waiting]) settle(o)
        else this.#enqueue(o)
      }
    }
    this.#flush()
  }

  /** Flow control for the room's paged replay: what waits for this member's client, in bytes. */
  queuedBytes(): number {
    return this.#queuedBytes + (this.#stream?.writableLength ?? 0)
  }

  /** `fn` runs once the queue has been handed to a stream or poll. */
  onDrain(fn: () => void): void {
    this.#drained.push(fn)
  }

  close(code: number, reason: string): void {
    if (this.closedWith) return
    this.closedWith = { code, reason }
    clearTimeout(this.#absence)
    this.#gw.forget(this, code, reason)
    this.#reply?.(undefined)
    for (const id of [...this.#acks.keys()]) this.cancelAck(id)
    this.#drained = []
    const closing = JSON.stringify({ type: 'closing', reason, code })
    if (this.#stream) {
      const s = this.#stream
      this.#stream = undefined
      if (!this.#waitingDrain && this.#queue.length) s.write(this.#queue.map(sseOf).join(''))
      s.end(`data: ${closing}\n\n`)
    }
    if (this.#poll) this.#answerPoll([...this.#queue.map(jsonOf), closing])
    this.#clear()
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
      if (!this.#gw.history.canResume(after)) return this.#tooSlow()
      // Messages handed out since `after` may not have arrived: send them again, page by page as the
      // stream drains, before the queue.
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
      if (!this.#gw.history.canResume(after)) return this.#tooSlow()
      // The answer to an earlier poll was lost: those messages again, at most maxReplayBytes of them (the
      // client asks again from its new `after` for the rest), then the queue once the replay is complete.
      const { events, last } = this.#replayStep(after, this.#writtenSeq, (json) => json)
      if (last >= this.#writtenSeq) {
        events.push(...this.#queue.map(jsonOf))
        this.#take()
      }
      return this.#answerPoll(events)
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

  /** The periodic SSE comment; and a stream whose client stopped answering pings is ended (it is dead or gone). */
  heartbeat(now: number, deadAfterMs: number): void {
    if (!this.#stream) return
    if (this.wantsPings && now - this.heardAt > deadAfterMs) {
      const s = this.#stream
      this.detachStream(s)
      s.destroy()
      return
    }
    if (!this.#waitingDrain) this.#write(this.#stream, ': hb\n\n')
  }

  #enqueue(o: Outbound): void {
    if (o.frame.type === 'ping') {
      if (this.#pingQueued) return
      this.#pingQueued = true
    }
    this.#queue.push(o)
    this.#queuedBytes += o.json.length + FRAME_OVERHEAD
  }

  /**
   * Hand the queue to the stream (replay first, as fast as the reader drains it) or to the waiting poll.
   * Frames nobody collects are bounded in bytes and in frames: past either bound the queue is dropped and the
   * member closed (1013 `too_slow`); it joins again with resume and misses nothing, like a WebSocket member
   * too slow to read.
   */
  #flush(pollNow = false): void {
    const res = this.#stream
    if (res) {
      while (!this.#waitingDrain && this.#stream === res) {
        let text: string
        if (this.#replayTo) {
          const { events, last } = this.#replayStep(this.#replayFrom, this.#replayTo, sseEvent)
          if (last >= this.#replayTo || events.length === 0) this.#replayTo = 0
          if (events.length === 0) continue
          this.#replayFrom = last
          text = events.join('')
        } else if (this.#queue.length > 0) {
          text = this.#queue.map(sseOf).join('')
          this.#take()
        } else break
        this.#write(res, text)
      }
    } else if (this.#poll && (this.#queue.length > 0 || pollNow)) {
      const frames = this.#queue.map(jsonOf)
      this.#take()
      this.#answerPoll(frames)
    }
    const { maxQueuedBytes, maxQueuedFrames } = this.#gw.limits
    if (this.#queuedBytes > maxQueuedBytes || this.#queue.length > maxQueuedFrames) return this.#tooSlow()
    if (this.#drained.length > 0 && this.#queue.length === 0 && !this.#waitingDrain) {
      const fns = this.#drained
      this.#drained = []
      for (const fn of fns) fn()
    }
  }

  /** Messages (from, to] from the room's log, encoded, until about maxReplayBytes; `last` is the last seq included. */
  #replayStep(from: number, to: number, encode: (json: string, seq: number) => string): { events: string[]; last: number } {
    const events: string[] = []
    let bytes = 0
    let last = from
    while (last < to && bytes < this.#gw.limits.maxReplayBytes) {
      const page = this.#gw.history.after(last, REPLAY_PAGE, this.session.member.id)
      for (const m of page) {
        if (m.seq > to || bytes >= this.#gw.limits.maxReplayBytes) return { events, last }
        const event = encode(JSON.stringify(m), m.seq)
        events.push(event)
        bytes += event.length
        last = m.seq
      }
      if (page.length < REPLAY_PAGE) break
    }
    return { events, last }
  }

  /** Too far behind: drop what waits and close 1013, so the client resumes from the log. */
  #tooSlow(): void {
    this.#clear()
    this.session.close(ERRORS.too_slow.close, 'too_slow')
  }

  #clear(): void {
    this.#queue = []
    this.#queuedBytes = 0
    this.#pingQueued = false
  }

  #take(): void {
    for (const o of this.#queue) {
      const seq = messageSeq(o)
      if (seq !== undefined) this.#writtenSeq = Math.max(this.#writtenSeq, seq)
    }
    this.#clear()
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

/**
 * The last message seq a welcome hands out: a resumed one that did not fit carries the first of the missed
 * messages, and the room sends the rest through this member's queue (they are not to be replayed twice).
 */
function coveredBy(w: WelcomeHead): number {
  return w.resumed && w.historyEnd !== undefined ? w.historyEnd : w.seq
}

const jsonOf = (o: Outbound): string => o.json
const sseOf = (o: Outbound): string => sseEvent(o.json, messageSeq(o))

function encodeSse(frames: readonly Outbound[]): { text: string; maxSeq: number | undefined } {
  let maxSeq: number | undefined
  let text = ''
  for (const o of frames) {
    const seq = messageSeq(o)
    if (seq !== undefined) maxSeq = seq
    text += sseEvent(o.json, seq)
  }
  return { text, maxSeq }
}
