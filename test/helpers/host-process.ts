// `beacon host` as a separate process, as a user runs it: its memory can be read from /proc and a crash
// shows as an exit, which an in-process host would hide (or take the test runner down with it).
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'

const BEACON = resolve(import.meta.dirname, '../../bin/beacon')

export interface HostProcess {
  proc: ChildProcess
  port: number
  /** ws://127.0.0.1:port/ws */
  url: string
  /** http://127.0.0.1:port */
  origin: string
  dataDir: string
  /** Everything the host wrote to stderr (a crash's stack lands here). */
  stderr(): string
  /** Resident memory of the host process, in bytes (VmRSS). */
  rss(): number
  /** Open file descriptors of the host process (each connection holds one). */
  fds(): number
  alive(): boolean
  /** SIGTERM, wait for the exit, remove the data directory. */
  dispose(): Promise<void>
}

export interface HostProcessOptions {
  name?: string
  password?: string
  /** A data directory prepared beforehand (e.g. a seeded room); removed on dispose like a fresh one. */
  dataDir?: string
  /** Open-files limit for the host (`ulimit -n`), to show what happens at the file-descriptor ceiling. */
  maxFiles?: number
  /** More `beacon host` flags (`--transfer-rate 0`, `--max-file-size 1M`). */
  args?: string[]
}

export async function spawnHost(opts: HostProcessOptions = {}): Promise<HostProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'beacon-proc-'))
  const args = [
    'host',
    '--name',
    opts.name ?? 'Abuse',
    '--port',
    '0',
    '--listen',
    '127.0.0.1',
    '--json',
    '--no-advertise',
    '--data',
    dataDir,
  ]
  if (opts.password) args.push('--password', opts.password)
  if (opts.args) args.push(...opts.args)
  // exec keeps one process: the pid we hold is the host's own Node, whose /proc/<pid>/status we read
  const quoted = [BEACON, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ')
  const command = opts.maxFiles ? `ulimit -n ${opts.maxFiles} && exec ${quoted}` : `exec ${quoted}`
  const proc = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  proc.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-20_000)))
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]()
  const first = await Promise.race([
    lines.next(),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`host did not start: ${err}`)), 15_000).unref()),
  ])
  const listening = JSON.parse(String(first.value)) as { event: string; port: number; url: string }
  if (listening.event !== 'listening') throw new Error(`unexpected first line: ${String(first.value)}`)
  const exited = new Promise<void>((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', () => r())))
  return {
    proc,
    port: listening.port,
    url: listening.url,
    origin: `http://127.0.0.1:${listening.port}`,
    dataDir,
    stderr: () => err,
    rss: () => rssOf(proc.pid!),
    fds: () => readdirSync(`/proc/${proc.pid}/fd`).length,
    alive: () => proc.exitCode === null && proc.signalCode === null,
    dispose: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM')
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(t)
      }
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** VmRSS of a live process in bytes; 0 once it is gone. */
export function rssOf(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0
  }
}
