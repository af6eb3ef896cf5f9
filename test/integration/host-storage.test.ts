// The room log is the room: a host never runs on a log it cannot trust, never shares it with a second host,
// and a storage failure while chatting refuses the send instead of crashing or acknowledging it.
import assert from 'node:assert/strict'
import {
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { DatabaseSync } from 'node:sqlite'
import { StorageError } from '../../src/main/server/history.ts'
import { RoomServer } from '../../src/main/server/room-server.ts'
import { startHost } from '../helpers/host.ts'
import { Member } from '../helpers/member.ts'
import { RawClient } from '../helpers/raw-client.ts'

const dirs: string[] = []
const freshDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'beacon-storage-'))
  dirs.push(d)
  return d
}
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

const start = (dataDir: string) => RoomServer.start({ name: 'Lunch', hostName: 'test host', listen: '127.0.0.1', port: 0, dataDir })

describe('the room log on disk', () => {
  it('a second host on the same data directory refuses and writes nothing', async () => {
    const dataDir = freshDir()
    const first = await startHost({ dataDir })
    const ann = await Member.join(first.url, 'Ann', 'ann')
    ann.client.send('before the second host')
    await ann.until(() => ann.seen.length === 1, 'stored')
    const files = () => readdirSync(dataDir).map((f) => [f, statSync(join(dataDir, f)).mtimeMs, statSync(join(dataDir, f)).size])
    const before = files()
    await assert.rejects(start(dataDir), (e: unknown) => {
      assert.ok(e instanceof StorageError)
      assert.match(e.message, new RegExp(`pid ${process.pid}`))
      assert.ok(e.message.includes(dataDir), 'names the directory')
      return true
    })
    assert.deepEqual(files(), before, 'nothing written')
    ann.client.send('after the second host')
    await ann.until(() => ann.seen.length === 2, 'the first host still stores')
    ann.leave()
    await first.stop()
    const again = await start(dataDir) // the lock went with the first host
    assert.equal(again.room.seq, 2)
    await again.stop()
  })

  it('a stale lock of a process that is gone is taken over', async () => {
    const dataDir = freshDir()
    writeFileSync(join(dataDir, 'room.lock'), '2147483646\n') // no such pid
    const host = await start(dataDir)
    assert.equal(readFileSync(join(dataDir, 'room.lock'), 'utf8').trim(), String(process.pid))
    await host.stop()
    assert.equal(existsSync(join(dataDir, 'room.lock')), false, 'released on stop')
  })

  it('a corrupt room.db refuses to start naming the file', async () => {
    const dataDir = freshDir()
    const host = await start(dataDir)
    const ann = await Member.join(host.url, 'Ann', 'ann')
    const text = 'x'.repeat(3000)
    for (let i = 0; i < 20; i++) ann.client.send(`${i} ${text}`)
    await ann.until(() => ann.seen.length === 20, 'stored')
    ann.leave()
    await host.stop()
    const file = join(dataDir, 'room.db')
    const size = statSync(file).size
    const fd = openSync(file, 'r+')
    writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, size - 8192) // the tail: the newest messages' pages
    closeSync(fd)
    await assert.rejects(start(dataDir), (e: unknown) => {
      assert.ok(e instanceof StorageError)
      assert.ok(e.message.includes(file), 'names the file')
      assert.match(e.message, /corrupt|cannot be used/)
      assert.match(e.message, /backup|move it away/)
      return true
    })
    assert.equal(existsSync(join(dataDir, 'room.lock')), false, 'a refusal leaves no lock behind')
  })

  it('an empty room.db is not silently a new room', async () => {
    const dataDir = freshDir()
    writeFileSync(join(dataDir, 'room.db'), '')
    await assert.rejects(start(dataDir), (e: unknown) => {
      assert.ok(e instanceof StorageError)
      assert.match(e.message, /room\.db is empty/)
      return true
    })
    assert.equal(statSync(join(dataDir, 'room.db')).size, 0, 'left as it was')
  })

  it('a brand-new directory still makes a new room', async () => {
    const dataDir = join(freshDir(), 'nested', 'room')
    const host = await start(dataDir)
    assert.equal(host.room.seq, 0)
    await host.stop()
  })

  it('a log the host cannot write to refuses the send (storage) instead of acknowledging it, and the host keeps running', async () => {
    const dataDir = freshDir()
    const host = await startHost({ dataDir })
    const ann = await RawClient.join(host.url, 'Ann', 'ann')
    ann.send({ type: 'send', id: 'first', text: 'stored' })
    await ann.until(() => ann.of('ack').length === 1, 'ack')
    // Another connection holds a write lock on the log: the host's commit fails with SQLITE_BUSY.
    const blocker = new DatabaseSync(join(dataDir, 'room.db'))
    blocker.exec('PRAGMA busy_timeout = 0; BEGIN IMMEDIATE')
    ann.send({ type: 'send', id: 'second', text: 'not stored' })
    await ann.until(() => ann.of('error').length === 1, 'refusal')
    assert.deepEqual(ann.of('error')[0], {
      type: 'error',
      code: 'storage',
      message: 'the host could not store it: send it again',
      id: 'second',
    })
    assert.equal(ann.of('ack').length, 1, 'not acknowledged')
    assert.equal(ann.messages.length, 1, 'not broadcast')
    blocker.exec('ROLLBACK')
    blocker.close()
    ann.send({ type: 'send', id: 'second', text: 'not stored' })
    await ann.until(() => ann.of('ack').length === 2, 'the retry is stored')
    assert.deepEqual(ann.of('ack')[1], { type: 'ack', id: 'second', seq: 2 })
    ann.close()
    await host.stop()
  })
})
