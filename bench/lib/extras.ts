// The rest of the report: reconnect-and-resume timing (a member comes back to a host that was away while
// 10,000 messages were posted) and discovery timings (bench/discovery.ts, when it exists).
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WebSocket } from 'ws'
import { RoomClient, type WebSocketCtor } from '../../src/shared/room-client.ts'
import { sleep, spawnServer, stopServer } from './procs.ts'
import { now } from './wire.ts'

export interface ResumeResult {
  missed: number
  /** Host listening again → the client has every missed message (includes the client's reconnect backoff). */
  reachableToCaughtUpMs: number
  /** The resume alone, on a raw ws client once the host is up: socket opening → welcome with all missed messages parsed. */
  resumeMs: number
  resumeBytes: number
  /** How long the host was down before it listened again. */
  downMs: number
  resumed: boolean
  client: string
}

export interface Extras {
  resume?: ResumeResult
  resumeError?: string
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
    await host.ask({ cmd: 'seed', count: MISSED }, 'seeded') // …the room moves on without it…
    await stopServer(host) // …and the host goes away too.
    const downAt = now()
    const caughtUp = waitFor<{ at: number; count: number; resumed: boolean }>(
      (r) => client.on('history', (h) => r({ at: now(), count: h.messages.length, resumed: !h.reset })),
      60_000,
      'resumed history',
    )
    client.connect() // the member comes back while the host is still down: it retries with backoff
    await sleep(1000)
    host = await spawnServer('beacon', { dataDir: dir, port })
    const h = await caughtUp
    const raw = await rawResume(port, epoch, after)
    return {
      missed: h.count,
      reachableToCaughtUpMs: h.at - host.listeningAt,
      resumeMs: raw.ms,
      resumeBytes: raw.bytes,
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

/** hello with resume on a plain ws socket, timed from opening the socket to the parsed welcome. */
function rawResume(port: number, epoch: string, after: number): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = now()
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, 'beacon.v1')
    ws.on('open', () =>
      ws.send(JSON.stringify({ type: 'hello', protocol: 1, name: 'Raw', client: 'bench-raw-resumer', resume: { epoch, after } })),
    )
    ws.on('message', (data) => {
      const text = data.toString()
      const f = JSON.parse(text) as { type: string; history?: unknown[]; resumed?: boolean }
      if (f.type !== 'welcome') return
      const ms = now() - t0
      ws.close()
      if (!f.resumed || f.history!.length !== MISSED)
        reject(new Error(`raw resume got ${f.history?.length} messages, resumed ${f.resumed}`))
      else resolve({ ms, bytes: Buffer.byteLength(text) })
    })
    ws.on('error', reject)
  })
}

export async function measureExtras(log: (line: string) => void, opts: { quick: boolean }): Promise<Extras> {
  const extras: Extras = {}
  try {
    const r = await measureResume()
    extras.resume = r
    log(
      `resume: ${r.missed} missed messages; RoomClient caught up ${r.reachableToCaughtUpMs.toFixed(0)} ms after the host listened again (host down ${r.downMs.toFixed(0)} ms; includes its reconnect backoff); the resume alone (raw ws, hello → welcome of ${(r.resumeBytes / 2 ** 20).toFixed(1)} MB parsed) ${r.resumeMs.toFixed(0)} ms`,
    )
  } catch (e) {
    extras.resumeError = (e as Error).message
    log(`resume: failed: ${extras.resumeError}`)
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
