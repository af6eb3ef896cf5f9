// The room log on node:sqlite (WAL): the source of truth for the room's identity, seq, dedupe and resume.
// Opening it refuses anything but a healthy log or a brand-new directory: a corrupt or emptied room.db is
// never silently replaced by a new room (new id and epoch), and only one host at a time uses a directory.
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { LIMITS, type ChatMessage, type FileRef } from '../../shared/protocol.ts'
import { DataDirLock } from './data-lock.ts'
import { logError } from './log.ts'
import { StorageError } from './storage-error.ts'

export { StorageError } from './storage-error.ts'

type Row = {
  seq: number
  cid: string
  from_id: string
  from_name: string
  text: string
  ts: number
  file: string | null
  to_id: string | null
  mentions: string | null
}

const toMessage = (r: Row): ChatMessage => {
  const m: ChatMessage = { type: 'message', seq: r.seq, id: r.cid, from: { id: r.from_id, name: r.from_name }, text: r.text, ts: r.ts }
  if (r.file !== null) m.file = JSON.parse(r.file) as FileRef
  if (r.to_id !== null) m.to = r.to_id
  if (r.mentions !== null) m.mentions = JSON.parse(r.mentions) as string[]
  return m
}

/**
 * Who may read a message: everyone, unless it is a direct message (`to_id`), which only its sender and its
 * recipient see. `:reader` is the reader's member id; null (the host itself) reads everything.
 */
const VISIBLE = '(to_id IS NULL OR :reader IS NULL OR to_id = :reader OR from_id = :reader)'

/** Prune once the log holds this many messages beyond the retention. */
const PRUNE_SLACK = 1000

const SCHEMA = `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE messages (
    seq INTEGER PRIMARY KEY, client TEXT NOT NULL, cid TEXT NOT NULL,
    from_id TEXT NOT NULL, from_name TEXT NOT NULL, text TEXT NOT NULL, ts INTEGER NOT NULL, file TEXT,
    to_id TEXT, mentions TEXT,
    UNIQUE (client, cid));
`

/** Every member id that ever joined the room: a direct message may only go to one of them. */
const MEMBER_SCHEMA = `CREATE TABLE IF NOT EXISTS members (id TEXT PRIMARY KEY) WITHOUT ROWID;`

/**
 * The file tables (docs/PROTOCOL-FILES.md, src/main/server/files/): stored files with the latest message naming
 * each (0: none yet), and unfinished uploads. Created in old room logs too, which predate files.
 */
const FILE_SCHEMA = `
  CREATE TABLE IF NOT EXISTS files (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, stored_at INTEGER NOT NULL, last_seq INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS files_last_seq ON files (last_seq);
  CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY, member TEXT NOT NULL, name TEXT NOT NULL, mime TEXT NOT NULL, sha256 TEXT NOT NULL,
    size INTEGER NOT NULL, created INTEGER NOT NULL, touched INTEGER NOT NULL);
`

export interface HistoryOptions {
  /** Messages kept at least; LIMITS.retention by default (tests shrink it). */
  retention?: number
}

export class History {
  readonly id: string
  readonly epoch: string
  readonly file: string
  #db: DatabaseSync
  #lock: DataDirLock
  #inTxn = false
  #lastSeq: number
  /** The last seq made durable: what a failed commit falls back to. */
  #committedSeq: number
  #oldestSeq: number
  #insert: StatementSync
  #find: StatementSync
  #after: StatementSync
  #before: StatementSync
  #latest: StatementSync
  #remember: StatementSync
  #known: StatementSync
  #closed = false
  #retention: number
  /** Told the oldest seq kept after a prune, so files named only by pruned messages go with them. */
  onPrune: ((keepFrom: number) => void) | undefined

  /** Throws StorageError when the directory is taken by another host or its room.db cannot be trusted. */
  constructor(dir: string, opts: HistoryOptions = {}) {
    this.#retention = opts.retention ?? LIMITS.retention
    mkdirSync(dir, { recursive: true })
    this.#lock = DataDirLock.acquire(dir)
    const file = (this.file = join(dir, 'room.db'))
    try {
      const fresh = !existsSync(file)
      if (!fresh && statSync(file).size === 0)
        throw new StorageError(
          `${file} is empty: the room's log was lost. Restore it from a backup, or move it away to start a new room (new id, members cannot resume)`,
          file,
        )
      this.#db = open(file, fresh)
      const meta = (key: string): string | undefined =>
        (this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value
      const id = meta('id')
      const epoch = meta('epoch')
      if (id === undefined || epoch === undefined)
        throw new StorageError(`${file} has no room identity: restore it from a backup, or move it away to start a new room`, file)
      this.id = id
      this.epoch = epoch
      const bounds = this.#db.prepare('SELECT MIN(seq) AS lo, MAX(seq) AS hi FROM messages').get() as {
        lo: number | null
        hi: number | null
      }
      this.#lastSeq = this.#committedSeq = bounds.hi ?? 0
      this.#oldestSeq = bounds.lo ?? 1
      this.#insert = this.#db.prepare(
        'INSERT INTO messages (seq, client, cid, from_id, from_name, text, ts, file, to_id, mentions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      this.#find = this.#db.prepare('SELECT seq FROM messages WHERE client = ? AND cid = ?')
      this.#after = this.#db.prepare(`SELECT * FROM messages WHERE seq > :seq AND ${VISIBLE} ORDER BY seq LIMIT :limit`)
      this.#before = this.#db.prepare(`SELECT * FROM messages WHERE seq < :seq AND ${VISIBLE} ORDER BY seq DESC LIMIT :limit`)
      this.#latest = this.#db.prepare(`SELECT * FROM (SELECT * FROM messages WHERE ${VISIBLE} ORDER BY seq DESC LIMIT :limit) ORDER BY seq`)
      this.#remember = this.#db.prepare('INSERT OR IGNORE INTO members (id) VALUES (?)')
      this.#known = this.#db.prepare('SELECT 1 AS known FROM members WHERE id = ?')
    } catch (e) {
      this.#lock.release()
      if (e instanceof StorageError) throw e
      throw new StorageError(
        `${file} cannot be used (${(e as Error).message}): restore it from a backup, or move it away to start a new room`,
        file,
        { cause: e },
      )
    }
  }

  get lastSeq(): number {
    return this.#lastSeq
  }

  /** The last seq that is durable on disk. */
  get committedSeq(): number {
    return this.#committedSeq
  }

  /** The oldest seq still kept (1 for a room that never pruned). */
  get oldestSeq(): number {
    return this.#oldestSeq
  }

  /** The seq a `(client, id)` was stored under, if it was. */
  find(client: string, id: string): number | undefined {
    const row = this.#find.get(client, id) as { seq: number } | undefined
    return row?.seq
  }

  /** Append inside the open transaction; `commit()` (once per room flush) makes it durable before anyone is told. */
  append(client: string, m: ChatMessage): void {
    this.#begin()
    this.#insert.run(
      m.seq,
      client,
      m.id,
      m.from.id,
      m.from.name,
      m.text,
      m.ts,
      m.file === undefined ? null : JSON.stringify(m.file),
      m.to ?? null,
      m.mentions === undefined ? null : JSON.stringify(m.mentions),
    )
    this.#lastSeq = m.seq
  }

  /** Record that a member joined, inside the open transaction (made durable with the next commit). */
  remember(memberId: string): void {
    this.#begin()
    this.#remember.run(memberId)
  }

  /** Whether a member id ever joined the room (and that was committed, or is in the open transaction). */
  knows(memberId: string): boolean {
    return this.#known.get(memberId) !== undefined
  }

  #begin(): void {
    if (this.#inTxn) return
    this.#db.exec('BEGIN')
    this.#inTxn = true
  }

  /**
   * Make the appends since the last commit durable. When that fails (disk full, I/O error, busy) the whole transaction is
   * rolled back, lastSeq falls back to the last durable seq, and the error is thrown: nothing of it may be
   * acknowledged.
   */
  commit(): void {
    if (!this.#inTxn) return
    try {
      this.#db.exec('COMMIT')
    } catch (e) {
      try {
        if (this.#db.isTransaction) this.#db.exec('ROLLBACK')
      } catch {
        // SQLite rolls back by itself after some errors; the transaction is gone either way
      }
      this.#inTxn = false
      this.#lastSeq = this.#committedSeq
      throw e
    }
    this.#inTxn = false
    this.#committedSeq = this.#lastSeq
    if (this.#lastSeq - this.#oldestSeq >= this.#retention + PRUNE_SLACK) this.#prune()
  }

  #prune(): void {
    const keepFrom = this.#lastSeq - this.#retention + 1
    this.#db.prepare('DELETE FROM messages WHERE seq < ?').run(keepFrom)
    this.#oldestSeq = keepFrom
    try {
      this.onPrune?.(keepFrom)
    } catch (e) {
      // The messages are committed: a failure here must not read as a failed commit (files wait for the next prune).
      logError('deleting the files of pruned messages', e)
    }
  }

  /** The room log's connection, for the file store's tables (one connection: SQLite has one writer at a time). */
  get database(): DatabaseSync {
    return this.#db
  }

  /** Whether every message after `after` is still kept, so a resume can be exact. */
  canResume(after: number): boolean {
    return after <= this.#lastSeq && after >= this.#oldestSeq - 1
  }

  /**
   * Up to `limit` messages after `seq` that `reader` may see, ascending (by the primary key: one index range
   * read); all kept by default. Without `reader`, every message (direct ones included).
   */
  after(seq: number, limit: number = this.#retention + PRUNE_SLACK, reader?: string): ChatMessage[] {
    return (this.#after.all({ seq, reader: reader ?? null, limit }) as Row[]).map(toMessage)
  }

  /** Up to `limit` messages before `seq` that `reader` may see, ascending: the latest ones older than `seq` (scrollback). */
  before(seq: number, limit: number = LIMITS.historyPage, reader?: string): ChatMessage[] {
    return (this.#before.all({ seq, reader: reader ?? null, limit }) as Row[]).map(toMessage).reverse()
  }

  /** The latest `n` messages `reader` may see, ascending. */
  latest(n: number, reader?: string): ChatMessage[] {
    return (this.#latest.all({ reader: reader ?? null, limit: n }) as Row[]).map(toMessage)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    try {
      this.commit()
    } finally {
      try {
        this.#db.close()
      } finally {
        this.#lock.release()
      }
    }
  }
}

/** Open room.db: a fresh one gets its schema and identity in one transaction; an existing one is checked. */
function open(file: string, fresh: boolean): DatabaseSync {
  const db = new DatabaseSync(file)
  try {
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;')
    if (fresh) {
      db.exec('BEGIN')
      db.exec(SCHEMA)
      db.exec(FILE_SCHEMA)
      db.exec(MEMBER_SCHEMA)
      const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)')
      put.run('id', randomUUID())
      put.run('epoch', randomUUID().slice(0, 8))
      db.exec('COMMIT')
      return db
    }
    const check = db.prepare('PRAGMA quick_check').all() as { quick_check: string }[]
    if (check.length !== 1 || check[0]!.quick_check !== 'ok')
      throw new StorageError(
        `${file} is corrupt (${check
          .slice(0, 3)
          .map((r) => r.quick_check)
          .join('; ')}): restore it from a backup, or move it away to start a new room`,
        file,
      )
    const tables = new Set(
      (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name),
    )
    if (!tables.has('meta') || !tables.has('messages'))
      throw new StorageError(`${file} is not a Beacon room log: move it away to start a new room, or restore a backup`, file)
    // A log from before files, direct messages or mentions: add what they need, in one transaction. Members who
    // joined before the members table existed are known again once they join (or have posted: see below).
    const columns = (db.prepare('PRAGMA table_info(messages)').all() as { name: string }[]).map((c) => c.name)
    db.exec('BEGIN')
    if (!columns.includes('file')) db.exec('ALTER TABLE messages ADD COLUMN file TEXT')
    if (!columns.includes('to_id')) db.exec('ALTER TABLE messages ADD COLUMN to_id TEXT')
    if (!columns.includes('mentions')) db.exec('ALTER TABLE messages ADD COLUMN mentions TEXT')
    db.exec(FILE_SCHEMA)
    if (!tables.has('members')) {
      db.exec(MEMBER_SCHEMA)
      db.exec('INSERT OR IGNORE INTO members (id) SELECT DISTINCT from_id FROM messages')
    }
    db.exec('COMMIT')
    return db
  } catch (e) {
    db.close()
    throw e
  }
}
