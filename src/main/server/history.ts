// The room log on node:sqlite (WAL): the source of truth for the room's identity, seq, dedupe and resume.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { LIMITS, type ChatMessage } from '../../shared/protocol.ts'

type Row = { seq: number; cid: string; from_id: string; from_name: string; text: string; ts: number }

const toMessage = (r: Row): ChatMessage => ({
  type: 'message',
  seq: r.seq,
  id: r.cid,
  from: { id: r.from_id, name: r.from_name },
  text: r.text,
  ts: r.ts,
})

/** Prune once the log holds this many messages beyond the retention. */
const PRUNE_SLACK = 1000

export class History {
  readonly id: string
  readonly epoch: string
  #db: DatabaseSync
  #inTxn = false
  #lastSeq: number
  #oldestSeq: number
  #insert: StatementSync
  #find: StatementSync
  #after: StatementSync
  #latest: StatementSync

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true })
    this.#db = new DatabaseSync(join(dir, 'room.db'))
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS messages (
        seq INTEGER PRIMARY KEY, client TEXT NOT NULL, cid TEXT NOT NULL,
        from_id TEXT NOT NULL, from_name TEXT NOT NULL, text TEXT NOT NULL, ts INTEGER NOT NULL,
        UNIQUE (client, cid));
    `)
    this.id = this.#meta('id', () => randomUUID())
    this.epoch = this.#meta('epoch', () => randomUUID().slice(0, 8))
    const bounds = this.#db.prepare('SELECT MIN(seq) AS lo, MAX(seq) AS hi FROM messages').get() as { lo: number | null; hi: number | null }
    this.#lastSeq = bounds.hi ?? 0
    this.#oldestSeq = bounds.lo ?? 1
    this.#insert = this.#db.prepare('INSERT INTO messages (seq, client, cid, from_id, from_name, text, ts) VALUES (?, ?, ?, ?, ?, ?, ?)')
    this.#find = this.#db.prepare('SELECT seq FROM messages WHERE client = ? AND cid = ?')
    this.#after = this.#db.prepare('SELECT * FROM messages WHERE seq > ? ORDER BY seq LIMIT ?')
    this.#latest = this.#db.prepare('SELECT * FROM (SELECT * FROM messages ORDER BY seq DESC LIMIT ?) ORDER BY seq')
  }

  #meta(key: string, make: () => string): string {
    const row = this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined
    if (row) return row.value
    const value = make()
    this.#db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(key, value)
    return value
  }

  get lastSeq(): number {
    return this.#lastSeq
  }

  /** The seq a `(client, id)` was stored under, if it was. */
  find(client: string, id: string): number | undefined {
    const row = this.#find.get(client, id) as { seq: number } | undefined
    return row?.seq
  }

  /** Append inside the turn's transaction; `commit()` makes it durable before anyone is told. */
  append(client: string, m: ChatMessage): void {
    if (!this.#inTxn) {
      this.#db.exec('BEGIN')
      this.#inTxn = true
    }
    this.#insert.run(m.seq, client, m.id, m.from.id, m.from.name, m.text, m.ts)
    this.#lastSeq = m.seq
  }

  commit(): void {
    if (!this.#inTxn) return
    this.#db.exec('COMMIT')
    this.#inTxn = false
    if (this.#lastSeq - this.#oldestSeq >= LIMITS.retention + PRUNE_SLACK) this.#prune()
  }

  #prune(): void {
    const keepFrom = this.#lastSeq - LIMITS.retention + 1
    this.#db.prepare('DELETE FROM messages WHERE seq < ?').run(keepFrom)
    this.#oldestSeq = keepFrom
  }

  /** Whether every message after `after` is still kept, so a resume can be exact. */
  canResume(after: number): boolean {
    return after <= this.#lastSeq && after >= this.#oldestSeq - 1
  }

  after(seq: number, limit = LIMITS.retention + PRUNE_SLACK): ChatMessage[] {
    return (this.#after.all(seq, limit) as Row[]).map(toMessage)
  }

  latest(n: number): ChatMessage[] {
    return (this.#latest.all(n) as Row[]).map(toMessage)
  }

  close(): void {
    this.commit()
    this.#db.close()
  }
}
