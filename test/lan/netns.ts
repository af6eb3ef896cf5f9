// Network namespaces for LAN tests: real multicast, but only between namespaces this test run made.
// Addresses come from 198.18.0.0/15 (benchmarking range); nothing is sent on the machine's own interfaces.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const BEACON = join(ROOT, 'bin', 'beacon')
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 })
}

let labs = 0

/** Why namespaces cannot be made here, or undefined when they can. */
export function namespaceUnavailableReason(): string | undefined {
  const probe = `bcn${process.pid}p${labs++}`
  try {
    ip('netns', 'add', probe)
    ip('netns', 'del', probe)
    return undefined
  } catch (e) {
    const msg = (e as { stderr?: string }).stderr?.trim() || (e as Error).message
    return `cannot create a network namespace (needs root and iproute2): ${msg.split('\n')[0]}`
  }
}

export class Lab {
  readonly #prefix: string
  readonly #namespaces: string[] = []
  readonly #children = new Set<ChildProcess>()
  readonly #dirs: string[] = []
  #links = 0

  constructor(tag: string) {
    this.#prefix = `bcn${process.pid}${tag}${labs++}`
  }

  /** A namespace with loopback up (multicast on, for rooms on this namespace alone). */
  namespace(short: string): string {
    const ns = `${this.#prefix}-${short}`
    ip('netns', 'add', ns)
    this.#namespaces.push(ns)
    ip('-n', ns, 'link', 'set', 'lo', 'up')
    ip('-n', ns, 'link', 'set', 'lo', 'multicast', 'on')
    return ns
  }

  /**
   * A veth pair between two namespaces, `a`'s end at `addrA`, `b`'s at `addrB` (a /24), with the multicast
   * route on the first link of each side.
   */
  link(a: string, addrA: string, b: string, addrB: string): { ifA: string; ifB: string } {
    const n = this.#links++
    const ifA = `bv${n}a`
    const ifB = `bv${n}b`
    ip('-n', a, 'link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', b)
    for (const [ns, dev, addr] of [
      [a, ifA, addrA],
      [b, ifB, addrB],
    ] as const) {
      ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev)
      ip('-n', ns, 'link', 'set', dev, 'up')
      if (!ip('-n', ns, 'route', 'show', '224.0.0.0/4').trim()) ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', dev)
    }
    return { ifA, ifB }
  }

  /** A fresh directory (a room's data), removed with the lab. */
  tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'beacon-lan-'))
    this.#dirs.push(dir)
    return dir
  }

  /** A route in `ns` to another of the lab's subnets through a router namespace. */
  route(ns: string, cidr: string, via: string): void {
    ip('-n', ns, 'route', 'add', cidr, 'via', via)
  }

  /** Let `ns` forward IPv4 between its links (a router: unicast crosses it, link-local multicast never does). */
  forward(ns: string): void {
    execFileSync('ip', ['netns', 'exec', ns, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward'], { stdio: 'ignore', timeout: 10_000 })
  }

  /** Run a program inside a namespace; it is killed when the lab is destroyed. */
  spawn(ns: string, command: string, args: string[]): Proc {
    const child = spawn('ip', ['netns', 'exec', ns, command, ...args], { stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT })
    this.#children.add(child)
    child.on('exit', () => this.#children.delete(child))
    return new Proc(child)
  }

  /** `bin/beacon ARGS` inside a namespace. */
  beacon(ns: string, args: string[]): Proc {
    return this.spawn(ns, BEACON, args)
  }

  /** A fixture script (test/lan/fixtures/NAME.ts) on this Node inside a namespace. */
  fixture(ns: string, name: string, args: string[]): Proc {
    return this.spawn(ns, process.execPath, ['--disable-warning=ExperimentalWarning', join(FIXTURES, `${name}.ts`), ...args])
  }

  /** Kill what still runs, then delete the namespaces (their veths go with them). Never throws. */
  async destroy(): Promise<void> {
    await Promise.all([...this.#children].map((c) => new Proc(c).kill('SIGKILL')))
    for (const ns of this.#namespaces.splice(0)) {
      try {
        ip('netns', 'del', ns)
      } catch {
        // already gone
      }
    }
    for (const dir of this.#dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  }
}

/** A child process whose stdout is JSON lines, with bounded waits on them. */
export class Proc {
  readonly child: ChildProcess
  readonly events: Record<string, unknown>[] = []
  stderr = ''
  #waiters = new Set<() => void>()

  constructor(child: ChildProcess) {
    this.child = child
    let buf = ''
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (d: string) => {
      buf += d
      let nl
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        try {
          this.events.push(JSON.parse(line) as Record<string, unknown>)
        } catch {
          this.events.push({ event: 'text', line })
        }
        for (const w of this.#waiters) w()
      }
    })
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-4000)
    })
    child.on('exit', () => {
      for (const w of this.#waiters) w()
    })
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null
  }

  /** The first event from index `from` on that `pred` accepts, within `ms`; rejects with the output so far. */
  waitFor<T = Record<string, unknown>>(pred: (e: Record<string, unknown>) => boolean, ms: number, what = 'event', from = 0): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.events.slice(from).find(pred)
        if (hit) {
          finish()
          resolve(hit as T)
        } else if (this.exited) {
          finish()
          reject(new Error(`process exited before ${what}; stderr: ${this.stderr.slice(-800)}`))
        }
      }
      const timer = setTimeout(() => {
        finish()
        reject(
          new Error(`no ${what} within ${ms} ms; events: ${JSON.stringify(this.events).slice(-1500)}; stderr: ${this.stderr.slice(-800)}`),
        )
      }, ms)
      const finish = () => {
        clearTimeout(timer)
        this.#waiters.delete(check)
      }
      this.#waiters.add(check)
      check()
    })
  }

  /** Wait for the process to exit by itself, within `ms`. */
  waitExit(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.exited) return resolve()
      const timer = setTimeout(() => reject(new Error(`still running after ${ms} ms; stderr: ${this.stderr.slice(-800)}`)), ms)
      this.child.once('exit', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  send(line: string): void {
    this.child.stdin?.write(line + '\n')
  }

  /** Signal it and wait for the exit (bounded: SIGKILL after 5 s). */
  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.exited) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000)
      this.child.once('exit', () => {
        clearTimeout(timer)
        resolve()
      })
      this.child.kill(signal)
    })
  }
}
