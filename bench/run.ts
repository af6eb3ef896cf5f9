// `npm run bench [-- --quick] [--servers beacon,socketio] [--scenarios 200x1000,...] [--no-idle] [--no-extras] [--profile]`
// Beacon's room host, Socket.IO and two raw-ws baselines under the same load, side by side in one run.
import { cpus, loadavg } from 'node:os'
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { measureExtras, type Extras } from './lib/extras.ts'
import { printReport, renderMarkdown, renderSvg, summarize, type Results } from './lib/report.ts'
import { runIdle, runScenario, type IdleResult, type ScenarioResult, type Timing } from './lib/scenario.ts'
import { EXTRA_KINDS, SERVER_KINDS, SERVER_LABELS, type ServerKind } from './lib/wire.ts'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    servers: { type: 'string' },
    scenarios: { type: 'string' },
    'no-idle': { type: 'boolean', default: false },
    'no-extras': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
  strict: true,
})

const FULL: [number, number][] = [50, 200, 1000].flatMap((n) => [100, 1000, 5000].map((r): [number, number] => [n, r]))
const QUICK: [number, number][] = [
  [200, 1000],
  [1000, 100],
]
const IDLE_CONNECTIONS = 2000
const timing: Timing = values.quick ? { warmMs: 500, measureMs: 2000, drainMs: 4000 } : { warmMs: 1000, measureMs: 5000, drainMs: 10_000 }

const servers = (values.servers?.split(',') ?? [...SERVER_KINDS]) as ServerKind[]
const known: readonly string[] = [...SERVER_KINDS, ...EXTRA_KINDS]
for (const s of servers) if (!known.includes(s)) throw new Error(`unknown server ${s}; one of ${known.join(', ')}`)
const scenarios: [number, number][] =
  values.scenarios === 'none'
    ? []
    : values.scenarios
      ? values.scenarios.split(',').map((s) => s.split('x').map(Number) as [number, number])
      : values.quick
        ? QUICK
        : FULL
const partial = values.quick || values.servers !== undefined || values.scenarios !== undefined
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url))
const outBase = values.out ?? `${resultsDir}${partial ? 'partial' : 'latest'}`
const profileDir = values.profile ? `${resultsDir}profiles` : undefined

const started = performance.now()
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(0)}s`
const fmt = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '–')

console.log(
  `Beacon broadcast benchmark${values.quick ? ' (quick)' : ''}: ${servers.length} servers × ${scenarios.length} scenarios, loopback, ${cpus().length} cores`,
)
const runs: ScenarioResult[] = []
const failures: { server: ServerKind; members: number; rate: number; error: string }[] = []
const loadBefore = loadavg()
let i = 0
for (const [n, rate] of scenarios) {
  for (const kind of servers) {
    let r: ScenarioResult
    try {
      r = await runScenario(kind, n, rate, timing, profileDir)
    } catch (e) {
      failures.push({ server: kind, members: n, rate, error: (e as Error).message })
      console.log(
        `[${++i}/${scenarios.length * servers.length} ${elapsed()}] ${SERVER_LABELS[kind].padEnd(26)} ${String(n).padStart(4)} × ${String(rate).padStart(4)}/s: FAILED: ${(e as Error).message}`,
      )
      continue
    }
    runs.push(r)
    const state = r.keptUp
      ? 'kept up'
      : `BEHIND: sent ${fmt(r.sendRate, 0)}/s of ${r.offered}, backlog ${fmt(r.backlogAtStop, 0)} msgs at stop, ${r.drainMs === null ? `${r.undeliveredAfterDrain} deliveries still pending` : `drained in ${fmt(r.drainMs / 1000, 1)} s`}`
    console.log(
      `[${++i}/${scenarios.length * servers.length} ${elapsed()}] ${SERVER_LABELS[kind].padEnd(26)} ${String(n).padStart(4)} × ${String(rate).padStart(4)}/s${r.offered < rate ? ` (offered ${r.offered}/s)` : ''}: ` +
        `${fmt(r.deliveriesPerSec / 1000, 0)}k deliveries/s, ${fmt(r.cpuUsPerDelivery, 2)} µs CPU/delivery, p50 ${fmt(r.p50, 2)} p99 ${fmt(r.p99, 1)} max ${fmt(r.max, 0)} ms, lost ${r.lost}; ${state}`,
    )
  }
}

const idle: IdleResult[] = []
if (!values['no-idle']) {
  for (const kind of servers) {
    const r = await runIdle(kind, IDLE_CONNECTIONS)
    idle.push(r)
    console.log(
      `[idle ${elapsed()}] ${SERVER_LABELS[kind].padEnd(26)} ${IDLE_CONNECTIONS} idle connections: ${fmt(r.bytesPerConnection / 1024, 1)} KB RSS each (${fmt(r.rssBeforeMB, 0)} → ${fmt(r.rssAfterMB, 0)} MB)`,
    )
  }
}

let extras: Extras | undefined
if (!values['no-extras']) extras = await measureExtras((line) => console.log(`[extras ${elapsed()}] ${line}`), { quick: values.quick })

const results: Results = summarize({
  quick: values.quick,
  partial,
  timing,
  runs,
  failures,
  idle,
  extras,
  loadAverage: { before: loadBefore, after: loadavg() },
  durationS: (performance.now() - started) / 1000,
})
printReport(results)
mkdirSync(resultsDir, { recursive: true })
writeFileSync(`${outBase}.json`, JSON.stringify(results, null, 2) + '\n')
writeFileSync(`${outBase}.svg`, renderSvg(results))
writeFileSync(`${outBase}.md`, renderMarkdown(results))
console.log(`\nwrote ${outBase}.json, .svg and .md in ${elapsed()}`)
