// One host per data directory: an exclusive lock file holding the owner's pid. Two hosts on one room log
// would hand out the same seqs; the second must refuse before it writes anything. A lock whose process is
// gone (a crash, a power cut) is stale and taken over.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { StorageError } from './storage-error.ts'

export const LOCK_FILE = 'room.lock'

/** Directories this process holds: a pid check cannot tell a second host in the same process apart. */
const held = new Set<string>()

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' // alive, just not ours to signal
  }
}

export class DataDirLock {
  readonly path: string
  #dir: string
  #released = false

  private constructor(dir: string, path: string) {
    this.#dir = dir
    this.path = path
  }

  /** Take the directory's lock, or throw a StorageError naming the directory and the process holding it. */
  static acquire(dir: string): DataDirLock {
    const abs = resolve(dir)
    const path = join(abs, LOCK_FILE)
    for (let attempt = 0; attempt < 3; attempt++) {
      if (held.has(abs)) throw busy(abs, process.pid)
      let fd: number
      try {
        fd = openSync(path, 'wx', 0o600)
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new StorageError(`cannot lock ${abs}: ${(e as Error).message}`, path)
        const pid = Number.parseInt(readOwner(path), 10)
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw busy(abs, pid)
        try {
          unlinkSync(path) // stale: its process is gone
        } catch {
          // another process took it over first: the next attempt sees its pid
        }
        continue
      }
      try {
        writeSync(fd, `${process.pid}\n`)
      } finally {
        closeSync(fd)
      }
      held.add(abs)
      return new DataDirLock(abs, path)
    }
    throw new StorageError(`cannot lock ${abs}: ${path} keeps changing; is another host starting?`, path)
  }

  release(): void {
    if (this.#released) return
    this.#released = true
    held.delete(this.#dir)
    try {
      if (Number.parseInt(readOwner(this.path), 10) === process.pid) unlinkSync(this.path)
    } catch {
      // already gone
    }
  }
}

function readOwner(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

const busy = (dir: string, pid: number): StorageError =>
  new StorageError(
    `another host (pid ${pid}) is already running on ${dir}; stop it first, or use another data directory`,
    join(dir, LOCK_FILE),
  )
