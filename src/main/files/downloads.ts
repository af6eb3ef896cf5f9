// Saving a room's files to the Downloads folder: a unique safe name (save-name.ts), written as `<name>.part`
// until complete, resumed with Range/If-Range after a cut, SHA-256 checked before the rename (a mismatch is
// deleted, never kept under the real name), progress reported a few times a second. Opening is never
// automatic, and an executable or script asks first. Electron-free: revealing, opening and asking are ports
// (shell.showItemInFolder, shell.openPath, a dialog in the app; recorders in the harness).
import { createHash, type Hash } from 'node:crypto'
import { mkdir, rename, unlink, type FileHandle } from 'node:fs/promises'
import { get, type IncomingMessage } from 'node:http'
import { extname, join } from 'node:path'
import type { DownloadState } from '../../shared/bridge.ts'
import { Emitter } from '../../shared/emitter.ts'
import { BeaconError } from '../../shared/errors.ts'
import { FILES_PATH } from '../../shared/files.ts'
import { LIMITS } from '../../shared/limits.ts'
import type { FileRef } from '../../shared/protocol.ts'
import { PART_SUFFIX, reserveName, saveName } from './save-name.ts'

/**
 * Extensions that run code when opened (Windows, macOS, Linux desktops, and interpreters a double-click may
 * start): opening one asks the user first. Lower case, without the dot.
 */
export const RISKY_EXTENSIONS: ReadonlySet<string> = new Set([
  // Windows programs, installers, scripts and shortcuts
  ...['exe', 'msi', 'msix', 'msp', 'appx', 'bat', 'cmd', 'com', 'scr', 'pif', 'cpl', 'dll', 'sys', 'drv', 'ocx'],
  ...['ps1', 'psm1', 'psd1', 'vbs', 'vbe', 'js', 'jse', 'wsf', 'wsh', 'ws', 'hta', 'msc', 'lnk', 'url', 'reg'],
  ...['inf', 'scf', 'application', 'gadget', 'settingcontent-ms', 'library-ms', 'appref-ms', 'chm', 'diagcab'],
  // macOS
  ...['app', 'pkg', 'mpkg', 'dmg', 'command', 'tool', 'workflow', 'scpt', 'applescript', 'terminal', 'webloc'],
  // Linux and Unix
  ...['sh', 'bash', 'zsh', 'csh', 'ksh', 'fish', 'run', 'bin', 'deb', 'rpm', 'appimage', 'desktop', 'flatpakref', 'snap'],
  // cross-platform interpreters and archives of code
  ...['jar', 'py', 'pyw', 'pyc', 'pl', 'rb', 'php', 'lua', 'tcl', 'ipynb', 'xpi', 'crx'],
  // documents that can carry macros or run scripts
  ...['docm', 'xlsm', 'pptm', 'xlam', 'html', 'htm', 'xhtml', 'svg', 'mht', 'mhtml'],
])

/** Whether opening a file of this name may run code (so the user is asked first). */
export const isRisky = (name: string): boolean => RISKY_EXTENSIONS.has(extname(name).slice(1).toLowerCase())

/** What only the desktop can do; recorded instead in tests. */
export interface DownloadPorts {
  /** Reveal a saved file in the file manager (shell.showItemInFolder). */
  showInFolder(path: string): void | Promise<void>
  /** Open a saved file with its default program (shell.openPath); throws when that failed. */
  openPath(path: string): void | Promise<void>
  /** Ask before opening a file that may run code (a dialog whose default is Cancel); true opens it. */
  confirmOpen(name: string): boolean | Promise<boolean>
}

/** Where a file is fetched from, asked at every attempt: a reconnect may have brought a new member token. */
export type FileSource = () => { host: string; token: string }

export interface DownloadsOptions {
  /** The Downloads folder (created when missing). */
  dir: string
  ports: DownloadPorts
  /** Progress events at most this often while bytes arrive. */
  progressIntervalMs?: number
  /** Waits between attempts after a cut (doubling up to maxMs); attempts that make no progress before failing. */
  retry?: { baseMs: number; maxMs: number; attempts: number }
}

const DEFAULT_RETRY = { baseMs: 500, maxMs: 10_000, attempts: 6 }
/** Four progress events a second: smooth enough for a bar, cheap over IPC. */
const PROGRESS_INTERVAL_MS = 250
/** An error answer's body read at most (for its message). */
const ERROR_BODY_BYTES = 4096

interface Item {
  state: DownloadState
  file: FileRef
  source: FileSource
  abort: AbortController
  done: Promise<void>
}

/** A failure worth another attempt (a cut, a busy host) or not (refused, checksum). */
class Attempt extends Error {
  readonly retry: boolean
  constructor(message: string, retry: boolean) {
    super(message)
    this.retry = retry
  }
}

export class Downloads extends Emitter<{ downloads: DownloadState[] }> {
  #dir: string
  #ports: DownloadPorts
  #interval: number
  #retry: { baseMs: number; maxMs: number; attempts: number }
  #items = new Map<string, Item>()
  #seq = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  #disposed = false

  constructor(opts: DownloadsOptions) {
    super()
    this.#dir = opts.dir
    this.#ports = opts.ports
    this.#interval = opts.progressIntervalMs ?? PROGRESS_INTERVAL_MS
    this.#retry = opts.retry ?? DEFAULT_RETRY
  }

  /** Every download of this run, oldest first (at most LIMITS.downloadsListed finished ones are kept). */
  get list(): DownloadState[] {
    return [...this.#items.values()].map((i) => ({ ...i.state }))
  }

  /** Start saving `file` (or return the download of it already under way). */
  start(file: FileRef, source: FileSource): DownloadState {
    if (this.#disposed) throw new BeaconError('not_connected', 'The app is closing')
    for (const i of this.#items.values()) if (i.file.fileId === file.fileId && i.state.status === 'downloading') return { ...i.state }
    const id = `d${++this.#seq}`
    const item: Item = {
      state: { id, fileId: file.fileId, name: file.name, size: file.size, received: 0, status: 'downloading' },
      file,
      source,
      abort: new AbortController(),
      done: Promise.resolve(),
    }
    this.#items.set(id, item)
    this.#prune()
    item.done = this.#run(item)
    this.#changed(true)
    return { ...item.state }
  }

  /** Stop a running download and delete what it wrote. */
  async cancel(id: string): Promise<void> {
    const item = this.#get(id)
    if (item.state.status !== 'downloading') return
    item.abort.abort()
    await item.done
  }

  async show(id: string): Promise<void> {
    await this.#ports.showInFolder(this.#savedPath(id))
  }

  /** Open a finished download; false when the user declined to open a file that may run code. */
  async open(id: string): Promise<boolean> {
    const path = this.#savedPath(id)
    const name = this.#get(id).state.savedAs!
    if (isRisky(name) && !(await this.#ports.confirmOpen(name))) return false
    await this.#ports.openPath(path)
    return true
  }

  /** Stop every running download (their `.part` files are deleted: there is no resuming across runs). */
  async dispose(): Promise<void> {
    this.#disposed = true
    const running = [...this.#items.values()].filter((i) => i.state.status === 'downloading')
    running.forEach((i) => i.abort.abort())
    await Promise.all(running.map((i) => i.done))
    clearTimeout(this.#timer)
  }

  #get(id: string): Item {
    const item = this.#items.get(id)
    if (!item) throw new BeaconError('bad_argument', 'There is no download with that id')
    return item
  }

  #savedPath(id: string): string {
    const { state } = this.#get(id)
    if (state.status !== 'done' || state.savedAs === undefined) throw new BeaconError('bad_argument', `${state.name} is not saved yet`)
    return join(this.#dir, state.savedAs)
  }

  async #run(item: Item): Promise<void> {
    const { file } = item
    const signal = item.abort.signal
    let final: string | undefined
    let part: FileHandle | undefined
    try {
      await mkdir(this.#dir, { recursive: true })
      const reserved = await reserveName(this.#dir, saveName(file.name))
      final = join(this.#dir, reserved.name)
      part = reserved.part
      const got = { hash: createHash('sha256'), bytes: 0 }
      let failures = 0
      for (;;) {
        signal.throwIfAborted()
        const before = got.bytes
        try {
          await this.#attempt(item, part, got)
          break
        } catch (e) {
          if (signal.aborted) throw e
          if (!(e instanceof Attempt) || !e.retry) throw e
          failures = got.bytes > before ? 1 : failures + 1
          if (failures > this.#retry.attempts) throw new Attempt(`gave up: ${e.message}`, false)
          await sleep(Math.min(this.#retry.maxMs, this.#retry.baseMs * 2 ** (failures - 1)), signal)
        }
      }
      if (got.bytes !== file.size || got.hash.digest('hex') !== file.sha256)
        throw new Attempt('The file did not match its checksum; it was deleted', false)
      await part.close()
      part = undefined
      await rename(final + PART_SUFFIX, final)
      item.state = { ...item.state, received: got.bytes, status: 'done', savedAs: reserved.name }
    } catch (e) {
      await part?.close().catch(() => {})
      if (final !== undefined) {
        await unlink(final + PART_SUFFIX).catch(() => {})
        await unlink(final).catch(() => {})
      }
      item.state = signal.aborted
        ? { ...item.state, status: 'cancelled' }
        : { ...item.state, status: 'failed', error: e instanceof Error ? e.message : String(e) }
    }
    this.#changed(true)
  }

  /** One GET: from the start, or from what is already written when the host still has the same file. */
  async #attempt(item: Item, part: FileHandle, got: { hash: Hash; bytes: number }): Promise<void> {
    const { file } = item
    const { host, token } = item.source()
    const url = new URL(`${FILES_PATH}/${encodeURIComponent(file.fileId)}`, host)
    const headers: Record<string, string> = { Authorization: `Bearer ${token}` }
    if (got.bytes > 0) {
      headers.Range = `bytes=${got.bytes}-`
      headers['If-Range'] = `"${file.sha256}"`
    }
    const res = await request(url, headers, item.abort.signal)
    try {
      if (res.statusCode === 416 && got.bytes === file.size) return void res.resume()
      if (res.statusCode !== 200 && res.statusCode !== 206) {
        const status = res.statusCode ?? 0
        throw new Attempt(await errorMessage(res), status === 429 || status >= 500 || status === 416)
      }
      const from = res.statusCode === 206 ? rangeStart(res.headers['content-range'], file.size) : 0
      if (from !== got.bytes) {
        // A whole file, or a range other than asked: start over rather than splice mismatched bytes.
        await part.truncate(0)
        got.hash = createHash('sha256')
        got.bytes = 0
        item.state = { ...item.state, received: 0 }
        if (from !== 0) throw new Attempt('The host answered a different range', true)
      }
      for await (const chunk of res as AsyncIterable<Buffer>) {
        if (got.bytes + chunk.length > file.size) throw new Attempt('The host sent more than the file size', false)
        await part.write(chunk, 0, chunk.length, got.bytes).catch((e: Error) => {
          throw new Attempt(`Could not save the file: ${e.message}`, false) // a full disk is not helped by asking again
        })
        got.hash.update(chunk)
        got.bytes += chunk.length
        item.state = { ...item.state, received: got.bytes }
        this.#changed(false)
      }
      if (got.bytes < file.size) throw new Attempt('The connection ended early', true)
    } catch (e) {
      res.destroy()
      if (e instanceof Attempt || item.abort.signal.aborted) throw e
      throw new Attempt(e instanceof Error ? e.message : String(e), true) // a cut mid-body
    }
  }

  /** Report now (status changes) or within the progress interval (bytes). */
  #changed(now: boolean): void {
    if (now) {
      clearTimeout(this.#timer)
      this.#timer = undefined
      this.emit('downloads', this.list)
      return
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined
      this.emit('downloads', this.list)
    }, this.#interval)
  }

  /** Forget the oldest finished downloads beyond the listed bound. */
  #prune(): void {
    const finished = [...this.#items.values()].filter((i) => i.state.status !== 'downloading')
    for (const i of finished.slice(0, Math.max(0, finished.length - LIMITS.downloadsListed))) this.#items.delete(i.state.id)
  }
}

/** A GET that resolves with the answer's head; a connection that goes quiet is cut (and retried). */
function request(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers, signal }, resolve)
    req.setTimeout(LIMITS.uploadStallMs, () => req.destroy(new Error('The host stopped sending')))
    req.on('error', (e) => reject(signal.aborted ? e : new Attempt(e.message, true)))
  })
}

/** `bytes <start>-<end>/<size>` → start; anything else (or another size) is not this file's range. */
function rangeStart(header: string | undefined, size: number): number {
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header ?? '')
  if (!m || Number(m[3]) !== size || Number(m[2]) !== size - 1) return -1
  return Number(m[1])
}

async function errorMessage(res: IncomingMessage): Promise<string> {
  let body = ''
  for await (const chunk of res as AsyncIterable<Buffer>) {
    body += chunk.toString('utf8')
    if (body.length >= ERROR_BODY_BYTES) break
  }
  try {
    const parsed = JSON.parse(body) as { message?: unknown }
    if (typeof parsed.message === 'string') return parsed.message.slice(0, 200)
  } catch {
    // not JSON: the status says enough
  }
  return `The host answered ${res.statusCode}`
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t)
        reject(signal.reason as Error)
      },
      { once: true },
    )
  })
}
