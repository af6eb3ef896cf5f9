// The rest of the report: reconnect-and-resume timing (a member comes back to a host that was away while
// 10,000 messages were posted) and discovery timings (bench/discovery.ts, when it exists).
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WebSocket } from 'ws'
import { RoomClient, type WebSocketCtor } from '../../src/shared/room-client.ts'
import { sleep, spawnServer, stopServer } from './procs.ts'
import { measureScrollback, type PageTimes, type ScrollbackResult } from './scrollback.ts'
import { now } from './wire.ts'

export interface ResumeResult {
  missed: number
  /** Host listening again → the client has every missed message (includes the client's reconnect backoff). */
  reachableToCaughtUpMs: number
  /**
   * The resume alone, on a raw ws client once the host is up: socket opening → the last missed message
   * parsed. The welcome holds the first page of what was missed; the rest follows as `message` frames.
   */
  resumeMs: number
  /** Socket opening → the welcome parsed (its history is bounded by LIMITS.welcomeHistoryBytes). */
  welcomeMs: number
  /** Missed messages in the welcome itself; the rest came as `message` frames. */
  inWelcome: number
  resumeBytes: number
  /** Host listening again → RoomClient's welcome: mostly the wait for its next reconnect attempt (backoff). */
  reconnectMs: number
  /** How long the host was down before it listened again. */
  downMs: number
  resumed: boolean
  client: string
}

export interface Extras {
  /** When these were measured (they may be merged into a full run's results from a later run). */
  measuredAt?: string
  resume?: ResumeResult
  resumeError?: string
  scrollback?: ScrollbackResult
  scrollbackError?: string
  discovery?: unknown
  discoveryNote?: string
}

const MISSED = 10_000

function waitFor<T>(fn: (resolve: (v: T) => void) => void, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)
    fn((v) => {
      clearTimeout(t)
      resolve(v)
    })
  })
}

export async function measureResume(): Promise<ResumeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-resume-'))
  let host = await spawnServer('beacon', { dataDir: dir, port: 0 })
  const port = host.port
  const client = new RoomClient({
    url: `ws://127.0.0.1:${port}/ws`,
    name: 'Resumer',
    clientId: 'bench-resumer',
    WebSocket: WebSocket as unknown as WebSocketCtor,
  })
  try {
    const first = waitFor<void>((r) => client.on('welcome', () => r()), 10_000, 'first welcome')
    client.connect()
    await first
    const { epoch, after } = client.position!
    client.close() // the member goes away…
    const { seq: target } = await host.ask({ cmd: 'seed', count: MISSED }, 'seeded') // …the room moves on without it…
    await stopServer(host) // …and the host goes away too.
    const downAt = now()
    // Caught up means holding the last missed message: the welcome brings the first page, `message` frames the rest.
    const caughtUp = waitFor<{ at: number; resumed: boolean }>(
      (r) => {
        let resumed = false
        client.on('history', (h) => {
          resumed = !h.reset
          if (h.messages.at(-1)?.seq === target) r({ at: now(), resumed })
        })
        client.on('message', (m) => m.seq === target && r({ at: now(), resumed }))
      },
      60_000,
      'resumed history',
    )
    let welcomeAt = 0
    client.on('welcome', () => (welcomeAt = now()))
    client.connect() // the member comes back while the host is still down: it retries with backoff
    await sleep(1000)
    host = await spawnServer('beacon', { dataDir: dir, port })
    const h = await caughtUp
    const raw = await rawResume(port, epoch, after, target)
    return {
      missed: target - after,
      reachableToCaughtUpMs: h.at - host.listeningAt,
      resumeMs: raw.ms,
      welcomeMs: raw.welcomeMs,
      inWelcome: raw.inWelcome,
      resumeBytes: raw.bytes,
      reconnectMs: welcomeAt - host.listeningAt,
      downMs: host.listeningAt - downAt,
      resumed: h.resumed,
      client: 'RoomClient (src/shared/room-client.ts) on ws, default backoff',
    }
  } finally {
    client.close()
    await stopServer(host)
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * hello with resume on a plain ws socket, timed from opening the socket to the last missed message parsed;
 * checks that every missed seq arrived once, in order.
 */
function rawResume(
  port: number,
  epoch: string,
  after: number,
  target: number,
): Promise<{ ms: number; welcomeMs: number; inWelcome: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = now()
    let welcomeMs = 0
    let inWelcome = 0
    let bytes = 0
    let next = after + 1
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, 'beacon.v1')
    const fail = (why: string) => {
      ws.close()
      reject(new Error(`raw resume: ${why}`))
    }
    const take = (seq: number): boolean => {
      if (seq !== next) return (fail(`expected seq ${next}, got ${seq}`), false)
      next++
      return true
    }
    ws.on('open', () =>
      ws.send(JSON.stringify({ type: 'hello', protocol: 1, name: 'Raw', client: 'bench-raw-resumer', resume: { epoch, after } })),
    )
    ws.on('message', (data) => {
      const text = data.toString()
      bytes += Buffer.byteLength(text)
      const f = JSON.parse(text) as { type: string; seq?: number; history?: { seq: number }[]; resumed?: boolean }
      if (f.type === 'welcome') {
        welcomeMs = now() - t0
        if (!f.resumed) return fail('the welcome did not resume')
        inWelcome = f.history!.length
        for (const m of f.history!) if (!take(m.seq)) return
      } else if (f.type === 'message' && f.seq! <= target) {
        if (!take(f.seq!)) return
      } else return
      if (next > target) {
        const ms = now() - t0
        ws.close()
        resolve({ ms, welcomeMs, inWelcome, bytes })
      }
    })
    ws.on('error', reject)
  })
}

export async function measureExtras(log: (line: string) => void, opts: { quick: boolean }): Promise<Extras> {
  const extras: Extras = { measuredAt: new Date().toISOString() }
  try {
    const r = await measureResume()
    extras.resume = r
    log(
      `resume: ${r.missed} missed messages; RoomClient had all of them ${r.reachableToCaughtUpMs.toFixed(0)} ms after the host listened again (host down ${r.downMs.toFixed(0)} ms; its next reconnect attempt came ${r.reconnectMs.toFixed(0)} ms after the host listened); ` +
        `the resume alone (raw ws, hello → last missed message parsed, ${(r.resumeBytes / 2 ** 20).toFixed(1)} MB) ${r.resumeMs.toFixed(0)} ms, ` +
        `of which the welcome (${r.inWelcome} messages) ${r.welcomeMs.toFixed(0)} ms`,
    )
  } catch (e) {
    extras.resumeError = (e as Error).message
    log(`resume: failed: ${extras.resumeError}`)
  }
  try {
    const s = await measureScrollback()
    extras.scrollback = s
    const line = (what: string, p: PageTimes) =>
      `${what} (${p.rows.toLocaleString('en')} messages kept): median ${p.medianMs.toFixed(2)} ms, p99 ${p.p99Ms.toFixed(2)} ms, max ${p.maxMs.toFixed(1)} ms`
    log(`scrollback, a page of 100 older messages at random positions, ${s.wire100k.requests} requests each:`)
    log(`  ${line('over the wire, room seeded with 100,000 before anyone posts', s.wire100k)}`)
    log(`  ${line('over the wire, after one post let the host prune to its retention', s.wireRetained)}`)
    log(`  ${line('History.before() in process, no wire', s.direct100k)}`)
  } catch (e) {
    extras.scrollbackError = (e as Error).message
    log(`scrollback: failed: ${extras.scrollbackError}`)
  }
  const discoveryPath = fileURLToPath(new URL('../discovery.ts', import.meta.url))
  if (!existsSync(discoveryPath)) {
    extras.discoveryNote = 'bench/discovery.ts is not there yet: discovery timings skipped'
    log(extras.discoveryNote)
    return extras
  }
  try {
    const mod = (await import(new URL('../discovery.ts', import.meta.url).href)) as {
      measureDiscovery?: (o: { runs?: number }) => Promise<unknown>
    }
    if (typeof mod.measureDiscovery !== 'function') throw new Error('bench/discovery.ts has no measureDiscovery()')
    extras.discovery = await mod.measureDiscovery(opts.quick ? { runs: 1 } : {})
    const d = extras.discovery as { seenMs?: number; stopDownMs?: number; crashDownMs?: number; runs?: number }
    log(
      `discovery (bench/discovery.ts, medians of ${d.runs} runs, two network namespaces): host up → seen ${d.seenMs?.toFixed(0)} ms, graceful stop → down ${d.stopDownMs?.toFixed(0)} ms, crash → down ${d.crashDownMs?.toFixed(0)} ms`,
    )
  } catch (e) {
    extras.discoveryNote = `discovery timings failed: ${(e as Error).message}`
    log(extras.discoveryNote)
  }
  return extras
}
