// One scenario against one server: N members, a message rate, a warm-up, a measured window, a drain.
import { readFileSync } from 'node:fs'
import { Histogram } from './histogram.ts'
import { sleep, spawnServer, spawnWorker, stopServer, type ServerProc, type WorkerProc } from './procs.ts'
import type { ServerKind, WorkerReport, WorkerStats } from './wire.ts'

/** Beacon admits 10 messages/s per member (LIMITS.sendRatePerSecond); senders stay safely under it. */
export const PER_SENDER_RATE = 8

export interface Timing {
  warmMs: number
  measureMs: number
  drainMs: number
}

export interface ScenarioResult {
  server: ServerKind
  members: number
  /** Rate asked for, and the rate offered: capped at members × 8/s where members are too few to send it under the rate limit. */
  rate: number
  offered: number
  senders: number
  workers: number
  connectMs: number
  /** Messages sent per second in the measured window, and deliveries (messages × receiving connections) per second. */
  sendRate: number
  deliveriesPerSec: number
  expectedDeliveriesPerSec: number
  cpuUsPerDelivery: number
  /** Where the server's CPU time came from: its own process.cpuUsage, or the kernel's count when it was too busy to answer. */
  cpuSource: string
  /** Server CPU in the window as a share of one core. */
  serverCpu: number
  /** Share of the server's CPU spent in the kernel (writes, reads, loopback TCP). */
  serverKernelShare: number
  /** Load workers' CPU in the window, in cores (all workers together). */
  loadCpu: number
  p50: number
  p99: number
  max: number
  latencySamples: number
  /** Messages sent but not yet delivered everywhere when sending stopped (deliveries / members). */
  backlogAtStop: number
  /** ms from the end of sending until every connection had every message; null if not within the drain limit. */
  drainMs: number | null
  undeliveredAfterDrain: number
  lost: number
  duplicates: number
  refused: number
  resumed: number
  closedUnexpectedly: number
  skippedByLoadGenerator: number
  keptUp: boolean
  serverRssMB: number
}

function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0))
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)

type Usage = { cpuUs: number; sysUs: number; rss: number }

/**
 * The server's CPU time as the server reports it (process.cpuUsage over IPC) and, at the same moment, as the
 * kernel counts it for that process (/proc/PID/stat). A server drowning in its backlog answers IPC only
 * after it: then the window is measured with the kernel's figures, which count the same thing.
 */
async function serverUsage(server: ServerProc, timeoutMs = 3000): Promise<{ ipc?: Usage; proc: Usage }> {
  const proc = procUsage(server.proc.pid!)
  try {
    return { ipc: await server.ask({ cmd: 'usage' }, 'usage', timeoutMs), proc }
  } catch {
    return { proc }
  }
}

function procUsage(pid: number): Usage {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const tick = 1e6 / 100 // USER_HZ
    const utime = Number(f[11]) * tick
    const stime = Number(f[12]) * tick
    return { cpuUs: utime + stime, sysUs: stime, rss: Number(f[21]) * 4096 }
  } catch {
    return { cpuUs: NaN, sysUs: NaN, rss: NaN }
  }
}

async function snapshot(
  server: ServerProc,
  workers: WorkerProc[],
  cmd: 'stats' | 'stopSending',
): Promise<{ usage: { ipc?: Usage; proc: Usage }; w: WorkerStats[] }> {
  const [usage, w] = await Promise.all([serverUsage(server), Promise.all(workers.map((x) => x.ask({ cmd }, 'stats', 60_000)))])
  return { usage, w: w.map((r) => r.stats) }
}

const workerStats = async (workers: WorkerProc[], timeoutMs: number): Promise<WorkerStats[]> =>
  (await Promise.all(workers.map((x) => x.ask({ cmd: 'stats' }, 'stats', timeoutMs)))).map((r) => r.stats)

export async function runScenario(
  kind: ServerKind,
  members: number,
  rate: number,
  timing: Timing,
  profileDir?: string,
): Promise<ScenarioResult> {
  const senders = Math.min(members, Math.ceil(rate / PER_SENDER_RATE))
  const offered = Math.min(rate, senders * PER_SENDER_RATE)
  const nWorkers = members >= 500 ? 3 : 2
  const connsPer = split(members, nWorkers)
  const sendersPer = split(senders, nWorkers)
  const server = await spawnServer(kind, { profileDir })
  const workers = connsPer.map(() => spawnWorker())
  try {
    let base = 0
    const ready = await Promise.all(
      workers.map((w, i) => {
        const init = {
          kind,
          port: server.port,
          path: server.path,
          conns: connsPer[i]!,
          senders: sendersPer[i]!,
          senderBase: base,
          totalSenders: senders,
          perSenderRate: offered / senders,
          tag: `w${i}-${process.pid}`,
        }
        base += sendersPer[i]!
        return w.ask({ cmd: 'init', init }, 'ready', 120_000)
      }),
    )
    const connectMs = Math.max(...ready.map((r) => r.connectMs))
    for (const w of workers) w.tell({ cmd: 'send', measure: false })
    await sleep(timing.warmMs)
    for (const w of workers) w.tell({ cmd: 'phase', measure: true })
    const a = await snapshot(server, workers, 'stats')
    const t0 = performance.now()
    await sleep(timing.measureMs)
    const stoppedAt = performance.now()
    const b = await snapshot(server, workers, 'stopSending')
    const windowS = (performance.now() - t0) / 1000

    const totalSent = sum(b.w.map((s) => s.sent))
    const expected = totalSent * members
    const receivedAtStop = sum(b.w.map((s) => s.received))
    let drainMs: number | null = null
    while (performance.now() - stoppedAt < timing.drainMs) {
      const w = await workerStats(workers, timing.drainMs + 30_000)
      if (sum(w.map((s) => s.received)) >= expected) {
        drainMs = performance.now() - stoppedAt
        break
      }
      await sleep(100)
    }
    const end = await serverUsage(server)
    const last = end.ipc ?? end.proc
    const byIpc = a.usage.ipc !== undefined && b.usage.ipc !== undefined
    const ua = byIpc ? a.usage.ipc! : a.usage.proc
    const ub = byIpc ? b.usage.ipc! : b.usage.proc
    const reports: WorkerReport[] = await Promise.all(workers.map((w) => w.ask({ cmd: 'report' }, 'report', 60_000).then((r) => r.report)))
    const latency = new Histogram()
    for (const r of reports) latency.merge(r.latency)
    const receivedEnd = sum(reports.map((r) => r.received))

    const deliveries = sum(b.w.map((s) => s.received)) - sum(a.w.map((s) => s.received))
    const sendRate = (sum(b.w.map((s) => s.sent)) - sum(a.w.map((s) => s.sent))) / windowS
    const loadCpu = (sum(b.w.map((s) => s.cpuUs)) - sum(a.w.map((s) => s.cpuUs))) / 1e6 / windowS
    const lost = sum(reports.map((r) => r.gaps))
    const skipped = sum(reports.map((r) => r.lateSchedule))
    return {
      server: kind,
      members,
      rate,
      offered,
      senders,
      workers: nWorkers,
      connectMs,
      sendRate,
      deliveriesPerSec: deliveries / windowS,
      expectedDeliveriesPerSec: offered * members,
      cpuUsPerDelivery: (ub.cpuUs - ua.cpuUs) / Math.max(1, deliveries),
      cpuSource: byIpc ? 'process.cpuUsage' : '/proc (server did not answer in time)',
      serverCpu: (ub.cpuUs - ua.cpuUs) / 1e6 / windowS,
      serverKernelShare: (ub.sysUs - ua.sysUs) / Math.max(1, ub.cpuUs - ua.cpuUs),
      loadCpu,
      p50: latency.quantile(0.5),
      p99: latency.quantile(0.99),
      max: latency.max,
      latencySamples: latency.total,
      backlogAtStop: (expected - receivedAtStop) / members,
      drainMs,
      undeliveredAfterDrain: Math.max(0, expected - receivedEnd),
      lost,
      duplicates: sum(reports.map((r) => r.duplicates)),
      refused: sum(reports.map((r) => r.refused)),
      resumed: sum(reports.map((r) => r.resumed)),
      closedUnexpectedly: sum(reports.map((r) => r.closedUnexpectedly)),
      skippedByLoadGenerator: skipped,
      keptUp: drainMs !== null && drainMs < 1000 && sendRate >= 0.95 * offered,
      serverRssMB: last.rss / 2 ** 20,
    }
  } finally {
    for (const w of workers) w.tell({ cmd: 'close' })
    await Promise.all([stopServer(server), ...workers.map((w) => w.exit())])
  }
}

export interface IdleResult {
  server: ServerKind
  connections: number
  rssBeforeMB: number
  rssAfterMB: number
  /** Open TCP sockets the server process held at the measurement, beyond those it had before. */
  socketsHeld: number
  /** RSS growth per connection, before and after measured alike after full GCs: includes what the V8 heap
   * grew to while 2,000 clients connected at once and still keeps. */
  bytesPerConnection: number
  /** Of which: JS heap in use, and memory outside the heap (Buffers) held by the process, per connection. */
  heapBytesPerConnection: number
  heapTotalBytesPerConnection: number
  externalBytesPerConnection: number
  connectMs: number
}

/** RSS per idle connection: server RSS (after GC) before and with `connections` idle members. */
export async function runIdle(kind: ServerKind, connections: number): Promise<IdleResult> {
  const server = await spawnServer(kind)
  const workers = [0, 1, 2].map(() => spawnWorker())
  try {
    await sleep(300)
    // The same procedure before and after: ordinary full GCs, then RSS.
    const before = await server.ask({ cmd: 'usage', gc: 'full' }, 'usage')
    const per = split(connections, workers.length)
    const ready = await Promise.all(
      workers.map((w, i) =>
        w.ask(
          {
            cmd: 'init',
            init: {
              kind,
              port: server.port,
              path: server.path,
              conns: per[i]!,
              senders: 0,
              senderBase: 0,
              totalSenders: 1,
              perSenderRate: 0,
              tag: `idle${i}-${process.pid}`,
              idle: true,
            },
          },
          'ready',
          120_000,
        ),
      ),
    )
    await sleep(1500) // let joins, welcomes and their buffers settle
    const after = await server.ask({ cmd: 'usage', gc: 'full' }, 'usage')
    return {
      server: kind,
      connections,
      rssBeforeMB: before.rss / 2 ** 20,
      rssAfterMB: after.rss / 2 ** 20,
      socketsHeld: after.sockets - before.sockets,
      bytesPerConnection: (after.rss - before.rss) / connections,
      heapBytesPerConnection: (after.heapUsed - before.heapUsed) / connections,
      heapTotalBytesPerConnection: (after.heapTotal - before.heapTotal) / connections,
      externalBytesPerConnection: (after.external - before.external) / connections,
      connectMs: Math.max(...ready.map((r) => r.connectMs)),
    }
  } finally {
    for (const w of workers) w.tell({ cmd: 'close' })
    await Promise.all([stopServer(server), ...workers.map((w) => w.exit())])
  }
}
