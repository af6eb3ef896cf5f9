import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { DatabaseSync } from 'node:sqlite'
import { History } from '../../src/main/server/history.ts'
import { LIMITS, type ChatMessage } from '../../src/shared/protocol.ts'

describe('History', () => {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-history-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const msg = (seq: number): ChatMessage => ({
    type: 'message',
    seq,
    id: `m${seq}`,
    from: { id: 'a', name: 'Ann' },
    text: `t${seq}`,
    ts: seq,
  })

  it('keeps at least the retention, resumes exactly within it, and refuses to pretend beyond it', () => {
    const h = new History(dir)
    const total = LIMITS.retention + 2500
    for (let seq = 1; seq <= total; seq++) {
      h.append('ann', msg(seq))
      if (seq % 500 === 0) h.commit()
    }
    h.commit()
    const keptFrom = total - LIMITS.retention + 1
    assert.equal(h.canResume(keptFrom - 1), true, 'the whole retention can be replayed')
    assert.equal(h.after(keptFrom - 1).length, LIMITS.retention)
    assert.equal(h.canResume(0), false, 'older positions get a fresh welcome, not a partial replay')
    assert.equal(h.canResume(total + 1), false, 'a position from the future (another room epoch) is refused')
    assert.deepEqual(
      h.latest(3).map((m) => m.seq),
      [total - 2, total - 1, total],
    )
    assert.equal(h.find('ann', `m${total}`), total)
    assert.equal(h.find('bob', `m${total}`), undefined, 'ids are per client')
    h.close()
  })

  it('keeps the room id, epoch and seq across a reopen', () => {
    const a = new History(dir)
    const { id, epoch, lastSeq } = a
    a.close()
    const b = new History(dir)
    assert.deepEqual([b.id, b.epoch, b.lastSeq], [id, epoch, lastSeq])
    b.close()
  })
})

describe('History with files', () => {
  const dirs: string[] = []
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), 'beacon-history-files-'))
    dirs.push(d)
    return d
  }
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
  const file = {
    fileId: 'a'.repeat(64),
    sha256: 'a'.repeat(64),
    name: 'plan.png',
    size: 48213,
    mime: 'image/png',
    width: 1600,
    height: 900,
    thumb: 'data:image/webp;base64,AAAA',
  }

  it('a message with a file comes back with it, and one without has none', () => {
    const dir = fresh()
    const h = new History(dir)
    h.append('ann', { type: 'message', seq: 1, id: 'f', from: { id: 'a', name: 'Ann' }, text: '', ts: 1, file })
    h.append('ann', { type: 'message', seq: 2, id: 't', from: { id: 'a', name: 'Ann' }, text: 'hi', ts: 2 })
    h.commit()
    h.close()
    const again = new History(dir)
    const [withFile, plain] = again.after(0)
    assert.deepEqual(withFile!.file, file)
    assert.equal(withFile!.text, '')
    assert.equal('file' in plain!, false)
    assert.deepEqual(again.latest(1)[0], plain)
    again.close()
  })

  it('a room log from before files opens, keeps its messages and takes file messages', () => {
    const dir = fresh()
    const db = new DatabaseSync(join(dir, 'room.db'))
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE messages (
        seq INTEGER PRIMARY KEY, client TEXT NOT NULL, cid TEXT NOT NULL,
        from_id TEXT NOT NULL, from_name TEXT NOT NULL, text TEXT NOT NULL, ts INTEGER NOT NULL,
        UNIQUE (client, cid));
      INSERT INTO meta VALUES ('id', 'old-room'), ('epoch', 'e1');
      INSERT INTO messages VALUES (1, 'ann', 'm1', 'a', 'Ann', 'from before files', 1);
    `)
    db.close()
    const h = new History(dir)
    assert.equal(h.id, 'old-room')
    assert.equal(h.after(0)[0]!.text, 'from before files')
    h.append('ann', { type: 'message', seq: 2, id: 'f', from: { id: 'a', name: 'Ann' }, text: 'caption', ts: 2, file })
    h.commit()
    assert.deepEqual(h.after(1)[0]!.file, file)
    const tables = (h.database.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
      (r) => r.name,
    )
    assert.ok(tables.includes('files') && tables.includes('uploads'), tables.join())
    h.close()
  })
})
