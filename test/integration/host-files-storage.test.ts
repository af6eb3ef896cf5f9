// The file store's lifetimes on real SQLite and a real directory: a file lives as long as the newest message
// naming it, a file never sent and an upload never finished expire, and bytes without a row do not linger.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { History } from '../../src/main/server/history.ts'
import { fileLimits } from '../../src/main/server/files/limits.ts'
import { FileStore } from '../../src/main/server/files/store.ts'
import type { ChatMessage } from '../../src/shared/protocol.ts'

const dirs: string[] = []
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

const HOUR = 60 * 60 * 1000

function setup(retention = 5) {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-file-store-'))
  dirs.push(dir)
  const history = new History(dir, { retention })
  const store = new FileStore(dir, history.database, fileLimits({ unsentFileMs: HOUR, uploadExpiryMs: HOUR }))
  history.onPrune = (keepFrom) => store.pruned(keepFrom)
  /** A file stored through an upload, as the tus routes store one. */
  const stored = (now = Date.now()): string => {
    const bytes = randomBytes(100)
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const r = store.create('ann', { name: 'f.bin', mime: 'application/octet-stream', sha256, size: bytes.length }, now)
    assert.ok('upload' in r)
    writeFileSync(store.partialPath(r.upload.id), bytes)
    store.store(r.upload, now)
    return sha256
  }
  let seq = 0
  /** A message, naming `file` when given (as Room.post does: appended, then the file told). */
  const say = (file?: string): void => {
    const m: ChatMessage = { type: 'message', seq: ++seq, id: `m${seq}`, from: { id: 'a', name: 'Ann' }, text: 'x', ts: seq }
    if (file) m.file = { fileId: file, sha256: file, name: 'f.bin', size: 100, mime: 'application/octet-stream' }
    history.append('ann', m)
    if (file) store.sent(file, m.seq)
  }
  return { dir, history, store, stored, say }
}

describe('file lifetimes', () => {
  it('a file named only by messages that left the history goes with them; one named again later stays', () => {
    const { history, store, stored, say } = setup(5)
    const old = stored()
    const again = stored()
    say(old)
    say(again)
    for (let i = 0; i < 1100; i++) say()
    say(again) // named again by a message the history keeps
    history.commit() // past retention + slack: prunes
    assert.ok(history.oldestSeq > 2, `pruned (oldest ${history.oldestSeq})`)
    assert.equal(store.size(old), undefined, 'its row is gone')
    assert.equal(existsSync(store.path(old)), false, 'its bytes are gone')
    assert.equal(store.size(again), 100)
    assert.equal(existsSync(store.path(again)), true)
    history.close()
  })

  it('a file never sent expires after unsentFileMs; a sent one does not', () => {
    const { history, store, stored, say } = setup()
    const now = Date.now()
    const unsent = stored(now - 2 * HOUR)
    const sent = stored(now - 2 * HOUR)
    const recent = stored(now)
    say(sent)
    history.commit()
    store.reap(now, () => false)
    assert.equal(existsSync(store.path(unsent)), false)
    assert.equal(store.size(unsent), undefined)
    assert.equal(existsSync(store.path(sent)), true)
    assert.equal(existsSync(store.path(recent)), true, 'not yet')
    history.close()
  })

  it('an upload untouched past uploadExpiryMs is deleted unless a request is writing it', () => {
    const { history, store } = setup()
    const now = Date.now()
    const decl = { name: 'a', mime: 'text/plain', sha256: 'b'.repeat(64), size: 10 }
    const idle = store.create('ann', decl, now - 2 * HOUR)
    const writing = store.create('ann', decl, now - 2 * HOUR)
    const fresh = store.create('ann', decl, now)
    assert.ok('upload' in idle && 'upload' in writing && 'upload' in fresh)
    const gone = store.reap(now, (id) => id === writing.upload.id)
    assert.deepEqual(gone, [idle.upload.id])
    assert.equal(store.upload(idle.upload.id), undefined)
    assert.equal(existsSync(store.partialPath(idle.upload.id)), false)
    assert.ok(store.upload(writing.upload.id))
    assert.ok(store.upload(fresh.upload.id))
    assert.equal(store.used(), 20, 'the quota counts what is left')
    history.close()
  })

  it('bytes on disk without a row (a crash between the rename and the row) are swept at start', () => {
    const { history, store, stored } = setup()
    const kept = stored()
    const stray = 'c'.repeat(64)
    writeFileSync(store.path(stray), 'orphan')
    writeFileSync(store.partialPath('d'.repeat(32)), 'orphan partial')
    store.reap(Date.now(), () => false, true)
    assert.equal(existsSync(store.path(stray)), false)
    assert.equal(existsSync(store.partialPath('d'.repeat(32))), false)
    assert.equal(existsSync(store.path(kept)), true)
    history.close()
  })
})
