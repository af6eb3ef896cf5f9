// Every bad input of issue 14 §5 on the file routes: each is refused with its status, nothing outside files/ is
// ever read or written, and the room keeps chatting afterwards.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { after, before, describe, it } from 'node:test'
import { FILES_PATH, UPLOADS_PATH } from '../../src/shared/files.ts'
import { deriveKey, proofFor } from '../../src/shared/password.ts'
import type { Challenge } from '../../src/shared/protocol.ts'
import {
  createUpload,
  downloadFile,
  eventually,
  fileRef,
  fileRequest,
  metadata,
  patchUpload,
  rawPatch,
  sha256,
  uploadFile,
  uploadOffset,
} from '../helpers/files.ts'
import { startHost } from '../helpers/host.ts'
import { Transfers } from '../../src/main/server/files/throttle.ts'
import { RawClient } from '../helpers/raw-client.ts'
import { waitFor } from '../helpers/wait.ts'

const tokenOf = (c: RawClient): string => c.welcome!.files!.token

/** Two members of a room, and a check that they still chat. */
async function room(opts: Parameters<typeof startHost>[0] = {}) {
  const host = await startHost(opts)
  const ann = await RawClient.join(host.url, 'Ann', 'ann')
  const bob = await RawClient.join(host.url, 'Bob', 'bob')
  let n = 0
  return {
    host,
    port: host.server.port,
    ann,
    bob,
    /** Ann says something and Bob hears it: the host is alive and the room unharmed. */
    async chats(): Promise<void> {
      const id = `still-${++n}`
      ann.send({ type: 'send', id, text: 'still here' })
      await bob.until(() => bob.messages.some((m) => m.id === id), 'the room still chatting')
    },
    async dispose(): Promise<void> {
      ann.close()
      bob.close()
      await host.dispose()
    },
  }
}

describe('file routes refuse what they must', () => {
  let r: Awaited<ReturnType<typeof room>>
  before(async () => (r = await room({ files: { maxFileBytes: 1_000_000, uploadStallMs: 300 } })))
  after(() => r.dispose())

  it('no token, a forged token or a foreign token is 401 on every file route', async () => {
    const bytes = Buffer.from('secret plans')
    const { fileId } = await uploadFile(r.port, tokenOf(r.ann), bytes)
    const other = await startHost()
    const stranger = await RawClient.join(other.url, 'Eve', 'eve')
    const foreign = tokenOf(stranger) // a real token, from another host
    try {
      for (const token of [undefined, 'nonsense', `${r.ann.welcome!.you.id}.AAAA`, foreign]) {
        assert.equal((await downloadFile(r.port, token, fileId)).status, 401, `download with ${token}`)
        assert.equal((await downloadFile(r.port, token, fileId, { method: 'HEAD' })).status, 401)
        const create = await fileRequest(r.port, 'POST', UPLOADS_PATH, {
          ...(token ? { token } : {}),
          headers: {
            'Upload-Length': '3',
            'Upload-Metadata': metadata({ name: 'a', type: 'text/plain', sha256: sha256(Buffer.from('abc')) }),
          },
        })
        assert.equal(create.status, 401)
        assert.equal(create.json?.code, 'not_member')
      }
    } finally {
      stranger.close()
      await other.dispose()
    }
    await r.chats()
  })

  it("another member's upload does not exist for you (404)", async () => {
    const bytes = randomBytes(1000)
    const { location } = await createUpload(r.port, tokenOf(r.ann), bytes)
    const bob = tokenOf(r.bob)
    assert.equal((await fileRequest(r.port, 'HEAD', location!, { token: bob })).status, 404)
    assert.equal((await patchUpload(r.port, bob, location!, 0, bytes)).status, 404)
    assert.equal((await fileRequest(r.port, 'DELETE', location!, { token: bob })).status, 404)
    assert.equal(await uploadOffset(r.port, tokenOf(r.ann), location!), 0, "Ann's upload is untouched")
    assert.equal((await fileRequest(r.port, 'DELETE', location!, { token: tokenOf(r.ann) })).status, 204, 'its owner may cancel it')
    assert.equal((await fileRequest(r.port, 'HEAD', location!, { token: tokenOf(r.ann) })).status, 404)
    await r.chats()
  })

  it('an Upload-Length over the host limit is 413, and no quota is taken', async () => {
    const a = await createUpload(r.port, tokenOf(r.ann), Buffer.alloc(0), { length: 1_000_001, sha256: 'a'.repeat(64) })
    assert.equal(a.status, 413)
    assert.equal(a.json?.code, 'too_large')
    await r.chats()
  })

  it('a body shorter than its Content-Length keeps what arrived; one longer than the upload is 413 and writes nothing past it', async () => {
    const token = tokenOf(r.ann)
    const bytes = randomBytes(100_000)
    const { location } = await createUpload(r.port, token, bytes)
    const short = await rawPatch(r.port, token, location!, { 'Content-Length': String(bytes.length) }, (req) =>
      req.write(bytes.subarray(0, 30_000), () => setTimeout(() => req.destroy(), 50)),
    )
    assert.equal(short, 'closed')
    await eventually(async () => (await uploadOffset(r.port, token, location!)) === 30_000, 'the bytes that arrived kept')
    const long = await patchUpload(r.port, token, location!, 30_000, randomBytes(70_001))
    assert.equal(long.status, 413, 'Content-Length past the upload length')
    // The same without a Content-Length (chunked): refused once the body passes the length.
    const chunked = await rawPatch(r.port, token, location!, { 'Upload-Offset': '30000', 'Transfer-Encoding': 'chunked' }, (req) => {
      req.write(bytes.subarray(30_000, 60_000))
      req.end(randomBytes(50_000))
    })
    assert.equal(chunked, 413)
    // More bytes than the Content-Length on one connection: the rest is not the body (it breaks the connection).
    const junk = await createUpload(r.port, token, bytes)
    await new Promise<void>((resolve) => {
      const s = connect(r.port, '127.0.0.1', () => {
        s.write(
          `PATCH ${junk.location} HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\nAuthorization: Bearer ${token}\r\n` +
            `Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: 1000\r\n\r\n`,
        )
        s.write(randomBytes(256 * 1024))
      })
      s.on('error', () => {})
      s.on('close', () => resolve())
      s.resume()
    })
    const at = await uploadOffset(r.port, token, junk.location!)
    assert.ok(at <= 1000, `nothing past the declared 1,000 bytes (at ${at})`)
    assert.equal((await patchUpload(r.port, token, junk.location!, at, bytes.subarray(at))).status, 204, 'and the upload goes on')
    // The body arrives in chunks of the network's choosing: whatever came before the one passing the length is kept.
    const offset = await uploadOffset(r.port, token, location!)
    assert.ok(offset >= 60_000 && offset < bytes.length, `the chunk passing the length is not written (at ${offset})`)
    const partial = join(r.host.dataDir, 'files', 'partial', location!.split('/').pop()!)
    assert.equal(statSync(partial).size, offset, 'nothing on disk past it either')
    await r.chats()
  })

  it('tus requests without the protocol headers are refused (412, 415, 400); OPTIONS says what the host supports', async () => {
    const token = tokenOf(r.ann)
    const bytes = randomBytes(100)
    const { location } = await createUpload(r.port, token, bytes)
    const noVersion = await fileRequest(r.port, 'HEAD', location!, { token, headers: { 'Tus-Resumable': '0.2.2' } })
    assert.equal(noVersion.status, 412)
    assert.equal(noVersion.headers['tus-version'], '1.0.0')
    assert.equal((await patchUpload(r.port, token, location!, 0, bytes, { 'Content-Type': 'text/plain' })).status, 415)
    assert.equal((await patchUpload(r.port, token, location!, 0, bytes, { 'Upload-Offset': '-1' })).status, 400)
    assert.equal((await createUpload(r.port, token, bytes, { sha256: 'not a hash' })).status, 400)
    const noMeta = await fileRequest(r.port, 'POST', UPLOADS_PATH, { token, headers: { 'Upload-Length': '100' } })
    assert.equal(noMeta.status, 400)
    assert.equal(await uploadOffset(r.port, token, location!), 0, 'nothing written by any of them')
    const options = await fileRequest(r.port, 'OPTIONS', UPLOADS_PATH)
    assert.equal(options.status, 204)
    assert.equal(options.headers['tus-version'], '1.0.0')
    assert.equal(options.headers['tus-extension'], 'creation,termination,expiration')
    assert.equal(options.headers['tus-max-size'], '1000000')
    await r.chats()
  })

  it('a wrong Upload-Offset is 409 and writes nothing', async () => {
    const token = tokenOf(r.ann)
    const bytes = randomBytes(2000)
    const { location } = await createUpload(r.port, token, bytes)
    const ahead = await patchUpload(r.port, token, location!, 5, bytes.subarray(5))
    assert.equal(ahead.status, 409)
    assert.equal(ahead.json?.code, 'wrong_offset')
    assert.equal((await patchUpload(r.port, token, location!, 0, bytes.subarray(0, 1000))).status, 204)
    assert.equal((await patchUpload(r.port, token, location!, 500, bytes.subarray(500))).status, 409, 'behind where the host is')
    assert.equal(await uploadOffset(r.port, token, location!), 1000)
    assert.equal((await patchUpload(r.port, token, location!, 1000, bytes.subarray(1000))).status, 204)
    await r.chats()
  })

  it('bytes that do not hash to the declared SHA-256 are 460 and nothing is stored', async () => {
    const token = tokenOf(r.ann)
    const declared = randomBytes(5000)
    const sent = Buffer.from(declared)
    sent[4999]! ^= 1
    const { location } = await createUpload(r.port, token, declared)
    const a = await patchUpload(r.port, token, location!, 0, sent)
    assert.equal(a.status, 460)
    assert.equal(a.json?.code, 'checksum_mismatch')
    assert.equal((await fileRequest(r.port, 'HEAD', location!, { token })).status, 404, 'the upload is gone')
    assert.equal(existsSync(join(r.host.dataDir, 'files', sha256(declared))), false)
    assert.equal(existsSync(join(r.host.dataDir, 'files', sha256(sent))), false)
    assert.equal((await downloadFile(r.port, token, sha256(declared), { method: 'HEAD' })).status, 404)
    await r.chats()
  })

  it('names with paths, direction overrides, NUL or reserved words are stored cleaned and never become paths', async () => {
    const token = tokenOf(r.ann)
    const names: Array<[string, string]> = [
      ['../../etc/passwd', '.._.._etc_passwd'],
      ['a/b', 'a_b'],
      ['a\\b', 'a_b'],
      ['photo\u202egpj.exe', 'photogpj.exe'],
      ['nul\0byte', 'nul byte'],
      ['CON', 'CON'],
    ]
    for (const [raw, clean] of names) {
      const bytes = randomBytes(64)
      const { status, location } = await createUpload(r.port, token, bytes, { name: raw })
      assert.equal(status, 201, raw)
      const db = new DatabaseSync(join(r.host.dataDir, 'room.db'), { readOnly: true })
      const row = db.prepare('SELECT name FROM uploads WHERE id = ?').get(location!.split('/').pop()!) as { name: string }
      db.close()
      assert.equal(row.name, clean, JSON.stringify(raw))
      assert.equal((await patchUpload(r.port, token, location!, 0, bytes)).status, 204)
      const got = await downloadFile(r.port, token, sha256(bytes), { query: { name: raw } })
      assert.equal(got.status, 200)
      const cd = String(got.headers['content-disposition'])
      assert.ok(!cd.includes('/') && !cd.includes('\\') && !cd.includes('\0') && !cd.includes('\u202e'), cd)
    }
    assert.equal((await createUpload(r.port, token, Buffer.from('x'), { name: '\u202e' })).status, 400, 'nothing visible left')
    assert.deepEqual(
      readdirSync(join(r.host.dataDir, 'files')).filter((f) => f !== 'partial' && !/^[0-9a-f]{64}$/.test(f)),
      [],
      'only content addresses in files/',
    )
    await r.chats()
  })

  it('ids that are not content addresses are 404, never a file outside files/', async () => {
    const token = tokenOf(r.ann)
    const { fileId } = await uploadFile(r.port, token, Buffer.from('inside'))
    const paths = [
      `${FILES_PATH}/..%2F..%2Froom.db`,
      `${FILES_PATH}/..%2froom.db`,
      `${FILES_PATH}/%2e%2e/room.db`,
      `${FILES_PATH}/partial`,
      `${FILES_PATH}/${fileId.slice(1)}`,
      `${FILES_PATH}/${fileId.toUpperCase()}`,
      `${FILES_PATH}/${fileId}/x`,
      `${FILES_PATH}/${'0'.repeat(64)}`,
      `${UPLOADS_PATH}/..%2F..%2Froom.db`,
      `${UPLOADS_PATH}/${'0'.repeat(32)}`,
    ]
    for (const path of paths) {
      for (const method of ['GET', 'HEAD']) {
        const a = await fileRequest(r.port, method, `${path}?t=${encodeURIComponent(token)}`, { headers: { 'Tus-Resumable': '1.0.0' } })
        assert.ok(a.status === 404 || a.status === 400, `${method} ${path}: ${a.status}`)
        assert.ok(!a.body.includes('SQLite format'), `${path} never serves the room log`)
      }
    }
    // A raw request line with dot segments (no URL normalisation by a client): still nothing outside.
    const raw = await new Promise<string>((resolve) => {
      const s = connect(r.port, '127.0.0.1', () =>
        s.write(`GET ${FILES_PATH}/../../room.db?t=${encodeURIComponent(token)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
      )
      let got = ''
      s.on('data', (d) => (got += d.toString('latin1')))
      s.on('close', () => resolve(got))
    })
    assert.match(raw, /^HTTP\/1.1 404/)
    assert.ok(!raw.includes('SQLite format'))
    await r.chats()
  })

  it('an upload that stops delivering bytes is cut, keeping what arrived', async () => {
    const token = tokenOf(r.ann)
    const bytes = randomBytes(50_000)
    const { location } = await createUpload(r.port, token, bytes)
    const result = await rawPatch(r.port, token, location!, { 'Content-Length': String(bytes.length) }, (req) =>
      req.write(bytes.subarray(0, 10_000)),
    ) // and then nothing: the host cuts it after uploadStallMs
    assert.equal(result, 'closed')
    assert.equal(await uploadOffset(r.port, token, location!), 10_000)
    assert.equal((await patchUpload(r.port, token, location!, 10_000, bytes.subarray(10_000))).status, 204, 'and it resumes')
    await r.chats()
  })

  it('a message naming a file the host does not hold is refused file_not_found, and not stored', async () => {
    const bytes = randomBytes(100)
    r.ann.send({ type: 'send', id: 'ghost', text: 'look', file: fileRef(bytes) })
    await r.ann.until(() => r.ann.of('error').some((e) => e.id === 'ghost'), 'the refusal')
    assert.equal(r.ann.of('error').find((e) => e.id === 'ghost')!.code, 'file_not_found')
    // Stored with another size, or with a fileId that is not its hash: refused too.
    const stored = await uploadFile(r.port, tokenOf(r.ann), bytes)
    r.ann.send({ type: 'send', id: 'liar', file: { ...stored, size: stored.size + 1 } })
    await r.ann.until(() => r.ann.of('error').some((e) => e.id === 'liar'), 'the size refusal')
    await r.chats()
    assert.ok(!r.bob.messages.some((m) => m.id === 'ghost' || m.id === 'liar'), 'never broadcast')
    assert.ok(!r.ann.of('ack').some((a) => a.id === 'ghost' || a.id === 'liar'), 'never acknowledged')
  })

  it('a request from a page of another origin is 403', async () => {
    const a = await downloadFile(r.port, tokenOf(r.ann), 'a'.repeat(64), { headers: { Origin: 'http://evil.example' } })
    assert.equal(a.status, 403)
    await r.chats()
  })
})

describe('password rooms', () => {
  it('give no token before the challenge is answered, and one after', async () => {
    const host = await startHost({ password: 'open sesame' })
    try {
      const c = await RawClient.join(host.url, 'Ann', 'ann')
      const ch = c.of('challenge')[0] as Challenge
      assert.ok(ch, 'challenged')
      assert.equal(c.welcome, undefined)
      const guess = `${host.server.room.memberId('ann')}.${createHash('sha256').update('guess').digest('base64url')}`
      assert.equal((await downloadFile(host.server.port, guess, 'a'.repeat(64))).status, 401)
      c.send({
        type: 'auth',
        proof: await proofFor(await deriveKey('open sesame', Buffer.from(ch.salt, 'base64'), ch.iterations), ch.nonce),
      })
      await c.until(() => c.welcome !== undefined, 'welcome')
      assert.equal((await downloadFile(host.server.port, tokenOf(c), 'a'.repeat(64))).status, 404, 'a member now: only the file is missing')
      c.close()
    } finally {
      await host.dispose()
    }
  })
})

describe('file tokens', () => {
  it('work a little while after the member left, then no more', async () => {
    const host = await startHost({ files: { fileTokenGraceMs: 1000 } })
    try {
      const ann = await RawClient.join(host.url, 'Ann', 'ann')
      const token = tokenOf(ann)
      const { fileId } = await uploadFile(host.server.port, token, Buffer.from('kept'))
      ann.close()
      await waitFor(() => host.server.room.memberCount === 0, 'Ann gone')
      assert.equal((await downloadFile(host.server.port, token, fileId)).status, 200, 'within the grace period')
      await eventually(async () => (await downloadFile(host.server.port, token, fileId)).status === 401, 'the token expires')
    } finally {
      await host.dispose()
    }
  })
})

describe('room quota and expiry', () => {
  it('an upload that does not fit the room is refused 507 with how much is used', async () => {
    const r = await room({ files: { maxRoomBytes: 1000 } })
    try {
      await uploadFile(r.port, tokenOf(r.ann), randomBytes(600))
      const open = await createUpload(r.port, tokenOf(r.bob), randomBytes(300))
      assert.equal(open.status, 201, 'fits')
      const a = await createUpload(r.port, tokenOf(r.bob), randomBytes(101))
      assert.equal(a.status, 507)
      assert.equal(a.json?.code, 'quota_full')
      assert.match(a.json!.message, /file storage is full \(900 bytes of 1000 bytes used\)/)
      assert.equal((await fileRequest(r.port, 'DELETE', open.location!, { token: tokenOf(r.bob) })).status, 204)
      assert.equal((await createUpload(r.port, tokenOf(r.bob), randomBytes(101))).status, 201, 'a cancelled upload gives its room back')
      await r.chats()
    } finally {
      await r.dispose()
    }
  })

  it('an upload left untouched past its expiry is deleted', async () => {
    const r = await room({ files: { uploadExpiryMs: 200 } })
    try {
      const token = tokenOf(r.ann)
      const bytes = randomBytes(1000)
      const { location } = await createUpload(r.port, token, bytes)
      assert.equal((await patchUpload(r.port, token, location!, 0, bytes.subarray(0, 500))).status, 204)
      const partial = join(r.host.dataDir, 'files', 'partial', location!.split('/').pop()!)
      assert.ok(existsSync(partial))
      await eventually(async () => (await fileRequest(r.port, 'HEAD', location!, { token })).status === 404, 'the reaper', 10_000)
      assert.equal(existsSync(partial), false, 'its bytes are gone')
      await r.chats()
    } finally {
      await r.dispose()
    }
  })
})

describe('per-member limits', () => {
  it("a member's transfer rate is one budget per direction, shared by its transfers and not by others", async () => {
    const rate = 1024 * 1024
    const t = new Transfers(rate)
    assert.equal(t.of('ann').down.take(rate), undefined, "a second's worth goes at once")
    const waits = t.of('ann').down.take(64 * 1024)
    assert.ok(waits instanceof Promise, 'more than that waits, whichever download of hers asks')
    assert.equal(t.of('ann').up.take(rate), undefined, 'uploads have their own budget')
    assert.equal(t.of('bob').down.take(rate), undefined, 'another member has his own')
    await waits
    assert.equal(new Transfers(0).of('ann').down.take(10 * rate), undefined, 'rate 0: no cap')
  })

  it('a member runs at most LIMITS.uploadsPerMember uploads and openUploadsPerMember unfinished ones at once (503 busy)', async () => {
    const r = await room({ files: { uploadsPerMember: 2, openUploadsPerMember: 3 } })
    const open: Array<ReturnType<typeof request>> = []
    try {
      const token = tokenOf(r.ann)
      const bytes = randomBytes(10_000)
      const locations: string[] = []
      for (let i = 0; i < 3; i++) locations.push((await createUpload(r.port, token, bytes)).location!)
      const fourth = await createUpload(r.port, token, bytes)
      assert.equal(fourth.status, 503)
      assert.equal(fourth.json?.code, 'busy')
      assert.equal((await createUpload(r.port, tokenOf(r.bob), bytes)).status, 201, 'another member is not held back')
      // Two uploads writing (bodies started, not finished), then a third at once.
      for (const location of locations.slice(0, 2))
        void rawPatch(r.port, token, location, { 'Content-Length': String(bytes.length) }, (req) => {
          open.push(req)
          req.write(bytes.subarray(0, 100))
        })
      await eventually(async () => (await uploadOffset(r.port, token, locations[1]!)) === 100, 'both writing')
      await eventually(async () => (await uploadOffset(r.port, token, locations[0]!)) === 100, 'both writing')
      const third = await patchUpload(r.port, token, locations[2]!, 0, bytes)
      assert.equal(third.status, 503)
      assert.equal(third.json?.code, 'busy')
      const bobs = await uploadFile(r.port, tokenOf(r.bob), randomBytes(500))
      assert.ok(bobs, "Bob's upload goes through meanwhile")
      for (const req of open) req.destroy()
      await eventually(async () => (await patchUpload(r.port, token, locations[2]!, 0, bytes)).status === 204, 'a slot is free again')
      await r.chats()
    } finally {
      for (const req of open) req.destroy()
      await r.dispose()
    }
  })

  it('a member runs at most downloadsPerMember downloads at once (503 busy)', async () => {
    const r = await room({ files: { downloadsPerMember: 2 } })
    const open: Array<ReturnType<typeof request>> = []
    try {
      const token = tokenOf(r.ann)
      // Bigger than the socket buffers, and never read: the downloads stay open while the test asks for one more.
      const { fileId } = await uploadFile(r.port, token, randomBytes(32 * 1024 * 1024))
      for (let i = 0; i < 2; i++) {
        await new Promise<void>((resolve) => {
          const req = request({
            host: '127.0.0.1',
            port: r.port,
            path: `${FILES_PATH}/${fileId}?t=${encodeURIComponent(token)}`,
            agent: false,
          })
          req.on('response', (res) => {
            res.pause()
            resolve()
          })
          req.on('error', () => {})
          req.end()
          open.push(req)
        })
      }
      const third = await downloadFile(r.port, token, fileId)
      assert.equal(third.status, 503)
      assert.equal(third.json?.code, 'busy')
      assert.equal(
        (await downloadFile(r.port, tokenOf(r.bob), fileId, { headers: { Range: 'bytes=0-99' } })).status,
        206,
        'Bob is not held back',
      )
      for (const req of open) req.destroy()
      await eventually(
        async () => (await downloadFile(r.port, token, fileId, { headers: { Range: 'bytes=0-9' } })).status === 206,
        'free again',
      )
      await r.chats()
    } finally {
      for (const req of open) req.destroy()
      await r.dispose()
    }
  })
})
