// Discovery benchmark (not a test): how fast a room shows up in, and leaves, a browser on another network.
// Two network namespaces joined by a veth pair; `beacon rooms --json` in one, `beacon host` started in the
// other. Per run: host start → `up`; graceful stop (SIGTERM) → `down`; a second host, SIGKILL → `down`.
// Run: node bench/discovery.ts [--runs N]   (root; real multicast stays inside the namespaces)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Lab, namespaceUnavailableReason, type Proc } from '../test/lan/netns.ts'

export interface DiscoveryOptions {
  /** Measurements of each kind; the medians are reported. */
  runs?: number
  /** Where to write the JSON results; none when undefined. */
  resultFile?: string
  log?: (line: string) => void
}

export interface DiscoveryResult {
  seenMs: number
  /** From the host's own "advertised" line (probing done) to the browser's `up`: discovery without process start-up. */
  advertisedSeenMs: number
  stopDownMs: number
  crashDownMs: number
  runs: number
}

const DEFAULT_RUNS = 5
/** Bounds on each wait, far above the expected times: a run that exceeds one fails the benchmark. */
const SEEN_BOUND_MS = 15_000
const DOWN_BOUND_MS = 15_000
export const RESULT_FILE = join(dirname(fileURLToPath(import.meta.url)), 'results', 'discovery.json')

type Ev = Record<string, unknown>
const roomIs = (kind: string, name: string) => (e: Ev) =>
  e.event === kind && (e.room as { roomName?: string } | undefined)?.roomName === name

export async function measureDiscovery(opts: DiscoveryOptions = {}): Promise<DiscoveryResult> {
  const runs = opts.runs ?? DEFAULT_RUNS
  const log = opts.log ?? (() => {})
  const reason = namespaceUnavailableReason()
  if (reason) throw new Error(`discovery benchmark needs network namespaces: ${reason}`)
  const lab = new Lab('b')
  const data = mkdtempSync(join(tmpdir(), 'beacon-bench-discovery-'))
  const samples = { seenMs: [] as number[], advertisedSeenMs: [] as number[], stopDownMs: [] as number[], crashDownMs: [] as number[] }
  try {
    const hostNs = lab.namespace('h')
    const peerNs = lab.namespace('p')
    lab.link(hostNs, '198.18.200.1', peerNs, '198.18.200.2')
    const rooms = lab.beacon(peerNs, ['rooms', '--json'])
    const startHost = (name: string) => lab.beacon(hostNs, ['host', '--json', '--name', name, '--data', join(data, name), '--port', '0'])
    const timeTo = async (p: Proc, pred: (e: Ev) => boolean, bound: number, what: string, from: number, t0: number) => {
      await p.waitFor(pred, bound, what, from)
      return Date.now() - t0
    }
    for (let i = 1; i <= runs; i++) {
      const name = `Bench ${process.pid} ${i}`
      let mark = rooms.events.length
      let t0 = Date.now()
      const host = startHost(name)
      const advertisedAt = host.waitFor((e) => e.event === 'advertised', SEEN_BOUND_MS, `${name} advertised`).then(() => Date.now())
      samples.seenMs.push(await timeTo(rooms, roomIs('up', name), SEEN_BOUND_MS, `${name} up`, mark, t0))
      samples.advertisedSeenMs.push(Math.max(0, t0 + samples.seenMs.at(-1)! - (await advertisedAt)))
      mark = rooms.events.length
      t0 = Date.now()
      await host.kill('SIGTERM')
      samples.stopDownMs.push(await timeTo(rooms, roomIs('down', name), DOWN_BOUND_MS, `${name} down after stop`, mark, t0))

      const crashName = `${name} crash`
      const crashing = startHost(crashName)
      await rooms.waitFor(roomIs('up', crashName), SEEN_BOUND_MS, `${crashName} up`, mark)
      mark = rooms.events.length
      t0 = Date.now()
      await crashing.kill('SIGKILL')
      samples.crashDownMs.push(await timeTo(rooms, roomIs('down', crashName), DOWN_BOUND_MS, `${crashName} down after SIGKILL`, mark, t0))
      log(
        `run ${i}/${runs}: seen ${samples.seenMs.at(-1)} ms (${samples.advertisedSeenMs.at(-1)} ms after advertised), stop→down ${samples.stopDownMs.at(-1)} ms, crash→down ${samples.crashDownMs.at(-1)} ms`,
      )
    }
    await rooms.kill()
  } finally {
    await lab.destroy()
    rmSync(data, { recursive: true, force: true })
  }
  const result = {
    seenMs: median(samples.seenMs),
    advertisedSeenMs: median(samples.advertisedSeenMs),
    stopDownMs: median(samples.stopDownMs),
    crashDownMs: median(samples.crashDownMs),
    runs,
  }
  if (opts.resultFile) {
    mkdirSync(dirname(opts.resultFile), { recursive: true })
    const setup =
      'host and browser in two network namespaces joined by a veth pair; times from the host process spawn / signal to the browser event'
    writeFileSync(
      opts.resultFile,
      JSON.stringify({ date: new Date().toISOString(), node: process.version, setup, medians: result, samples }, null, 2) + '\n',
    )
  }
  return result
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2)
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { runs: { type: 'string' } } })
  const runs = values.runs === undefined ? DEFAULT_RUNS : Number(values.runs)
  try {
    const r = await measureDiscovery({ runs, resultFile: RESULT_FILE, log: (l) => console.error(l) })
    console.log(`Discovery (median of ${r.runs} runs)`)
    console.log('| measure | median |')
    console.log('| --- | ---: |')
    console.log(`| host start → seen by a browser on another network | ${r.seenMs} ms |`)
    console.log(`| host advertised (probing done) → seen | ${r.advertisedSeenMs} ms |`)
    console.log(`| graceful stop → down | ${r.stopDownMs} ms |`)
    console.log(`| crash (SIGKILL) → down | ${r.crashDownMs} ms |`)
    console.log(`results: ${RESULT_FILE}`)
  } catch (e) {
    console.error((e as Error).message)
    process.exitCode = 1
  }
}
