// The desktop app's history store on a real node:sqlite file: each message once, the newest kept up to the
// bound, a room's new epoch replacing its old log, rooms found again by id or address, and a damaged file moved
// aside instead of keeping the app from starting.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { LocalHistory } from '../../src/main/local-history/store.ts'
import type { ChatMessage } from '../../src/shared/protocol.ts'

const dirs: string[] = []
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
function file(): string {
  const d = mkdtempSync(join(tmpdir(), 'beacon-history-store-'))
  dirs.push(d)
  return join(d, 'history.db')
}

const message = (seq: number, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  type: 'message',
  seq,
  id: `m${seq}`,
  from: { id: 'AAAAAAAAAAAA', name: 'Ana' },
  text: `message ${seq}`,
  ts: 1_700_000_000_000 + seq,
  ...extra,
})
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => message(from + i))
const seqs = (copy: { messages: ChatMessage[] } | undefined) => copy?.messages.map((m) => m.seq)

describe("the desktop app's history store", () => {
  it('keeps each message once however often it arrives, and resumes after the last position', () => {
    const f = file()
    const store = new LocalHistory(f)
    store.add('room1', { epoch: 'e1', after: 3 }, range(1, 3))
    store.add('room1', { epoch: 'e1', after: 5 }, range(2, 5)) // a resume overlapping what was held
    store.close()
    const again = new LocalHistory(f)
    const copy = again.latest('room1', 10)
    assert.deepEqual(seqs(copy), [1, 2, 3, 4, 5])
    assert.deepEqual({ epoch: copy?.epoch, after: copy?.after }, { epoch: 'e1', after: 5 })
    assert.deepEqual(seqs(again.latest('room1', 2)), [4, 5], 'the latest page, ascending')
    assert.equal(again.latest('elsewhere', 10), undefined)
    again.close()
  })

  it("keeps a direct message and a file's details (its thumbnail too), not the file", () => {
    const store = new LocalHistory(file())
    const sha = 'f'.repeat(64)
    const file1 = { fileId: sha, sha256: sha, name: 'plan.png', size: 10, mime: 'image/png', thumb: 'data:image/webp;base64,AAAA' }
    const dm = message(1, { to: 'BBBBBBBBBBBB' })
    const withFile = message(2, { file: file1 })
    store.add('room1', { epoch: 'e1', after: 2 }, [dm, withFile])
    assert.deepEqual(store.latest('room1', 10)?.messages, [dm, withFile])
    store.close()
  })

  it('keeps the newest messages of each room up to its bound, oldest pruned first', () => {
    const store = new LocalHistory(file(), { perRoom: 4 })
    store.add('room1', { epoch: 'e1', after: 6 }, range(1, 6))
    store.flush()
    store.add('room1', { epoch: 'e1', after: 7 }, [message(7)])
    store.add('room2', { epoch: 'x', after: 2 }, range(1, 2))
    assert.deepEqual(seqs(store.latest('room1', 10)), [4, 5, 6, 7])
    assert.deepEqual(seqs(store.latest('room2', 10)), [1, 2], 'another room is not pruned by the first')
    store.close()
  })

  it("replaces a room's log when it reports a new epoch: the old seqs do not continue", () => {
    const store = new LocalHistory(file())
    store.add('room1', { epoch: 'old', after: 9 }, range(7, 9))
    store.flush()
    store.add('room1', { epoch: 'new', after: 2 }, range(1, 2))
    const copy = store.latest('room1', 10)
    assert.deepEqual(seqs(copy), [1, 2])
    assert.deepEqual({ epoch: copy?.epoch, after: copy?.after }, { epoch: 'new', after: 2 })
    store.close()
  })

  it('finds a room it holds messages for by id or by the address it was last joined at', () => {
    const store = new LocalHistory(file())
    const lunch = { id: 'room1', name: 'Lunch', passwordRequired: true, address: { address: '127.0.0.1', port: 4100 } }
    store.remember(lunch)
    assert.equal(store.known({ id: 'room1' }), undefined, 'nothing held yet: nothing to show')
    store.add('room1', { epoch: 'e1', after: 1 }, [message(1)])
    assert.deepEqual(store.known({ id: 'room1' }), lunch)
    assert.deepEqual(store.known({ address: { address: '127.0.0.1', port: 4100 } }), lunch)
    assert.equal(store.known({ address: { address: '127.0.0.1', port: 4101 } }), undefined)
    store.close()
  })

  it('moves a damaged history file aside and starts a new one', () => {
    const f = file()
    writeFileSync(f, Buffer.alloc(8192, 0x5a))
    const store = new LocalHistory(f)
    store.add('room1', { epoch: 'e1', after: 1 }, [message(1)])
    assert.deepEqual(seqs(store.latest('room1', 10)), [1])
    store.close()
    const dir = join(f, '..')
    assert.equal(readdirSync(dir).filter((n) => n.startsWith('history.db.damaged-')).length, 1)
    assert.ok(existsSync(f))
  })
})
