// The room's files: content-addressed bytes under `<data>/files/<sha256>`, unfinished uploads under
// `<data>/files/partial/<id>`, and their rows in room.db (tables `files` and `uploads`, made by History). A
// file is written under its upload's name and renamed to its address only once its SHA-256 is verified, so
// `files/<sha256>` always holds exactly those bytes; the same bytes uploaded twice are stored once.
import { randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, renameSync, rmSync, existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import type { FileRef } from '../../../shared/protocol.ts'
import { logError } from '../log.ts'
import { formatBytes } from './byte-size.ts'
import type { FileLimits } from './limits.ts'

export interface Upload {
  id: string
  member: string
  name: string
  mime: string
  sha256: string
  size: number
  created: number
  touched: number
}

export interface Declared {
  name: string
  mime: string
  sha256: string
  size: number
}

export const SHA256_ID = /^[0-9a-f]{64}$/
export const UPLOAD_ID = /^[0-9a-f]{32}$/

export type Created = { upload: Upload } | { refused: 'busy' | 'quota_full'; message: string }

export class FileStore {
  readonly dir: string
  readonly partialDir: string
  #db: DatabaseSync
  #limits: FileLimits

  constructor(dataDir: string, db: DatabaseSync, limits: FileLimits) {
    this.dir = join(dataDir, 'files')
    this.partialDir = join(this.dir, 'partial')
    mkdirSync(this.partialDir, { recursive: true })
    this.#db = db
    this.#limits = limits
  }

  /** Only ever called with an id that matched SHA256_ID: a stored file's path never leaves `files/`. */
  path(sha256: string): string {
    return join(this.dir, sha256)
  }

  partialPath(uploadId: string): string {
    return join(this.partialDir, uploadId)
  }

  /** A stored file's size, or undefined when it is not stored. */
  size(sha256: string): number | undefined {
    return (this.#db.prepare('SELECT size FROM files WHERE sha256 = ?').get(sha256) as { size: number } | undefined)?.size
  }

  /** Whether a message may name this file: stored, with that size and hash. */
  holds(file: FileRef): boolean {
    return file.fileId === file.sha256 && this.size(file.sha256) === file.size
  }

  /** A message (seq) names the file: it now lives as long as that message. */
  sent(sha256: string, seq: number): void {
    this.#db.prepare('UPDATE files SET last_seq = MAX(last_seq, ?) WHERE sha256 = ?').run(seq, sha256)
  }

  /** Bytes the room's quota counts: stored files and the declared sizes of unfinished uploads. */
  used(): number {
    const row = this.#db
      .prepare('SELECT (SELECT COALESCE(SUM(size), 0) FROM files) + (SELECT COALESCE(SUM(size), 0) FROM uploads) AS used')
      .get() as { used: number }
    return row.used
  }

  /** A new upload (an empty partial file), unless the member holds too many or the room's quota has no room for it. */
  create(member: string, d: Declared, now = Date.now()): Created {
    const open = (this.#db.prepare('SELECT COUNT(*) AS n FROM uploads WHERE member = ?').get(member) as { n: number }).n
    if (open >= this.#limits.openUploadsPerMember)
      return {
        refused: 'busy',
        message: `at most ${this.#limits.openUploadsPerMember} unfinished uploads per member: finish or cancel one`,
      }
    const used = this.used()
    if (used + d.size > this.#limits.maxRoomBytes)
      return {
        refused: 'quota_full',
        message: `This room's file storage is full (${formatBytes(used)} of ${formatBytes(this.#limits.maxRoomBytes)} used): ${formatBytes(d.size)} does not fit.`,
      }
    const upload: Upload = { id: randomBytes(16).toString('hex'), member, ...d, created: now, touched: now }
    writeFileSync(this.partialPath(upload.id), '')
    this.#db
      .prepare('INSERT INTO uploads (id, member, name, mime, sha256, size, created, touched) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(upload.id, member, d.name, d.mime, d.sha256, d.size, now, now)
    return { upload }
  }

  upload(id: string): Upload | undefined {
    return this.#db.prepare('SELECT * FROM uploads WHERE id = ?').get(id) as Upload | undefined
  }

  touch(id: string, now = Date.now()): void {
    this.#db.prepare('UPDATE uploads SET touched = ? WHERE id = ?').run(now, id)
  }

  /** An upload is cancelled, expired or failed verification: its row and partial bytes go. */
  discard(id: string): void {
    this.#db.prepare('DELETE FROM uploads WHERE id = ?').run(id)
    remove(this.partialPath(id))
  }

  /** A verified upload becomes the stored file at its address (bytes already stored: the copy just goes). */
  store(upload: Upload, now = Date.now()): void {
    const target = this.path(upload.sha256)
    // Not renamed over an existing file: Windows refuses while a download has it open, and the bytes are the same.
    if (existsSync(target)) remove(this.partialPath(upload.id))
    else renameSync(this.partialPath(upload.id), target)
    this.#db
      .prepare(
        'INSERT INTO files (sha256, size, stored_at, last_seq) VALUES (?, ?, ?, 0) ON CONFLICT (sha256) DO UPDATE SET stored_at = excluded.stored_at',
      )
      .run(upload.sha256, upload.size, now)
    this.#db.prepare('DELETE FROM uploads WHERE id = ?').run(upload.id)
  }

  /** Files named only by messages that left the history (seq < keepFrom) go with them. */
  pruned(keepFrom: number): void {
    const gone = this.#db.prepare('DELETE FROM files WHERE last_seq > 0 AND last_seq < ? RETURNING sha256').all(keepFrom) as {
      sha256: string
    }[]
    for (const { sha256 } of gone) remove(this.path(sha256))
  }

  /**
   * Delete uploads untouched for uploadExpiryMs (except those being written, `busy`) and files never sent for
   * unsentFileMs; returns the uploads deleted. With `strays`, also bytes on disk without a row (a crash or a
   * rolled-back transaction between the rename and the row).
   */
  reap(now: number, busy: (uploadId: string) => boolean, strays = false): string[] {
    const expired = (
      this.#db.prepare('SELECT id FROM uploads WHERE touched < ?').all(now - this.#limits.uploadExpiryMs) as { id: string }[]
    )
      .map((r) => r.id)
      .filter((id) => !busy(id))
    for (const id of expired) this.discard(id)
    const unsent = this.#db
      .prepare('DELETE FROM files WHERE last_seq = 0 AND stored_at < ? RETURNING sha256')
      .all(now - this.#limits.unsentFileMs) as { sha256: string }[]
    for (const { sha256 } of unsent) remove(this.path(sha256))
    if (strays) {
      const known = (table: string, key: string) =>
        new Set((this.#db.prepare(`SELECT ${key} AS k FROM ${table}`).all() as { k: string }[]).map((r) => r.k))
      const files = known('files', 'sha256')
      for (const name of readdirSync(this.dir)) if (name !== 'partial' && !files.has(name)) remove(join(this.dir, name))
      const uploads = known('uploads', 'id')
      for (const name of readdirSync(this.partialDir)) if (!uploads.has(name)) remove(join(this.partialDir, name))
      for (const id of uploads) if (!existsSync(this.partialPath(id))) this.discard(id)
    }
    return expired
  }
}

/** Delete a file; a failure (Windows: open elsewhere) is logged, and the next start's stray sweep retries. */
function remove(path: string): void {
  try {
    rmSync(path, { force: true })
  } catch (e) {
    logError(`deleting ${path}`, e)
  }
}
