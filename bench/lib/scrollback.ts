// Scrollback timing: how long one page of 100 older messages takes from a room with 100,000 messages.
// The host keeps at least LIMITS.retention (10,000) and prunes down to that at its next commit, so a
// 100,000-message log exists only until someone posts: it is seeded on disk before the host opens it and
// measured before anyone posts; then one post lets the host prune, and the page is timed again against
// what it keeps. The same History query is also timed in process on the 100,000-row table, without the wire.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { WebSocket } from 'ws'
import { History } from '../../src/main/server/history.ts'
import { LIMITS } from '../../src/shared/limits.ts'
import { spawnServer, stopServer } from './procs.ts'

export interface PageTimes {
  /** Messages in the room's log when measured. */
  rows: number
  requests: number
  medianMs: number
  p99Ms: number
  maxMs: number
}

export interface ScrollbackResult {
  /** `history` request → `history` frame parsed, on a ws client over loopback (the host's work plus the wire). */
  wire100k: PageTimes
  /** The same after one new message let the host prune to its retention. */
  wireRetained: PageTimes
  /** History.before() in process on the 100,000-row table (the query and row mapping alone). */
  direct100k: PageTimes
}

const SEEDED = 100_000
const REQUESTS = 200
const WARMUP = 20

/** A room log with `count` messages of ~100 characters, written straight into the host's schema. */
function seedLog(dir: string, count: number): void {
  new History(dir).close() // the schema and the room's identity, as the host makes them
  const db = new DatabaseSync(join(dir, 'room.db'))
  const insert = db.prepare('INSERT INTO messages (seq, client, cid, from_id, from_name, text, ts) VALUES (?, ?, ?, ?, ?, ?, ?)')
  db.exec('BEGIN')
  const ts = Date.now()
  for (let seq = 1; seq <= count; seq++)
    insert.run(seq, 'seeder', `s${seq}`, 'seeder', 'Seeder', `older message ${seq} `.padEnd(100, 'x'), ts)
  db.exec('COMMIT')
  db.close()
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN

function summarize(rows: number, ms: number[]): PageTimes {
  const sorted = [...ms].sort((a, b) => a - b)
  return { rows, requests: ms.length, medianMs: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) ?? NaN }
}

/** A random `before` whose page is full: between the oldest kept seq + 100 and the newest + 1. */
const position = (oldest: number, newest: number): number =>
  oldest + LIMITS.historyPage + Math.floor(Math.random() * (newest + 2 - oldest - LIMITS.historyPage))

type Frame = { type: string; before?: number; messages?: unknown[]; code?: string; message?: string }

/** A member that joined over beacon.v1, and a way to wait for its next frame of a type (an error fails it). */
async function member(port: number): Promise<{ next: (type: string) => Promise<Frame>; ws: WebSocket }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, 'beacon.v1')
  const waiting: { type: string; resolve: (f: Frame) => void; reject: (e: Error) => void }[] = []
  ws.on('message', (d) => {
    const f = JSON.parse(d.toString()) as Frame
    const i = waiting.findIndex((w) => w.type === f.type || f.type === 'error')
    if (i < 0) return
    const [w] = waiting.splice(i, 1)
    if (f.type === 'error') w!.reject(new Error(`${f.code}: ${f.message}`))
    else w!.resolve(f)
  })
  const next = (type: string) =>
    new Promise<Frame>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${type} frame within 10 s`)), 10_000)
      waiting.push({
        type,
        resolve: (f) => (clearTimeout(t), resolve(f)),
        reject: (e) => (clearTimeout(t), reject(e)),
      })
    })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  const welcome = next('welcome')
  ws.send(JSON.stringify({ type: 'hello', protocol: 1, name: 'Scroller', client: `bench-scroller-${Math.random()}` }))
  await welcome
  return { next, ws }
}

/**
 * Time `REQUESTS` scrollback pages, one at a time. A member may ask LIMITS.historyBurst pages at once (then
 * LIMITS.historyRatePerSecond a second), so each member asks its burst and the next member takes over.
 */
async function timePages(port: number, oldest: number, newest: number): Promise<number[]> {
  const ms: number[] = []
  for (let i = 0; i < WARMUP + REQUESTS;) {
    const { next, ws } = await member(port)
    try {
      for (let j = 0; j < LIMITS.historyBurst && i < WARMUP + REQUESTS; j++, i++) {
        const before = position(oldest, newest)
        const t0 = performance.now()
        const page = next('history')
        ws.send(JSON.stringify({ type: 'history', before, limit: LIMITS.historyPage }))
        const f = await page
        const took = performance.now() - t0
        if (f.before !== before || f.messages?.length !== LIMITS.historyPage)
          throw new Error(`page before ${before}: got ${f.messages?.length} messages for before ${f.before}`)
        if (i >= WARMUP) ms.push(took)
      }
    } finally {
      ws.close()
    }
  }
  return ms
}

export async function measureScrollback(): Promise<ScrollbackResult> {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-scrollback-'))
  try {
    seedLog(dir, SEEDED)
    const host = await spawnServer('beacon', { dataDir: dir, port: 0 })
    let wire100k: PageTimes
    let wireRetained: PageTimes
    try {
      wire100k = summarize(SEEDED, await timePages(host.port, 1, SEEDED))
      const { seq } = await host.ask({ cmd: 'seed', count: 1 }, 'seeded') // one post: the host prunes to its retention
      wireRetained = summarize(LIMITS.retention, await timePages(host.port, seq - LIMITS.retention + 1, seq))
    } finally {
      await stopServer(host)
    }
    // the host pruned the log: seed a fresh 100,000-row one for the in-process query
    rmSync(dir, { recursive: true, force: true })
    seedLog(dir, SEEDED)
    const history = new History(dir)
    const ms: number[] = []
    try {
      for (let i = 0; i < WARMUP + REQUESTS; i++) {
        const before = position(1, SEEDED)
        const t0 = performance.now()
        const page = history.before(before, LIMITS.historyPage)
        const took = performance.now() - t0
        if (page.length !== LIMITS.historyPage) throw new Error(`History.before(${before}) gave ${page.length} messages`)
        if (i >= WARMUP) ms.push(took)
      }
    } finally {
      history.close()
    }
    return { wire100k, wireRetained, direct100k: summarize(SEEDED, ms) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
