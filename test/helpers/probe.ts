// A well-behaved member for load and abuse tests: speaks beacon.v1 on its own socket, sends a message at a
// steady pace (under the room's rate limit) and measures how long each takes to come back as the room's
// `message`, so a test can say whether the room kept working for everyone else while it was attacked.
import WebSocket from 'ws'
import { answerChallenge } from '../../src/shared/password.ts'
import type { HostFrame } from '../../src/shared/protocol.ts'
import { waitFor } from './wait.ts'

export interface ProbeReport {
  sent: number
  acked: number
  /** Acknowledged (stored) but never delivered back to the sender: must be 0. */
  lost: number
  /** The same seq or message id delivered twice: must be 0. */
  duplicated: number
  /** Sent but neither acknowledged nor echoed by the end (the room stalled or dropped them). */
  unanswered: number
  /** Error frames the probe got (it sends nothing wrong, so any is a defect). */
  errors: string[]
  /** Close code when the host closed the probe's connection (it should not). */
  closeCode: number | undefined
  p50: number
  p99: number
  max: number
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

export class Probe {
  #ws: WebSocket
  #timer: NodeJS.Timeout | undefined
  #n = 0
  #pending = new Map<string, number>()
  #acked = new Set<string>()
  #seenIds = new Set<string>()
  #seenSeqs = new Set<number>()
  #duplicated = 0
  #latencies: number[] = []
  #errors: string[] = []
  #closeCode: number | undefined
  #welcomed = false
  readonly prefix: string

  private constructor(ws: WebSocket, prefix: string) {
    this.#ws = ws
    this.prefix = prefix
  }

  /** Join `url` (answering the password challenge if there is one) and wait for the welcome. */
  static async join(url: string, opts: { name?: string; password?: string; localAddress?: string } = {}): Promise<Probe> {
    const ws = new WebSocket(url, ['beacon.v1'], opts.localAddress ? { localAddress: opts.localAddress } : {})
    const probe = new Probe(ws, `p${Date.now().toString(36)}-`)
    ws.on('message', (data) => void probe.#onFrame(JSON.parse(data.toString()) as HostFrame, opts.password))
    ws.on('close', (code) => (probe.#closeCode = code))
    ws.on('error', () => {})
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    ws.send(JSON.stringify({ type: 'hello', protocol: 1, name: opts.name ?? 'Probe', client: `probe-${probe.prefix}` }))
    await waitFor(() => probe.#welcomed || probe.#closeCode !== undefined, 'probe welcome', 30_000)
    if (!probe.#welcomed) throw new Error(`probe was refused: close ${probe.#closeCode}, errors ${probe.#errors.join('; ')}`)
    return probe
  }

  async #onFrame(f: HostFrame, password: string | undefined): Promise<void> {
    const now = performance.now()
    switch (f.type) {
      case 'challenge':
        this.#ws.send(JSON.stringify({ type: 'auth', proof: await answerChallenge(password ?? '', f) }))
        return
      case 'welcome':
        this.#welcomed = true
        return
      case 'ack':
        this.#acked.add(f.id)
        return
      case 'error':
        this.#errors.push(`${f.code}: ${f.message}`)
        return
      case 'message': {
        if (this.#seenSeqs.has(f.seq)) this.#duplicated++
        this.#seenSeqs.add(f.seq)
        if (!f.id.startsWith(this.prefix)) return
        if (this.#seenIds.has(f.id)) this.#duplicated++
        this.#seenIds.add(f.id)
        const t0 = this.#pending.get(f.id)
        if (t0 !== undefined) this.#latencies.push(now - t0)
        this.#pending.delete(f.id)
      }
    }
  }

  /** Send one message every `everyMs` until `stop()`. The room allows 10/s sustained: stay under it. */
  start(everyMs = 110): void {
    this.#timer = setInterval(() => {
      if (this.#ws.readyState !== WebSocket.OPEN) return
      const id = `${this.prefix}${this.#n++}`
      this.#pending.set(id, performance.now())
      this.#ws.send(JSON.stringify({ type: 'send', id, text: `probe ${id}` }))
    }, everyMs)
  }

  /** Stop sending, give the room up to `settleMs` to answer what is in flight, and report. */
  async stop(settleMs = 5000): Promise<ProbeReport> {
    clearInterval(this.#timer)
    await waitFor(() => this.#pending.size === 0 || this.#closeCode !== undefined, 'probe echoes', settleMs).catch(() => {})
    const sorted = [...this.#latencies].sort((a, b) => a - b)
    const lost = [...this.#acked].filter((id) => !this.#seenIds.has(id)).length
    return {
      sent: this.#n,
      acked: this.#acked.size,
      lost,
      duplicated: this.#duplicated,
      unanswered: this.#pending.size,
      errors: [...this.#errors],
      closeCode: this.#closeCode,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? NaN,
    }
  }

  close(): void {
    clearInterval(this.#timer)
    this.#ws.terminate()
  }
}
