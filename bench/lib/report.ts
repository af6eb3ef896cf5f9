// The report: ratios side by side, the console tables, latest.json and the SVG chart README embeds.
import { cpus, totalmem } from 'node:os'
import type { Extras } from './extras.ts'
import type { IdleResult, ScenarioResult, Timing } from './scenario.ts'
import { EXTRA_KINDS, SERVER_KINDS, SERVER_LABELS, type ServerKind } from './wire.ts'

export interface Comparison {
  members: number
  rate: number
  offered: number
  /** Beacon's figure divided by the other server's: below 1 means Beacon is cheaper or faster. */
  cpuVsSocketIO: number
  cpuVsNaive: number
  cpuVsCoalesce: number
  p99VsSocketIO: number
  p99VsNaive: number
  p99VsCoalesce: number
  /** Against the previous version of the host, when it ran too (beacon-before). */
  cpuVsBefore?: number
  p99VsBefore?: number
}

export interface Check {
  name: string
  value: number
  limit: number
  pass: boolean
}

export interface Results {
  generatedAt: string
  machine: { cores: number; cpu: string; memoryGB: number; node: string; platform: string }
  quick: boolean
  partial: boolean
  timing: Timing
  durationS: number
  runs: ScenarioResult[]
  failures: { server: ServerKind; members: number; rate: number; error: string }[]
  idle: IdleResult[]
  /** The machine's 1/5/15-minute load averages before and after: others share it, and this shows how much. */
  loadAverage: { before: number[]; after: number[] }
  comparisons: Comparison[]
  acceptance: Check[]
  extras?: Extras
}

const ACCEPTANCE_SCENARIO = { members: 200, rate: 1000 }

export function summarize(r: Omit<Results, 'generatedAt' | 'machine' | 'comparisons' | 'acceptance'>): Results {
  const find = (kind: ServerKind, n: number, rate: number): ScenarioResult | undefined =>
    r.runs.find((x) => x.server === kind && x.members === n && x.rate === rate)
  const comparisons: Comparison[] = []
  for (const b of r.runs.filter((x) => x.server === 'beacon')) {
    const other = (k: ServerKind) => find(k, b.members, b.rate)
    const ratio = (k: ServerKind, f: (x: ScenarioResult) => number): number => {
      const o = other(k)
      return o ? f(b) / f(o) : NaN
    }
    comparisons.push({
      members: b.members,
      rate: b.rate,
      offered: b.offered,
      cpuVsSocketIO: ratio('socketio', (x) => x.cpuUsPerDelivery),
      cpuVsNaive: ratio('ws-naive', (x) => x.cpuUsPerDelivery),
      cpuVsCoalesce: ratio('ws-coalesce', (x) => x.cpuUsPerDelivery),
      p99VsSocketIO: ratio('socketio', (x) => x.p99),
      p99VsNaive: ratio('ws-naive', (x) => x.p99),
      p99VsCoalesce: ratio('ws-coalesce', (x) => x.p99),
      ...(other('beacon-before')
        ? { cpuVsBefore: ratio('beacon-before', (x) => x.cpuUsPerDelivery), p99VsBefore: ratio('beacon-before', (x) => x.p99) }
        : {}),
    })
  }
  const acceptance: Check[] = []
  const at = comparisons.find((c) => c.members === ACCEPTANCE_SCENARIO.members && c.rate === ACCEPTANCE_SCENARIO.rate)
  const beaconAt = find('beacon', ACCEPTANCE_SCENARIO.members, ACCEPTANCE_SCENARIO.rate)
  const tag = `${ACCEPTANCE_SCENARIO.members} × ${ACCEPTANCE_SCENARIO.rate}/s`
  if (at && beaconAt) {
    acceptance.push({
      name: `${tag}: Beacon CPU per delivery ÷ Socket.IO's`,
      value: at.cpuVsSocketIO,
      limit: 1 / 3,
      pass: at.cpuVsSocketIO <= 1 / 3,
    })
    acceptance.push({
      name: `${tag}: Beacon p99 latency ÷ Socket.IO's`,
      value: at.p99VsSocketIO,
      limit: 0.1,
      pass: at.p99VsSocketIO <= 0.1,
    })
    acceptance.push({
      name: `${tag}: Beacon CPU per delivery ÷ coalescing raw ws's`,
      value: at.cpuVsCoalesce,
      limit: 1.3,
      pass: at.cpuVsCoalesce <= 1.3,
    })
    acceptance.push({
      name: `${tag}: Beacon messages lost`,
      value: beaconAt.lost + beaconAt.undeliveredAfterDrain,
      limit: 0,
      pass: beaconAt.lost + beaconAt.undeliveredAfterDrain === 0,
    })
  }
  const idle = r.idle.find((x) => x.server === 'beacon')
  if (idle)
    acceptance.push({
      name: `Beacon RSS per idle connection (KB, ${idle.connections} connections)`,
      value: idle.bytesPerConnection / 1024,
      limit: 10,
      pass: idle.bytesPerConnection / 1024 <= 10,
    })
  const lost = r.runs.reduce((a, x) => a + x.lost, 0)
  acceptance.push({ name: 'messages lost, all servers and scenarios', value: lost, limit: 0, pass: lost === 0 })
  const resume = r.extras?.resume
  if (resume)
    acceptance.push({
      name: `resume of ${resume.missed} missed messages: host listening → RoomClient has all (ms)`,
      value: resume.reachableToCaughtUpMs,
      limit: 1000,
      pass: resume.reachableToCaughtUpMs <= 1000,
    })
  const sb = r.extras?.scrollback
  if (sb)
    for (const [what, p] of [
      ['over the wire, 100,000-message room', sb.wire100k],
      ['History.before() on a 100,000-row table', sb.direct100k],
    ] as const)
      acceptance.push({ name: `scrollback page of 100, ${what}: p99 (ms)`, value: p.p99Ms, limit: 10, pass: p.p99Ms <= 10 })
  return {
    generatedAt: new Date().toISOString(),
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryGB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
    },
    ...r,
    comparisons,
    acceptance,
  }
}

const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '–')
const k = (x: number): string => (x >= 1e6 ? `${f(x / 1e6, 2)}M` : x >= 1e3 ? `${f(x / 1e3, 1)}k` : f(x, 0))
const scen = (x: { members: number; rate: number; offered: number }): string =>
  `${x.members} × ${x.rate}/s${x.offered < x.rate ? ` (${x.offered}/s)` : ''}`

function status(r: ScenarioResult): string {
  if (r.keptUp) return 'kept up'
  const parts = [
    `behind: sent ${f(r.sendRate, 0)}/s, ${f((100 * r.deliveriesPerSec) / r.expectedDeliveriesPerSec, 0)}% of deliveries/s, backlog ${f(r.backlogAtStop, 0)} msgs`,
  ]
  parts.push(r.drainMs === null ? `${k(r.undeliveredAfterDrain)} deliveries pending at cut-off` : `drained in ${f(r.drainMs / 1000, 1)} s`)
  if (r.resumed) parts.push(`${r.resumed} closed 1013 and resumed`)
  return parts.join('; ')
}

export function printReport(r: Results): void {
  const rows: string[][] = [
    [
      'scenario',
      'server',
      'deliveries/s',
      'µs CPU/deliv',
      'server CPU',
      'kernel',
      'load CPU',
      'p50 ms',
      'p99 ms',
      'max ms',
      'lost',
      'status',
    ],
  ]
  for (const x of r.runs) {
    rows.push([
      scen(x),
      SERVER_LABELS[x.server],
      k(x.deliveriesPerSec),
      f(x.cpuUsPerDelivery, 2),
      `${f(x.serverCpu * 100, 0)}%`,
      `${f(x.serverKernelShare * 100, 0)}%`,
      `${f(x.loadCpu * 100, 0)}%`,
      f(x.p50, 2),
      f(x.p99, 1),
      f(x.max, 0),
      String(x.lost),
      status(x),
    ])
  }
  console.log(
    '\nPer server and scenario (server CPU: share of one core; kernel: share of the server CPU in system time; load CPU: the load workers together)',
  )
  table(rows)
  for (const x of r.failures) console.log(`  FAILED ${SERVER_LABELS[x.server]} ${x.members} × ${x.rate}/s: ${x.error}`)
  console.log(
    `  machine load average (1/5/15 min) before ${r.loadAverage.before.map((x) => f(x, 2)).join(' ')}, after ${r.loadAverage.after.map((x) => f(x, 2)).join(' ')}`,
  )
  if (r.comparisons.length) {
    console.log('\nBeacon ÷ other server (below 1: Beacon uses less CPU per delivery / has lower p99)')
    const c = [
      ['scenario', 'CPU ÷ Socket.IO', 'CPU ÷ ws send', 'CPU ÷ ws coalesce', 'p99 ÷ Socket.IO', 'p99 ÷ ws send', 'p99 ÷ ws coalesce'],
    ]
    const before = r.comparisons.some((x) => x.cpuVsBefore !== undefined)
    if (before) c[0]!.push('CPU ÷ before', 'p99 ÷ before')
    for (const x of r.comparisons) {
      c.push([
        scen(x),
        f(x.cpuVsSocketIO, 2),
        f(x.cpuVsNaive, 2),
        f(x.cpuVsCoalesce, 2),
        f(x.p99VsSocketIO, 3),
        f(x.p99VsNaive, 3),
        f(x.p99VsCoalesce, 2),
      ])
      if (before) c.at(-1)!.push(f(x.cpuVsBefore ?? NaN, 2), f(x.p99VsBefore ?? NaN, 2))
    }
    table(c)
  }
  if (r.idle.length) {
    console.log('\nIdle connections')
    table([
      [
        'server',
        'connections',
        'RSS before MB',
        'RSS after MB',
        'KB RSS per connection',
        'JS heap used KB',
        'JS heap reserved KB',
        'Buffers KB',
      ],
      ...r.idle.map((x) => [
        SERVER_LABELS[x.server],
        String(x.connections),
        f(x.rssBeforeMB, 0),
        f(x.rssAfterMB, 0),
        f(x.bytesPerConnection / 1024, 1),
        f(x.heapBytesPerConnection / 1024, 1),
        f(x.heapTotalBytesPerConnection / 1024, 1),
        f(x.externalBytesPerConnection / 1024, 1),
      ]),
    ])
  }
  if (r.acceptance.length) {
    console.log('\nAcceptance (issue 5)')
    for (const c of r.acceptance) console.log(`  ${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${f(c.value, 3)} (limit ${f(c.limit, 3)})`)
  }
}

function table(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  for (const r of rows)
    console.log(
      '  ' +
        r
          .map((c, i) => (i < 2 || i === r.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
          .join('  ')
          .trimEnd(),
    )
}

// ---- SVG ----------------------------------------------------------------------------------------------

const COLORS: Record<ServerKind, string> = {
  beacon: '#2563eb',
  rsocket: '#7c3aed',
  'beacon-before': '#93c5fd',
  socketio: '#9ca3af',
  'ws-naive': '#f59e0b',
  'ws-coalesce': '#10b981',
}
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

export function renderSvg(r: Results): string {
  const kinds = [...EXTRA_KINDS, ...SERVER_KINDS].filter((s) => r.runs.some((x) => x.server === s) || r.idle.some((x) => x.server === s))
  const groups = [...new Map(r.runs.map((x) => [`${x.members}x${x.rate}`, x])).values()]
  const W = 980
  const left = 70
  const plotW = W - left - 20
  const out: string[] = []
  let y = 0
  const text = (x: number, yy: number, s: string, attrs = ''): void =>
    void out.push(`<text x="${x.toFixed(1)}" y="${yy.toFixed(1)}" ${attrs}>${esc(s)}</text>`)

  y += 28
  text(
    left,
    y,
    `Beacon host vs Socket.IO and raw ws · ${r.machine.cores} cores, Node ${r.machine.node}, loopback, one run`,
    'font-size="15" font-weight="bold"',
  )
  y += 22
  kinds.forEach((s, i) => {
    const x = left + i * 225
    out.push(`<rect x="${x}" y="${y - 11}" width="12" height="12" fill="${COLORS[s]}"/>`)
    text(x + 18, y, SERVER_LABELS[s], 'font-size="12"')
  })
  text(
    left,
    y + 18,
    'Hatched bars: the server (or the load generator beside it) could not keep up; figures are what it achieved.',
    'font-size="11" fill="#555"',
  )
  y += 30

  const panel = (title: string, value: (x: ScenarioResult) => number, log: boolean, unit: string): void => {
    const H = 200
    y += 24
    text(left, y, title, 'font-size="13" font-weight="bold"')
    y += 10
    const top = y
    const vals = r.runs.map(value).filter((v) => Number.isFinite(v) && v > 0)
    const maxV = Math.max(...vals, 1e-9)
    const minV = log ? Math.max(Math.min(...vals), 0.01) : 0
    const lo = log ? Math.floor(Math.log10(minV)) : 0
    const hi = log ? Math.ceil(Math.log10(maxV)) : niceMax(maxV)
    const scale = (v: number): number => (log ? ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * H : (v / hi) * H)
    const ticks = log ? Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i)) : [0, 0.25, 0.5, 0.75, 1].map((t) => t * hi)
    for (const t of ticks) {
      const ty = top + H - scale(t)
      out.push(`<line x1="${left}" x2="${left + plotW}" y1="${ty.toFixed(1)}" y2="${ty.toFixed(1)}" stroke="#e5e7eb"/>`)
      text(
        left - 6,
        ty + 4,
        `${t < 1 ? +t.toPrecision(2) : +t.toFixed(t < 10 ? 1 : 0)}${unit}`,
        'font-size="10" text-anchor="end" fill="#555"',
      )
    }
    const gw = plotW / Math.max(1, groups.length)
    const bw = Math.min(22, (gw - 12) / kinds.length)
    groups.forEach((g, gi) => {
      const gx = left + gi * gw + (gw - bw * kinds.length) / 2
      kinds.forEach((s, si) => {
        const run = r.runs.find((x) => x.server === s && x.members === g.members && x.rate === g.rate)
        if (!run) return
        const v = value(run)
        if (!Number.isFinite(v)) return
        const h = Math.max(1, scale(v))
        const x = gx + si * bw
        out.push(
          `<rect x="${x.toFixed(1)}" y="${(top + H - h).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${run.keptUp ? COLORS[s] : 'url(#hatch-' + s + ')'}"><title>${esc(`${SERVER_LABELS[s]}, ${scen(run)}: ${f(v, 2)}${unit}${run.keptUp ? '' : ' (behind)'}`)}</title></rect>`,
        )
      })
      text(left + gi * gw + gw / 2, top + H + 14, `${g.members} × ${g.rate}/s`, 'font-size="10" text-anchor="middle"')
      if (g.offered < g.rate)
        text(left + gi * gw + gw / 2, top + H + 26, `(offered ${g.offered}/s)`, 'font-size="9" text-anchor="middle" fill="#555"')
    })
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${top + H}" y2="${top + H}" stroke="#111"/>`)
    y = top + H + 34
  }
  panel('Server CPU per delivered message (µs, lower is better)', (x) => x.cpuUsPerDelivery, false, ' µs')
  panel('Latency p99, send → receipt (ms, log scale, lower is better)', (x) => x.p99, true, ' ms')

  if (r.idle.length) {
    y += 24
    text(left, y, `Server RSS per idle connection (KB, ${r.idle[0]!.connections} connections)`, 'font-size="13" font-weight="bold"')
    y += 8
    const maxKB = Math.max(...r.idle.map((x) => x.bytesPerConnection / 1024), 1)
    for (const x of r.idle) {
      const kb = x.bytesPerConnection / 1024
      const w = Math.max(1, (kb / maxKB) * (plotW - 200))
      out.push(`<rect x="${left + 150}" y="${y}" width="${w.toFixed(1)}" height="14" fill="${COLORS[x.server]}"/>`)
      text(left + 144, y + 11, SERVER_LABELS[x.server], 'font-size="11" text-anchor="end"')
      text(left + 156 + w, y + 11, `${f(kb, 1)} KB`, 'font-size="11"')
      y += 20
    }
  }
  y += 14
  const H = y
  const defs = kinds
    .map(
      (s) =>
        `<pattern id="hatch-${s}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="${COLORS[s]}" opacity="0.35"/><line x1="0" y1="0" x2="0" y2="6" stroke="${COLORS[s]}" stroke-width="3"/></pattern>`,
    )
    .join('')
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif"><defs>${defs}</defs><rect width="${W}" height="${H}" fill="#fff"/>\n${out.join('\n')}\n</svg>\n`
}

function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p
  return 10 * p
}

// ---- Markdown (README's Performance table) ------------------------------------------------------------

export function renderMarkdown(r: Results): string {
  const out: string[] = []
  const servers = [...EXTRA_KINDS, ...SERVER_KINDS].filter((s) => r.runs.some((x) => x.server === s))
  out.push(
    `| scenario (members × msgs/s) | ${servers.map((s) => SERVER_LABELS[s]).join(' | ')} | Beacon ÷ Socket.IO | Beacon ÷ ws coalesce |`,
  )
  out.push(`|---|${servers.map(() => '---').join('|')}|---|---|`)
  const groups = [...new Map(r.runs.map((x) => [`${x.members}x${x.rate}`, x])).values()]
  for (const g of groups) {
    const cells = servers.map((s) => {
      const x = r.runs.find((y) => y.server === s && y.members === g.members && y.rate === g.rate)
      if (!x) return 'failed'
      const behind = x.keptUp
        ? ''
        : ` ⚠ behind: ${k(x.deliveriesPerSec)}/s of ${k(x.expectedDeliveriesPerSec)}/s, backlog ${f(x.backlogAtStop, 0)} msgs`
      return `${f(x.cpuUsPerDelivery, 2)} µs · ${f(x.p50, 1)} / ${f(x.p99, 1)} / ${f(x.max, 0)} ms${behind}`
    })
    const c = r.comparisons.find((y) => y.members === g.members && y.rate === g.rate)
    const ratio = (cpu?: number, p99?: number): string => (c ? `CPU ${f(cpu ?? NaN, 2)}×, p99 ${f(p99 ?? NaN, 3)}×` : '–')
    out.push(
      `| ${scen(g)} | ${cells.join(' | ')} | ${ratio(c?.cpuVsSocketIO, c?.p99VsSocketIO)} | ${ratio(c?.cpuVsCoalesce, c?.p99VsCoalesce)} |`,
    )
  }
  const lost = r.runs.reduce((a, x) => a + x.lost + x.duplicates, 0)
  out.push('')
  out.push(`Each cell: server CPU per delivered message · latency p50 / p99 / max. Messages lost or duplicated, all runs: ${lost}.`)
  if (r.idle.length) {
    out.push('')
    out.push(`| ${r.idle[0]!.connections} idle connections | ${r.idle.map((x) => SERVER_LABELS[x.server]).join(' | ')} |`)
    out.push(`|---|${r.idle.map(() => '---').join('|')}|`)
    out.push(`| server RSS per connection | ${r.idle.map((x) => `${f(x.bytesPerConnection / 1024, 1)} KB`).join(' | ')} |`)
  }
  const resume = r.extras?.resume
  if (r.extras?.measuredAt && (resume || r.extras.scrollback)) {
    out.push('')
    out.push(`Resume and scrollback measured ${r.extras.measuredAt.slice(0, 16).replace('T', ' ')} UTC.`)
  }
  if (resume) {
    out.push('')
    out.push(
      `Resume of ${resume.missed.toLocaleString('en')} missed messages: RoomClient has all of them ${f(resume.reachableToCaughtUpMs, 0)} ms after the host listens again ` +
        `(its next reconnect attempt came after ${f(resume.reconnectMs, 0)} ms); on a raw socket, hello → last missed message ${f(resume.resumeMs, 0)} ms ` +
        `(${f(resume.resumeBytes / 2 ** 20, 1)} MB; the welcome carries ${resume.inWelcome}, the rest follow as messages).`,
    )
  }
  const sb = r.extras?.scrollback
  if (sb) {
    out.push('')
    out.push(`| scrollback: a page of 100 older messages, ${sb.wire100k.requests} at random positions | median | p99 | max |`)
    out.push('|---|---|---|---|')
    for (const [what, p] of [
      ['over the wire (request → page parsed), room seeded with 100,000 before anyone posts', sb.wire100k],
      [`over the wire, after one post let the host prune to its retention (${sb.wireRetained.rows.toLocaleString('en')})`, sb.wireRetained],
      ['History.before() in process on a 100,000-row table', sb.direct100k],
    ] as const)
      out.push(`| ${what} | ${f(p.medianMs, 2)} ms | ${f(p.p99Ms, 2)} ms | ${f(p.maxMs, 1)} ms |`)
  }
  return out.join('\n') + '\n'
}
