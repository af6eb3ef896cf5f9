// Child processes of the benchmark: each server in its own process, the load in worker processes, all
// talking over Node's IPC channel with one request → one reply at a time.
import { HOST_NODE_FLAGS } from '../../src/main/server/host-flags.ts'
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { ServerCommand, ServerKind, ServerReply, WorkerCommand, WorkerReply } from './wire.ts'

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url))
const BASE_ARGS = ['--disable-warning=ExperimentalWarning']

export class Child<Cmd, Reply extends { ev: string }> {
  readonly proc: ChildProcess
  #waiting: { ev: string; resolve: (r: Reply) => void; reject: (e: Error) => void }[] = []
  #exited: Promise<number | null>

  constructor(proc: ChildProcess, name: string) {
    this.proc = proc
    proc.on('message', (m: Reply) => {
      if (m.ev === 'error') {
        const e = new Error(`${name}: ${(m as unknown as { message: string }).message}`)
        for (const w of this.#waiting.splice(0)) w.reject(e)
        return
      }
      const i = this.#waiting.findIndex((w) => w.ev === m.ev)
      if (i >= 0) this.#waiting.splice(i, 1)[0]!.resolve(m)
    })
    this.#exited = new Promise((r) =>
      proc.on('exit', (code) => {
        const e = new Error(`${name} exited (${code})`)
        for (const w of this.#waiting.splice(0)) w.reject(e)
        r(code)
      }),
    )
  }

  /** The next reply of kind `ev`, after sending `cmd` if given; rejects after `timeoutMs`. */
  ask<E extends Reply['ev']>(cmd: Cmd | undefined, ev: E, timeoutMs = 60_000): Promise<Extract<Reply, { ev: E }>> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${ev} within ${timeoutMs} ms`)), timeoutMs)
      this.#waiting.push({
        ev,
        resolve: (r) => {
          clearTimeout(t)
          resolve(r as Extract<Reply, { ev: E }>)
        },
        reject: (e) => {
          clearTimeout(t)
          reject(e)
        },
      })
      if (cmd !== undefined) this.proc.send(cmd as object)
    })
  }

  tell(cmd: Cmd): void {
    if (this.proc.connected) this.proc.send(cmd as object)
  }

  /** Wait for exit; kill it (by its own pid) if it has not gone within `ms`. */
  async exit(ms = 5000): Promise<void> {
    const t = setTimeout(() => this.proc.kill('SIGKILL'), ms)
    await this.#exited
    clearTimeout(t)
  }
}

export type ServerProc = Child<ServerCommand, ServerReply> & { port: number; path: string; listeningAt: number }
export type WorkerProc = Child<WorkerCommand, WorkerReply>

export async function spawnServer(
  kind: ServerKind,
  opts: { profileDir?: string; dataDir?: string; port?: number } = {},
): Promise<ServerProc> {
  const execArgv = [...BASE_ARGS, '--expose-gc']
  if (opts.profileDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`)
  // Beacon runs as `beacon host` ships it; the other servers with Node's defaults.
  if (kind.startsWith('beacon')) execArgv.push(...HOST_NODE_FLAGS)
  // For experiments on the server process alone (e.g. --trace-gc); never set by the benchmark itself.
  if (process.env['BENCH_SERVER_FLAGS']) execArgv.push(...process.env['BENCH_SERVER_FLAGS'].split(' ').filter(Boolean))
  const args: string[] = [kind]
  if (opts.dataDir) args.push(opts.dataDir, String(opts.port ?? 0))
  const child = new Child<ServerCommand, ServerReply>(
    fork(here('../server.ts'), args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    `server ${kind}`,
  )
  const l = await child.ask(undefined, 'listening', 20_000)
  return Object.assign(child, { port: l.port, path: l.path, listeningAt: l.at })
}

export function spawnWorker(): WorkerProc {
  return new Child<WorkerCommand, WorkerReply>(
    fork(here('../worker.ts'), [], { execArgv: BASE_ARGS, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    'worker',
  )
}

export async function stopServer(s: ServerProc): Promise<void> {
  s.tell({ cmd: 'stop' })
  await s.exit(6000)
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
