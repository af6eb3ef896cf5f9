// Uploads over tus 1.0.0 (core, creation, termination, expiration; docs/PROTOCOL-FILES.md). A PATCH body goes
// to disk as it arrives, with backpressure (never a body in memory), and through the upload's SHA-256 on the
// way: the hash state stays in memory between requests (after a restart the partial file is hashed again), so
// the last byte tells at once whether the bytes are the ones declared.
import { createHash, type Hash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Writable } from 'node:stream'
import { TUS_EXTENSIONS, TUS_VERSION, UPLOAD_METADATA, UPLOADS_PATH } from '../../../shared/files.ts'
import { FileName, Mime, Sha256 } from '../../../shared/protocol.ts'
import type { ConnectionBudget } from '../budget.ts'
import { logError } from '../log.ts'
import { errorBody, refuse, send } from '../transports/http-response.ts'
import type { FileLimits } from './limits.ts'
import type { Declared, FileStore, Upload } from './store.ts'
import type { Throttle, Transfers } from './throttle.ts'

/** Where an upload stands: its bytes so far went through `hash` (offset -1: not known yet); `writing` while a PATCH holds it. */
interface Progress {
  hash: Hash
  offset: number
  writing: boolean
  /** Settles when the PATCH holding it has let go (its last write landed). */
  released: Promise<void>
}

const OFFSET_STREAM = 'application/offset+octet-stream'

export interface TusOptions {
  store: FileStore
  limits: FileLimits
  transfers: Transfers
  budget: ConnectionBudget
}

class TooLong extends Error {}

/** A PATCH body waiting for the disk, at most (then the socket is not read until the write lands). */
const WRITE_BATCH_BYTES = 256 * 1024

export class TusUploads {
  #o: TusOptions
  #progress = new Map<string, Progress>()
  /** Requests writing each upload, so a DELETE can stop one. */
  #writers = new Map<string, IncomingMessage>()
  /** The host stopped (its room log is closed): requests under way end without touching it. */
  #stopped = false

  constructor(o: TusOptions) {
    this.#o = o
  }

  /** Whether a PATCH is writing this upload now (the reaper leaves it alone). */
  busy(id: string): boolean {
    return this.#progress.get(id)?.writing === true
  }

  /** The host is stopping: cut the uploads under way (their bytes are kept). */
  stop(): void {
    this.#stopped = true
    for (const req of this.#writers.values()) req.destroy()
  }

  /** The reaper removed these uploads: forget their hash state. */
  forget(ids: readonly string[]): void {
    for (const id of ids) this.#progress.delete(id)
  }

  options(res: ServerResponse): void {
    res.writeHead(204, {
      'Tus-Resumable': TUS_VERSION,
      'Tus-Version': TUS_VERSION,
      'Tus-Extension': TUS_EXTENSIONS,
      'Tus-Max-Size': String(this.#o.limits.maxFileBytes),
      'Cache-Control': 'no-store',
    })
    res.end()
  }

  create(req: IncomingMessage, res: ServerResponse, member: string): void {
    if (hasBody(req)) return bad(res, 400, 'bad_argument', 'creation-with-upload is not supported: create, then PATCH')
    const size = parseCount(req.headers['upload-length'])
    if (size === undefined) return bad(res, 400, 'bad_argument', 'Upload-Length is required (a whole number of bytes)')
    if (size > this.#o.limits.maxFileBytes)
      return refuse(res, 'too_large', `files on this host are at most ${this.#o.limits.maxFileBytes} bytes`)
    const declared = parseMetadata(req.headers['upload-metadata'], size)
    if (typeof declared === 'string') return bad(res, 400, 'bad_argument', declared)
    const r = this.#o.store.create(member, declared)
    if ('refused' in r) return refuse(res, r.refused, r.message)
    const p: Progress = { hash: createHash('sha256'), offset: 0, writing: false, released: Promise.resolve() }
    // An empty file is complete once created (tus clients send no PATCH for it): verified and stored now.
    if (size === 0) return this.#finish(res, r.upload, p, 201)
    this.#progress.set(r.upload.id, p)
    res.writeHead(201, {
      Location: `${UPLOADS_PATH}/${r.upload.id}`,
      'Upload-Expires': this.#expires(r.upload),
      'Cache-Control': 'no-store',
    })
    res.end()
  }

  async head(res: ServerResponse, upload: Upload): Promise<void> {
    const p = await this.#where(upload)
    res.writeHead(200, {
      'Upload-Offset': String(p.offset),
      'Upload-Length': String(upload.size),
      'Upload-Expires': this.#expires(upload),
      'Cache-Control': 'no-store',
    })
    res.end()
  }

  delete(res: ServerResponse, upload: Upload): void {
    this.#writers.get(upload.id)?.destroy()
    this.#progress.delete(upload.id)
    this.#o.store.discard(upload.id)
    send(res, 204, '')
  }

  async patch(req: IncomingMessage, res: ServerResponse, upload: Upload, member: string): Promise<void> {
    res.setHeader('Connection', 'close') // a refused body is not read: the connection goes with the answer
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase()
    if (type !== OFFSET_STREAM) return bad(res, 415, 'bad_argument', `Content-Type must be ${OFFSET_STREAM}`)
    const offset = parseCount(req.headers['upload-offset'])
    if (offset === undefined) return bad(res, 400, 'bad_argument', 'Upload-Offset is required (a whole number of bytes)')
    const length = parseCount(req.headers['content-length'])
    if (length !== undefined && offset + length > upload.size)
      return refuse(res, 'too_large', `the body goes past the upload's length (${upload.size} bytes)`)
    const t = this.#o.transfers.of(member)
    if (t.uploads >= this.#o.limits.uploadsPerMember)
      return refuse(res, 'busy', `at most ${this.#o.limits.uploadsPerMember} uploads at once per member`)
    // A resume right after a cut may come before the cut request has let go: wait for it, not for a live one.
    const before = this.#progress.get(upload.id)
    if (before?.writing && this.#writers.get(upload.id)?.destroyed) await before.released
    if (this.busy(upload.id)) return refuse(res, 'busy', 'this upload is being written by another request: try again')
    if (this.#o.store.upload(upload.id) === undefined) return refuse(res, 'file_not_found', 'no such upload') // gone meanwhile
    const address = req.socket.remoteAddress ?? 'unknown'
    if (!this.#o.budget.take(address)) return refuse(res, 'busy', 'too many connections from this address or in all: try again later')
    let p = this.#progress.get(upload.id)
    if (!p) this.#progress.set(upload.id, (p = { hash: createHash('sha256'), offset: -1, writing: false, released: Promise.resolve() }))
    p.writing = true // claimed before any await
    let release!: () => void
    p.released = new Promise((resolve) => (release = resolve))
    t.uploads++
    this.#writers.set(upload.id, req)
    try {
      if (p.offset < 0) Object.assign(p, await rehash(this.#o.store.partialPath(upload.id)))
      if (offset !== p.offset) return refuse(res, 'wrong_offset', `the upload is at ${p.offset} bytes: continue from there`)
      if (this.#stopped) return void res.destroy()
      this.#o.store.touch(upload.id)
      const result = await this.#write(req, upload, p, t.up)
      if (this.#stopped || this.#progress.get(upload.id) !== p) return void res.destroy() // host stopped, or deleted meanwhile
      this.#o.store.touch(upload.id)
      if (result === 'cut') return void res.destroy()
      if (result === 'too_long') return refuse(res, 'too_large', `the body goes past the upload's length (${upload.size} bytes)`)
      res.removeHeader('Connection') // the body was read to its end
      if (p.offset === upload.size) return this.#finish(res, upload, p)
      res.writeHead(204, { 'Upload-Offset': String(p.offset), 'Upload-Expires': this.#expires(upload), 'Cache-Control': 'no-store' })
      res.end()
    } finally {
      p.writing = false
      release()
      this.#writers.delete(upload.id)
      t.uploads--
      this.#o.budget.release(address)
    }
  }

  /** The last byte is in: stored at its address when it hashes as declared, else deleted (460). */
  #finish(res: ServerResponse, upload: Upload, p: Progress, status = 204): void {
    this.#progress.delete(upload.id)
    if (p.hash.digest('hex') !== upload.sha256) {
      this.#o.store.discard(upload.id)
      return refuse(res, 'checksum_mismatch', 'the bytes do not hash to the declared SHA-256: nothing was stored')
    }
    this.#o.store.store(upload)
    res.writeHead(status, {
      'Upload-Offset': String(p.offset),
      'Cache-Control': 'no-store',
      ...(status === 201 ? { Location: `${UPLOADS_PATH}/${upload.id}` } : {}),
    })
    res.end()
  }

  /**
   * Write the body at the upload's offset as it arrives, at the member's rate. A cut or stalled request keeps
   * every byte that reached the disk (and only those are hashed); a body going past the length writes nothing
   * beyond it.
   */
  async #write(req: IncomingMessage, upload: Upload, p: Progress, rate: Throttle): Promise<'done' | 'cut' | 'too_long'> {
    const file = await open(this.#o.store.partialPath(upload.id), 'r+')
    let stall: NodeJS.Timeout | undefined
    const waitForBytes = () => {
      stall = setTimeout(() => req.destroy(new Error('stalled')), this.#o.limits.uploadStallMs)
    }
    let inflight: Promise<void> = Promise.resolve()
    const step = async (chunks: Buffer[]) => {
      const length = chunks.reduce((n, c) => n + c.length, 0)
      if (p.offset + length > upload.size) throw new TooLong()
      await rate.take(length)
      // hashed while the disk writes (a failed write throws, and the partial file is hashed again before going on)
      const writing = file.writev(chunks, p.offset)
      for (const c of chunks) p.hash.update(c)
      const written = (await writing).bytesWritten
      if (written < length) {
        const rest = Buffer.concat(chunks).subarray(written)
        for (let i = 0; i < rest.length;) i += (await file.write(rest, i, rest.length - i, p.offset + written + i)).bytesWritten
      }
      p.offset += length
    }
    // What arrives while a write is under way goes to disk in one writev, without copying: a write per socket
    // chunk capped uploads near 300 MiB/s on the bench machine (bench/files.ts); batches of 1 MiB were no faster
    // and grew the host's RSS by ~40 MiB during a transfer.
    const sink = new Writable({
      highWaterMark: WRITE_BATCH_BYTES,
      writev: (chunks, done) => {
        clearTimeout(stall)
        inflight = step(chunks.map((c) => c.chunk as Buffer)).then(() => {
          waitForBytes()
          done()
        }, done)
      },
    })
    waitForBytes()
    try {
      // pipe, not pipeline: a refused body must leave the request open for the 413 (pipeline would destroy it).
      return await new Promise<'done' | 'cut' | 'too_long'>((resolve, reject) => {
        sink.once('finish', () => resolve('done'))
        sink.once('error', (e) => (e instanceof TooLong ? resolve('too_long') : reject(e)))
        req.once('error', () => resolve('cut'))
        // Closed before its body was all read (cut mid-way, or its connection broken after the body came in): what
        // reached the disk is kept, the rest never will.
        req.once('close', () => {
          if (!req.readableEnded) resolve('cut')
        })
        if (req.destroyed) return resolve('cut') // it went while this request waited for its file (no event will come)
        req.pipe(sink)
      })
    } catch (e) {
      p.offset = -1 // a failed write leaves the disk unknown: hash the partial file again before going on
      throw e
    } finally {
      await inflight.catch(() => {}) // a write under way when the request was cut lands (and is hashed) first
      clearTimeout(stall) // after it: its landing arms the timer again
      file.close().catch((e: unknown) => logError(`closing upload ${upload.id}`, e))
    }
  }

  /** Where an upload stands: in memory, or (after a restart) its partial file's size; only a PATCH hashes it again. */
  async #where(upload: Upload): Promise<{ offset: number }> {
    const p = this.#progress.get(upload.id)
    if (p && p.offset >= 0) return p
    return { offset: (await stat(this.#o.store.partialPath(upload.id))).size }
  }

  #expires(upload: Upload): string {
    return new Date(upload.touched + this.#o.limits.uploadExpiryMs).toUTCString()
  }
}

async function rehash(path: string): Promise<{ hash: Hash; offset: number }> {
  const hash = createHash('sha256')
  let offset = 0
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk)
    offset += chunk.length
  }
  return { hash, offset }
}

/** A refusal with a status of HTTP's own (400, 415) rather than the error table's. */
function bad(res: ServerResponse, status: number, code: 'bad_argument', message: string): void {
  send(res, status, errorBody(code, message))
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || (parseCount(req.headers['content-length']) ?? 0) > 0
}

/** A header holding a whole number of bytes. */
function parseCount(v: string | string[] | undefined): number | undefined {
  if (typeof v !== 'string' || !/^\d{1,16}$/.test(v)) return undefined
  const n = Number(v)
  return Number.isSafeInteger(n) ? n : undefined
}

/** `Upload-Metadata: filename <b64>,filetype <b64>,sha256 <b64>` → the declaration, or what is wrong with it. */
function parseMetadata(header: string | string[] | undefined, size: number): Declared | string {
  if (typeof header !== 'string') return 'Upload-Metadata is required (filename, filetype, sha256)'
  const pairs = new Map<string, string>()
  for (const item of header.split(',')) {
    const [key, value = '', extra] = item.trim().split(' ')
    if (!key || extra !== undefined || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return 'Upload-Metadata is not tus metadata'
    pairs.set(key, Buffer.from(value, 'base64').toString('utf8'))
  }
  const name = FileName.safeParse(pairs.get(UPLOAD_METADATA.name) ?? '')
  if (!name.success) return `metadata ${UPLOAD_METADATA.name}: ${name.error.issues[0]!.message}`
  const mime = Mime.safeParse(pairs.get(UPLOAD_METADATA.type) ?? '')
  if (!mime.success) return `metadata ${UPLOAD_METADATA.type}: ${mime.error.issues[0]!.message}`
  const sha256 = Sha256.safeParse(pairs.get(UPLOAD_METADATA.sha256) ?? '')
  if (!sha256.success) return `metadata ${UPLOAD_METADATA.sha256}: ${sha256.error.issues[0]!.message}`
  return { name: name.data, mime: mime.data, sha256: sha256.data, size }
}
