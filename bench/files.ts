// Files benchmark (issue 14): upload and download throughput of one large file through a real `beacon host` (tus
// upload hashed while streamed to disk, download of the stored file) against a plain Node `http` server that only
// streams a request to disk and a file to a response (the practical limit here), side by side in one run; the
// host's RSS growth during each transfer; and ten members downloading one file at once. Loopback only; the host
// runs with `--transfer-rate 0` (no per-member rate limit), so the comparison measures the host, not its throttle.
// curl moves every file (one client outside Node, the same for both servers). Each server runs in a process of its
// own, its RSS read from /proc. Needs curl and about 5 GiB free under the temp directory for the default run.
// Run: node bench/files.ts [--size-mib 1024] [--many-mib 100] [--members 10] [--rounds 3] [--dir DIR] [--quick]
// (`--dir /dev/shm`: both servers store in memory, so the disk's own speed does not cap both alike.)
// Writes bench/results/files.{json,md} (files-partial.* for a --quick, --dir or other non-default run).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs'
import { request } from 'node:http'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'
import { FILES_PATH, TUS_VERSION, UPLOAD_METADATA, UPLOADS_PATH } from '../src/shared/files.ts'

const { values } = parseArgs({
  options: {
    'size-mib': { type: 'string' },
    'many-mib': { type: 'string' },
    members: { type: 'string' },
    rounds: { type: 'string' },
    dir: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
  strict: true,
})

const MIB = 1024 * 1024
const DEFAULTS = { sizeMib: 1024, manyMib: 100, members: 10, rounds: 3 }
const QUICK = { sizeMib: 256, manyMib: 32, members: 10, rounds: 1 }
const base = values.quick ? QUICK : DEFAULTS
const cfg = {
  sizeMib: Number(values['size-mib'] ?? base.sizeMib),
  manyMib: Number(values['many-mib'] ?? base.manyMib),
  members: Number(values.members ?? base.members),
  rounds: Number(values.rounds ?? base.rounds),
}
for (const [k, v] of Object.entries(cfg)) if (!Number.isInteger(v) || v < 1) throw new Error(`--${k}: a positive whole number`)
/** Where both servers store their files (and the sources are made): the temp directory's disk unless told. */
const workRoot = values.dir ?? tmpdir()
const partial = JSON.stringify(cfg) !== JSON.stringify(DEFAULTS) || values.dir !== undefined
/** The goals of issue 14, printed beside the figures (not asserted: this is a measurement). */
const GOAL = { ratio: 0.7, rssGrowthMib: 64 }
/** Bounds on every wait, far above the expected times: a transfer that exceeds one fails the benchmark. */
const TRANSFER_BOUND_MS = 10 * 60_000
const START_BOUND_MS = 20_000

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url))
const BEACON = here('../bin/beacon')
const NODE = process.execPath
const resultsDir = here('./results/')
const outBase = join(resultsDir, partial ? 'files-partial' : 'files')

// ---- processes ----

interface Proc {
  proc: ChildProcess
  port: number
  /** The last of what it wrote to stderr (shown when the run fails). */
  stderr(): string
  rss(): number
  stop(): Promise<void>
}

/** Start a server process whose first stdout line is JSON with its port. */
async function startProc(cmd: string, args: string[]): Promise<Proc> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  proc.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)))
  const exited = new Promise<void>((r) => proc.once('exit', () => r()))
  const first = await Promise.race([
    createInterface({ input: proc.stdout! })[Symbol.asyncIterator]().next(),
    exited.then(() => Promise.reject(new Error(`${cmd} exited: ${err}`))),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${cmd} did not start: ${err}`)), START_BOUND_MS).unref()),
  ])
  const { port } = JSON.parse(String(first.value)) as { port: number }
  proc.stdout!.resume()
  return {
    proc,
    port,
    stderr: () => err,
    rss: () => rssOf(proc.pid!),
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return
      proc.kill('SIGTERM')
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(t)
    },
  }
}

function rssOf(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0
  }
}

/** RSS before `work` and its peak during it, sampled every 20 ms. */
async function withRss<T>(proc: Proc, work: () => Promise<T>): Promise<{ result: T; rssBefore: number; rssPeak: number }> {
  const rssBefore = proc.rss()
  let rssPeak = rssBefore
  const t = setInterval(() => (rssPeak = Math.max(rssPeak, proc.rss())), 20)
  try {
    const result = await work()
    return { result, rssBefore, rssPeak: Math.max(rssPeak, proc.rss()) }
  } finally {
    clearInterval(t)
  }
}

// ---- a source file ----

/** `mib` MiB of random bytes (one 16 MiB random block repeated with a counter, so it is cheap to make) and its SHA-256. */
function makeFile(path: string, mib: number, salt: number): string {
  const block = randomBytes(16 * MIB)
  const hash = createHash('sha256')
  const fd = openSync(path, 'w')
  try {
    for (let off = 0; off < mib; off += 16) {
      const n = Math.min(16, mib - off) * MIB
      block.writeUInt32BE(salt, 0)
      block.writeUInt32BE(off, 4)
      const piece = block.subarray(0, n)
      hash.update(piece)
      writeSync(fd, piece)
    }
  } finally {
    closeSync(fd)
  }
  return hash.digest('hex')
}

// ---- HTTP (small requests; curl moves the files) ----

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** One small request (tus creation) on its own connection. */
function http(port: number, method: string, path: string, opts: { headers?: Record<string, string | number> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: opts.headers, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: body.slice(0, 2000) }))
      res.on('error', reject)
    })
    req.setTimeout(START_BOUND_MS, () => req.destroy(new Error(`${method} ${path}: no answer in time`)))
    req.on('error', reject)
    req.end()
  })
}

function expect(a: Answer, status: number, what: string): Answer {
  if (a.status !== status) throw new Error(`${what}: HTTP ${a.status} (expected ${status}): ${a.body}`)
  return a
}

// ---- Beacon: a member's token, a tus upload, a download ----

/** Join the room over beacon.v1 and return the file token of the welcome; the socket stays open (the token lives with it). */
function joinForToken(port: number, name: string): Promise<{ token: string; ws: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, ['beacon.v1'])
    const t = setTimeout(() => reject(new Error('no welcome in time')), START_BOUND_MS)
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: 1, name, client: `bench-${name}` })))
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as { type: string; files?: { token: string } }
      if (f.type !== 'welcome') return
      clearTimeout(t)
      if (!f.files) return reject(new Error('the welcome carries no file token: a host without files?'))
      resolve({ token: f.files.token, ws })
    })
    ws.on('error', reject)
  })
}

const b64 = (s: string): string => Buffer.from(s).toString('base64')

/** A tus upload in one PATCH of the whole file; the time is the PATCH's (creation is one small request). */
async function beaconUpload(port: number, token: string, file: string, size: number, sha256: string): Promise<number> {
  const auth = { Authorization: `Bearer ${token}`, 'Tus-Resumable': TUS_VERSION }
  const created = expect(
    await http(port, 'POST', UPLOADS_PATH, {
      headers: {
        ...auth,
        'Upload-Length': size,
        'Upload-Metadata': `${UPLOAD_METADATA.name} ${b64('bench.bin')},${UPLOAD_METADATA.type} ${b64('application/octet-stream')},${UPLOAD_METADATA.sha256} ${b64(sha256)}`,
      },
    }),
    201,
    'tus creation',
  )
  const location = String(created.headers.location)
  const path = location.startsWith('http') ? new URL(location).pathname : location
  const headers = { ...auth, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0' }
  const patch = await curl(port, path, ['-X', 'PATCH', '-T', file, ...curlHeaders(headers)])
  if (patch.status !== 204 || patch.uploaded !== size)
    throw new Error(`tus PATCH: HTTP ${patch.status}, ${patch.uploaded} of ${size} bytes sent`)
  return patch.ms
}

/** The plain server's upload: a PUT of the file. */
async function plainUpload(port: number, path: string, file: string, size: number): Promise<number> {
  const put = await curl(port, path, ['-T', file])
  if (put.status !== 204 || put.uploaded !== size) throw new Error(`PUT: HTTP ${put.status}, ${put.uploaded} of ${size} bytes sent`)
  return put.ms
}

async function download(port: number, path: string, size: number): Promise<number> {
  const a = await curl(port, path, [])
  if (a.status !== 200 || a.downloaded !== size)
    throw new Error(`GET ${path.replace(/t=[^&]+/, 't=…')}: HTTP ${a.status}, ${a.downloaded} of ${size} bytes`)
  return a.ms
}

// ---- curl, the client of every transfer ----

/**
 * One transfer by curl: a client outside Node, the same for both servers, so neither is measured against the
 * bench's own event loop. Its `time_total` is the transfer's time (no process start-up).
 */
function curl(port: number, path: string, args: string[]): Promise<{ status: number; uploaded: number; downloaded: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = []
    const c = spawn(
      'curl',
      [
        '--silent',
        '--show-error',
        '--output',
        '/dev/null',
        '--max-time',
        String(TRANSFER_BOUND_MS / 1000),
        // no `Expect: 100-continue` round trip before a body
        '-H',
        'Expect:',
        '--write-out',
        '%{http_code} %{size_upload} %{size_download} %{time_total}',
        ...args,
        `http://127.0.0.1:${port}${path}`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    c.stdout.on('data', (d: Buffer) => out.push(d))
    c.on('error', (e) => reject(new Error(`curl: ${e.message} (the files benchmark needs curl on PATH)`)))
    c.on('close', (code) => {
      const [status, uploaded, downloaded, seconds] = Buffer.concat(out).toString().trim().split(' ').map(Number)
      if (code !== 0) return reject(new Error(`curl exited ${code} for ${path.replace(/t=[^&]+/, 't=…')}`))
      resolve({ status: status!, uploaded: uploaded!, downloaded: downloaded!, ms: seconds! * 1000 })
    })
  })
}

const curlHeaders = (h: Record<string, string>): string[] => Object.entries(h).flatMap(([k, v]) => ['-H', `${k}: ${v}`])

// ---- the run ----

interface Side {
  uploadMiBs: number[]
  downloadMiBs: number[]
  uploadRssGrowthMib: number[]
  downloadRssGrowthMib: number[]
  many: { aggregateMiBs: number; rssGrowthMib: number } | undefined
}
const side = (): Side => ({ uploadMiBs: [], downloadMiBs: [], uploadRssGrowthMib: [], downloadRssGrowthMib: [], many: undefined })
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const fmt = (x: number, d = 0): string => (Number.isFinite(x) ? x.toFixed(d) : '–')
const growth = (r: { rssBefore: number; rssPeak: number }): number => (r.rssPeak - r.rssBefore) / MIB

const work = mkdtempSync(join(workRoot, 'beacon-bench-files-'))
const started = performance.now()
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(0)}s`
const log = (line: string): void => console.log(`[${elapsed()}] ${line}`)
const loadBefore = loadavg()
const beacon = side()
const plain = side()
const procs: Proc[] = []
const sockets: WebSocket[] = []

try {
  console.log(
    `Beacon files benchmark: ${cfg.sizeMib} MiB up and down × ${cfg.rounds} rounds, then ${cfg.members} members × ${cfg.manyMib} MiB at once; ` +
      `loopback, ${cpus().length} cores; the host runs with --transfer-rate 0 (no per-member rate limit)`,
  )
  const size = cfg.sizeMib * MIB
  const hostDir = join(work, 'host')
  const plainDir = join(work, 'plain')
  mkdirSync(plainDir)
  const host = await startProc(BEACON, [
    'host',
    '--name',
    'Bench files',
    '--port',
    '0',
    '--listen',
    '127.0.0.1',
    '--json',
    '--no-advertise',
    '--data',
    hostDir,
    '--transfer-rate',
    '0',
    '--max-file-size',
    String(Math.max(size, cfg.manyMib * MIB)),
    '--max-room-bytes',
    String((cfg.rounds + 2) * (size + cfg.manyMib * MIB)),
  ])
  procs.push(host)
  const server = await startProc(NODE, ['--disable-warning=ExperimentalWarning', here('./servers/plain-files.ts'), plainDir])
  procs.push(server)
  const { token, ws } = await joinForToken(host.port, 'Bench')
  sockets.push(ws)

  for (let round = 1; round <= cfg.rounds; round++) {
    const file = join(work, `source-${round}.bin`)
    // a file of its own each round: the host stores by content, so the same bytes again would be a file it has
    const sha256 = makeFile(file, cfg.sizeMib, round)
    // alternate which server goes first, so neither always meets a warmer page cache
    const order = round % 2 ? (['plain', 'beacon'] as const) : (['beacon', 'plain'] as const)
    for (const who of order) {
      // the other server's file written back to disk first, so neither uploads against the other's dirty pages
      spawnSync('sync')
      if (who === 'plain') {
        const up = await withRss(server, () => plainUpload(server.port, `/file/${round}`, file, size))
        const down = await withRss(server, () => download(server.port, `/file/${round}`, size))
        plain.uploadMiBs.push(cfg.sizeMib / (up.result / 1000))
        plain.downloadMiBs.push(cfg.sizeMib / (down.result / 1000))
        plain.uploadRssGrowthMib.push(growth(up))
        plain.downloadRssGrowthMib.push(growth(down))
      } else {
        const up = await withRss(host, () => beaconUpload(host.port, token, file, size, sha256))
        const down = await withRss(host, () => download(host.port, `${FILES_PATH}/${sha256}?t=${encodeURIComponent(token)}`, size))
        beacon.uploadMiBs.push(cfg.sizeMib / (up.result / 1000))
        beacon.downloadMiBs.push(cfg.sizeMib / (down.result / 1000))
        beacon.uploadRssGrowthMib.push(growth(up))
        beacon.downloadRssGrowthMib.push(growth(down))
      }
    }
    rmSync(file)
    log(
      `round ${round}: upload Beacon ${fmt(beacon.uploadMiBs.at(-1)!)} MiB/s, plain ${fmt(plain.uploadMiBs.at(-1)!)} MiB/s; ` +
        `download Beacon ${fmt(beacon.downloadMiBs.at(-1)!)} MiB/s, plain ${fmt(plain.downloadMiBs.at(-1)!)} MiB/s; ` +
        `host RSS +${fmt(beacon.uploadRssGrowthMib.at(-1)!, 1)} MiB up, +${fmt(beacon.downloadRssGrowthMib.at(-1)!, 1)} MiB down`,
    )
  }

  // ten members download one file at once, each with its own token (as ten people in the room would)
  const manyFile = join(work, 'many.bin')
  const manySha = makeFile(manyFile, cfg.manyMib, 0xffff)
  const manySize = cfg.manyMib * MIB
  await beaconUpload(host.port, token, manyFile, manySize, manySha)
  await plainUpload(server.port, '/many', manyFile, manySize)
  const members = await Promise.all(Array.from({ length: cfg.members }, (_, i) => joinForToken(host.port, `Reader ${i + 1}`)))
  sockets.push(...members.map((m) => m.ws))
  /** Wall time of every path downloaded at once. */
  const everyone = async (port: number, paths: string[]): Promise<number> => {
    const t0 = performance.now()
    await Promise.all(paths.map((p) => download(port, p, manySize)))
    return performance.now() - t0
  }
  const beaconMany = await withRss(host, () =>
    everyone(
      host.port,
      members.map((m) => `${FILES_PATH}/${manySha}?t=${encodeURIComponent(m.token)}`),
    ),
  )
  const plainMany = await withRss(server, () =>
    everyone(
      server.port,
      members.map(() => '/many'),
    ),
  )
  beacon.many = { aggregateMiBs: (cfg.members * cfg.manyMib) / (beaconMany.result / 1000), rssGrowthMib: growth(beaconMany) }
  plain.many = { aggregateMiBs: (cfg.members * cfg.manyMib) / (plainMany.result / 1000), rssGrowthMib: growth(plainMany) }
  log(
    `${cfg.members} × ${cfg.manyMib} MiB at once: Beacon ${fmt(beacon.many.aggregateMiBs)} MiB/s in all (RSS +${fmt(beacon.many.rssGrowthMib, 1)} MiB), ` +
      `plain ${fmt(plain.many.aggregateMiBs)} MiB/s (RSS +${fmt(plain.many.rssGrowthMib, 1)} MiB)`,
  )

  const summary = {
    uploadRatio: median(beacon.uploadMiBs) / median(plain.uploadMiBs),
    downloadRatio: median(beacon.downloadMiBs) / median(plain.downloadMiBs),
    hostRssGrowthMib: Math.max(...beacon.uploadRssGrowthMib, ...beacon.downloadRssGrowthMib),
  }
  const results = {
    date: new Date().toISOString(),
    config: cfg,
    machine: { cores: cpus().length, model: cpus()[0]?.model ?? '', loadAverage: { before: loadBefore, after: loadavg() } },
    storage: workRoot,
    hostFlags: '--transfer-rate 0',
    goal: GOAL,
    beacon,
    plain,
    summary,
    durationS: (performance.now() - started) / 1000,
  }
  mkdirSync(resultsDir, { recursive: true })
  writeFileSync(`${outBase}.json`, JSON.stringify(results, null, 2) + '\n')
  const md = renderMarkdown(results)
  writeFileSync(`${outBase}.md`, md)
  console.log(`\n${md}\nwrote ${outBase}.json and .md in ${elapsed()}`)
} catch (e) {
  for (const p of procs) if (p.stderr()) console.error(`stderr of ${p.proc.spawnargs.slice(0, 3).join(' ')}:\n${p.stderr()}`)
  throw e
} finally {
  for (const s of sockets) s.terminate()
  for (const p of procs) await p.stop()
  rmSync(work, { recursive: true, force: true })
}

function renderMarkdown(r: {
  date: string
  config: typeof cfg
  machine: { cores: number; model: string; loadAverage: { before: number[]; after: number[] } }
  storage: string
  beacon: Side
  plain: Side
  summary: { uploadRatio: number; downloadRatio: number; hostRssGrowthMib: number }
}): string {
  const pct = (x: number): string => `${fmt(x * 100)} %`
  const rows = [
    `| files, loopback (medians of ${r.config.rounds}) | Beacon host | plain Node http | Beacon ÷ plain |`,
    '|---|---|---|---|',
    `| upload ${r.config.sizeMib} MiB (tus, SHA-256 checked) | ${fmt(median(r.beacon.uploadMiBs))} MiB/s | ${fmt(median(r.plain.uploadMiBs))} MiB/s | ${pct(r.summary.uploadRatio)} |`,
    `| download ${r.config.sizeMib} MiB | ${fmt(median(r.beacon.downloadMiBs))} MiB/s | ${fmt(median(r.plain.downloadMiBs))} MiB/s | ${pct(r.summary.downloadRatio)} |`,
    `| server RSS growth during a transfer (largest) | ${fmt(r.summary.hostRssGrowthMib, 1)} MiB | ${fmt(Math.max(...r.plain.uploadRssGrowthMib, ...r.plain.downloadRssGrowthMib), 1)} MiB | |`,
    `| ${r.config.members} members download ${r.config.manyMib} MiB at once | ${fmt(r.beacon.many?.aggregateMiBs ?? NaN)} MiB/s in all, RSS +${fmt(r.beacon.many?.rssGrowthMib ?? NaN, 1)} MiB | ${fmt(r.plain.many?.aggregateMiBs ?? NaN)} MiB/s in all, RSS +${fmt(r.plain.many?.rssGrowthMib ?? NaN, 1)} MiB | ${pct((r.beacon.many?.aggregateMiBs ?? NaN) / (r.plain.many?.aggregateMiBs ?? NaN))} |`,
  ]
  const each = (xs: number[]): string => xs.map((x) => fmt(x)).join(' / ')
  return [
    ...rows,
    '',
    `Each round (MiB/s), upload: Beacon ${each(r.beacon.uploadMiBs)}, plain ${each(r.plain.uploadMiBs)}; download: Beacon ` +
      `${each(r.beacon.downloadMiBs)}, plain ${each(r.plain.downloadMiBs)}. Both servers stored their files under ${r.storage}.`,
    '',
    `Goals (issue 14): Beacon ÷ plain ≥ ${pct(GOAL.ratio)} each way, host RSS growth ≤ ${GOAL.rssGrowthMib} MB. The host ran with ` +
      `\`--transfer-rate 0\` (no per-member rate limit). ${r.machine.cores} cores (${r.machine.model}), load average ` +
      `${r.machine.loadAverage.before.map((x) => x.toFixed(2)).join(' ')} before, ${r.machine.loadAverage.after.map((x) => x.toFixed(2)).join(' ')} after; ${r.date}.`,
  ].join('\n')
}
