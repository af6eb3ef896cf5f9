// This device's own copy of what it received in each room (node:sqlite, WAL, `<userData>/history.db`), so a room
// whose host is gone still shows its history and a rejoin resumes where the copy ends. Rows are keyed by room id
// + epoch + seq, so a message seen twice (a resume overlapping live traffic, a scrollback page) is stored once.
// Each room keeps at most `perRoom` messages (the oldest go) and only its current epoch: a new epoch is a new
// log whose seqs start over. Writes are queued and made in one transaction per turn of the event loop. Where each
// room was last reached is kept too, so a room whose host is gone can still be opened from here.
import { renameSync, rmSync } from 'node:fs'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import type { RoomAddress } from '../../shared/discovery.ts'
import { LIMITS } from '../../shared/limits.ts'
import type { ChatMessage } from '../../shared/protocol.ts'

/** A room as this device holds it: the latest messages, ascending, and the resume position they end at. */
export interface RoomCopy {
  epoch: string
  after: number
  messages: ChatMessage[]
}

/** A room as last joined: enough to open it again from this device while its host is gone. */
export interface KnownRoom {
  id: string
  name: string
  passwordRequired: boolean
  address: RoomAddress
}

interface Pending {
  epoch: string
  after: number
  messages: ChatMessage[]
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS rooms (id TEXT PRIMARY KEY, epoch TEXT NOT NULL, after INTEGER NOT NULL, count INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS messages (
    room TEXT NOT NULL, epoch TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (room, epoch, seq)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS places (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, password INTEGER NOT NULL, address TEXT NOT NULL, port INTEGER NOT NULL,
    joined INTEGER NOT NULL) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS places_address ON places (address, port);
`

/** SQLite's "damaged" and "not a database" result codes. */
const UNREADABLE = new Set([11, 26])

/** The history database, ready. A damaged one is moved aside and started afresh: it is only this device's copy. */
function openDatabase(file: string): DatabaseSync {
  try {
    return ready(new DatabaseSync(file))
  } catch (e) {
    if (!UNREADABLE.has((e as { errcode?: number }).errcode ?? 0)) throw e
    const aside = `${file}.damaged-${Date.now()}`
    console.error(`Beacon: ${file} cannot be read (${(e as Error).message}); moved to ${aside}, keeping a new history`)
    renameSync(file, aside)
    for (const part of ['-wal', '-shm']) rmSync(file + part, { force: true })
    return ready(new DatabaseSync(file))
  }
}

function ready(db: DatabaseSync): DatabaseSync {
  try {
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;')
    db.exec(SCHEMA)
    return db
  } catch (e) {
    db.close()
    throw e
  }
}

type PlaceRow = { id: string; name: string; password: number; address: string; port: number }
const HELD = 'SELECT p.id, p.name, p.password, p.address, p.port FROM places p JOIN rooms r ON r.id = p.id WHERE r.count > 0'

export class LocalHistory {
  #db: DatabaseSync
  #perRoom: number
  #pending = new Map<string, Pending>()
  #flushing: NodeJS.Immediate | undefined
  #room: StatementSync
  #saveRoom: StatementSync
  #insert: StatementSync
  #forgetOtherEpochs: StatementSync
  #nthOldest: StatementSync
  #pruneBefore: StatementSync
  #latest: StatementSync
  #remember: StatementSync
  #knownById: StatementSync
  #knownByAddress: StatementSync

  constructor(file: string, opts: { perRoom?: number } = {}) {
    this.#perRoom = opts.perRoom ?? LIMITS.localHistoryPerRoom
    const db = (this.#db = openDatabase(file))
    this.#room = db.prepare('SELECT epoch, after, count FROM rooms WHERE id = ?')
    this.#saveRoom = db.prepare(
      'INSERT INTO rooms (id, epoch, after, count) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET epoch = excluded.epoch, after = excluded.after, count = excluded.count',
    )
    this.#insert = db.prepare('INSERT OR IGNORE INTO messages (room, epoch, seq, body) VALUES (?, ?, ?, ?)')
    this.#forgetOtherEpochs = db.prepare('DELETE FROM messages WHERE room = ? AND epoch != ?')
    this.#nthOldest = db.prepare('SELECT seq FROM messages WHERE room = ? AND epoch = ? ORDER BY seq LIMIT 1 OFFSET ?')
    this.#pruneBefore = db.prepare('DELETE FROM messages WHERE room = ? AND epoch = ? AND seq < ?')
    this.#latest = db.prepare('SELECT body FROM messages WHERE room = ? AND epoch = ? ORDER BY seq DESC LIMIT ?')
    this.#remember = db.prepare(
      'INSERT INTO places (id, name, password, address, port, joined) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, password = excluded.password, address = excluded.address, port = excluded.port, joined = excluded.joined',
    )
    this.#knownById = db.prepare(`${HELD} AND p.id = ?`)
    // The same address may have served other rooms over time: the one joined there last.
    this.#knownByAddress = db.prepare(`${HELD} AND p.address = ? AND p.port = ? ORDER BY p.joined DESC LIMIT 1`)
  }

  /** Where a room is being joined (once per join, not per message). */
  remember(room: KnownRoom): void {
    const { id, name, passwordRequired, address } = room
    this.#remember.run(id, name, passwordRequired ? 1 : 0, address.address, address.port, Date.now())
  }

  /** A room this device holds history for, by its id or by the address it was last joined at. */
  known(by: { id: string } | { address: RoomAddress }): KnownRoom | undefined {
    this.flush()
    const row = ('id' in by ? this.#knownById.get(by.id) : this.#knownByAddress.get(by.address.address, by.address.port)) as
      PlaceRow | undefined
    if (!row) return undefined
    return { id: row.id, name: row.name, passwordRequired: row.password === 1, address: { address: row.address, port: row.port } }
  }

  /** Keep messages of `room` received at `position` (the client's resume point once they arrived). */
  add(room: string, position: { epoch: string; after: number }, messages: readonly ChatMessage[]): void {
    let p = this.#pending.get(room)
    if (p && p.epoch !== position.epoch) {
      this.flush() // the room's log changed under it: what was queued belongs to the old epoch
      p = undefined
    }
    if (!p) this.#pending.set(room, (p = { epoch: position.epoch, after: position.after, messages: [] }))
    p.after = Math.max(p.after, position.after)
    p.messages.push(...messages)
    this.#flushing ??= setImmediate(() => this.flush())
  }

  /** The latest `count` messages held for `room` and where they end; undefined when it holds none. */
  latest(room: string, count: number): RoomCopy | undefined {
    this.flush()
    const r = this.#room.get(room) as { epoch: string; after: number; count: number } | undefined
    if (!r || r.count === 0) return undefined
    const rows = this.#latest.all(room, r.epoch, count) as Array<{ body: string }>
    return { epoch: r.epoch, after: r.after, messages: rows.reverse().map((row) => JSON.parse(row.body) as ChatMessage) }
  }

  /** Write what is queued now (one transaction). A failure is logged and the batch dropped: it is only a copy. */
  flush(): void {
    if (this.#flushing) clearImmediate(this.#flushing)
    this.#flushing = undefined
    if (this.#pending.size === 0) return
    const batch = [...this.#pending]
    this.#pending.clear()
    try {
      this.#db.exec('BEGIN')
      for (const [room, p] of batch) this.#write(room, p)
      this.#db.exec('COMMIT')
    } catch (e) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK')
      console.error('Beacon: could not keep messages in this device’s history:', e)
    }
  }

  close(): void {
    this.flush()
    this.#db.close()
  }

  #write(room: string, p: Pending): void {
    const r = this.#room.get(room) as { epoch: string; after: number; count: number } | undefined
    const same = r?.epoch === p.epoch
    if (r && !same) this.#forgetOtherEpochs.run(room, p.epoch)
    let count = same ? r.count : 0
    for (const m of p.messages) count += Number(this.#insert.run(room, p.epoch, m.seq, JSON.stringify(m)).changes)
    if (count > this.#perRoom) {
      const keepFrom = this.#nthOldest.get(room, p.epoch, count - this.#perRoom) as { seq: number }
      this.#pruneBefore.run(room, p.epoch, keepFrom.seq)
      count = this.#perRoom
    }
    this.#saveRoom.run(room, p.epoch, Math.max(same ? r.after : 0, p.after), count)
  }
}
