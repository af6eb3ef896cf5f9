// Files in a room (docs/PROTOCOL-FILES.md): a member uploads over tus, names the file in a message, and another
// member sees the message and downloads the very same bytes; cut uploads resume, the same bytes are stored once,
// downloads resume with Range.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { spawnSync } from 'node:child_process'
import { UPLOADS_PATH } from '../../src/shared/files.ts'
import * as tus from 'tus-js-client'
import {
  fileRequest,
  createUpload,
  downloadFile,
  fileRef,
  patchUpload,
  rawPatch,
  sha256,
  uploadFile,
  uploadOffset,
} from '../helpers/files.ts'
import { roomDirWith, startHost, type TestHost } from '../helpers/host.ts'
import { spawnHost } from '../helpers/host-process.ts'
import { formatBytes, parseByteSize } from '../../src/main/server/files/byte-size.ts'
import { RawClient } from '../helpers/raw-client.ts'

const tokenOf = (c: RawClient): string => {
  const files = c.welcome?.files
  assert.ok(files, 'the welcome carries the file token')
  return files.token
}

describe('files in a room', () => {
  let host: TestHost
  let port: number
  let ann: RawClient
  let bob: RawClient
  before(async () => {
    host = await startHost()
    port = host.server.port
    ann = await RawClient.join(host.url, 'Ann', 'ann')
    bob = await RawClient.join(host.url, 'Bob', 'bob')
  })
  after(async () => {
    ann.close()
    bob.close()
    await host.dispose()
  })

  it('a file sent by one member reaches another with the same bytes', async () => {
    const bytes = randomBytes(300_000)
    const ref = await uploadFile(port, tokenOf(ann), bytes, 'plan.png', 'image/png')
    ann.send({ type: 'send', id: 'f1', text: 'the floor plan', file: ref })
    await bob.until(() => bob.messages.some((m) => m.id === 'f1'), 'the file message')
    const m = bob.messages.find((x) => x.id === 'f1')!
    assert.equal(m.text, 'the floor plan')
    assert.deepEqual(m.file, ref)
    const got = await downloadFile(port, tokenOf(bob), m.file!.fileId, { query: { name: m.file!.name } })
    assert.equal(got.status, 200)
    assert.equal(sha256(got.body), ref.sha256, 'the same bytes')
    assert.equal(got.headers['content-type'], 'application/octet-stream')
    assert.match(String(got.headers['content-disposition']), /^attachment; filename="plan.png"; filename\*=UTF-8''plan.png$/)
    assert.equal(got.headers['x-content-type-options'], 'nosniff')
    assert.equal(got.headers['content-security-policy'], "default-src 'none'; sandbox")
    assert.equal(got.headers['cross-origin-resource-policy'], 'same-origin')
    const inline = await downloadFile(port, tokenOf(bob), ref.fileId, { method: 'HEAD', query: { inline: '1', type: 'image/png' } })
    assert.equal(inline.headers['content-type'], 'image/png')
    assert.match(String(inline.headers['content-disposition']), /^inline;/)
    const svg = await downloadFile(port, tokenOf(bob), ref.fileId, { method: 'HEAD', query: { inline: '1', type: 'image/svg+xml' } })
    assert.equal(svg.headers['content-type'], 'application/octet-stream', 'never SVG inline')
    assert.match(String(svg.headers['content-disposition']), /^attachment;/)
  })

  it('a caption-less file message has empty text, and comes back in a later welcome', async () => {
    const ref = await uploadFile(port, tokenOf(ann), Buffer.from('no caption'))
    ann.send({ type: 'send', id: 'f2', file: ref })
    await ann.until(() => ann.of('ack').some((a) => a.id === 'f2'), 'ack')
    const carl = await RawClient.join(host.url, 'Carl', 'carl')
    const m = carl.welcome!.history.find((x) => x.id === 'f2')
    assert.equal(m?.text, '')
    assert.deepEqual(m?.file, ref)
    carl.close()
  })

  it('an upload cut halfway resumes where the host is and completes, sending little twice', async () => {
    const token = tokenOf(ann)
    const bytes = randomBytes(4 * 1024 * 1024)
    const created = await createUpload(port, token, bytes, { name: 'video.mp4', type: 'video/mp4' })
    assert.equal(created.status, 201)
    const location = created.location!
    assert.match(location, new RegExp(`^${UPLOADS_PATH}/[0-9a-f]{32}$`))
    let sent = 0
    // Send half the body, then cut the connection.
    await rawPatch(port, token, location, { 'Content-Length': String(bytes.length) }, (req) => {
      const half = bytes.subarray(0, bytes.length / 2)
      sent += half.length
      req.write(half, () => setTimeout(() => req.destroy(), 100))
    })
    const offset = await waitForOffset(port, token, location, (o) => o > 0)
    assert.ok(offset > 0 && offset < bytes.length, `kept what arrived (${offset} of ${bytes.length})`)
    const rest = bytes.subarray(offset)
    sent += rest.length
    const done = await patchUpload(port, token, location, offset, rest)
    assert.equal(done.status, 204)
    assert.equal(Number(done.headers['upload-offset']), bytes.length)
    assert.ok(sent < 1.5 * bytes.length, `sent ${sent} bytes for ${bytes.length}`)
    const got = await downloadFile(port, token, sha256(bytes))
    assert.equal(sha256(got.body), sha256(bytes))
    assert.equal((await fileRequest(port, 'HEAD', location, { token })).status, 404, 'a finished upload is gone')
  })

  it('the same bytes uploaded twice are stored once, and the host says it has them before any upload', async () => {
    const token = tokenOf(bob)
    const bytes = randomBytes(10_000)
    const id = sha256(bytes)
    assert.equal((await downloadFile(port, token, id, { method: 'HEAD' })).status, 404)
    await uploadFile(port, token, bytes, 'a.bin', 'application/octet-stream')
    assert.equal((await downloadFile(port, token, id, { method: 'HEAD' })).status, 200, 'HEAD answers 200 once stored')
    await uploadFile(port, tokenOf(ann), bytes, 'b.bin', 'application/octet-stream')
    const stored = readdirSync(join(host.dataDir, 'files')).filter((f) => f === id)
    assert.equal(stored.length, 1)
    assert.deepEqual(readdirSync(join(host.dataDir, 'files', 'partial')), [], 'no partial left behind')
  })

  it('downloads resume with Range, honour If-Range, and refuse ranges past the end', async () => {
    const token = tokenOf(bob)
    const bytes = randomBytes(50_000)
    const { fileId } = await uploadFile(port, token, bytes)
    const part = await downloadFile(port, token, fileId, { headers: { Range: 'bytes=1000-1999' } })
    assert.equal(part.status, 206)
    assert.equal(part.headers['content-range'], `bytes 1000-1999/${bytes.length}`)
    assert.deepEqual(part.body, bytes.subarray(1000, 2000))
    const tail = await downloadFile(port, token, fileId, { headers: { Range: 'bytes=-100' } })
    assert.deepEqual(tail.body, bytes.subarray(bytes.length - 100))
    const open = await downloadFile(port, token, fileId, { headers: { Range: 'bytes=49000-', 'If-Range': `"${fileId}"` } })
    assert.equal(open.status, 206)
    assert.deepEqual(open.body, bytes.subarray(49000))
    const changed = await downloadFile(port, token, fileId, { headers: { Range: 'bytes=49000-', 'If-Range': '"something-else"' } })
    assert.equal(changed.status, 200, 'an If-Range that does not match sends the whole file')
    assert.equal(changed.body.length, bytes.length)
    const beyond = await downloadFile(port, token, fileId, { headers: { Range: `bytes=${bytes.length}-` } })
    assert.equal(beyond.status, 416)
    assert.equal(beyond.headers['content-range'], `bytes */${bytes.length}`)
  })
})

describe('uploads across a host restart and with a stock tus client', () => {
  it('an upload half done before the host restarted resumes and is verified', async () => {
    const first = await startHost()
    const ann = await RawClient.join(first.url, 'Ann', 'ann')
    const bytes = randomBytes(1024 * 1024)
    const created = await createUpload(first.server.port, tokenOf(ann), bytes)
    assert.equal((await patchUpload(first.server.port, tokenOf(ann), created.location!, 0, bytes.subarray(0, 400_000))).status, 204)
    ann.close()
    await first.stop()
    const again = await startHost({ dataDir: first.dataDir })
    try {
      const back = await RawClient.join(again.url, 'Ann', 'ann') // the same member, a new token from the new process
      const port = again.server.port
      assert.equal(await uploadOffset(port, tokenOf(back), created.location!), 400_000, 'the partial bytes survived')
      const done = await patchUpload(port, tokenOf(back), created.location!, 400_000, bytes.subarray(400_000))
      assert.equal(done.status, 204, 'the bytes from before the restart were hashed again')
      assert.equal(sha256((await downloadFile(port, tokenOf(back), sha256(bytes))).body), sha256(bytes))
      back.close()
    } finally {
      await again.dispose()
    }
  })

  it('a file goes when the last message naming it leaves the history, and is 404 from then on', async () => {
    const { dir } = roomDirWith(1000) // a log about to prune, with a retention of 5
    const host = await startHost({ dataDir: dir, retention: 5 })
    const ann = await RawClient.join(host.url, 'Ann', 'ann')
    try {
      const port = host.server.port
      const ref = await uploadFile(port, tokenOf(ann), randomBytes(1000))
      ann.send({ type: 'send', id: 'file', file: ref })
      for (let i = 0; i < 5; i++) ann.send({ type: 'send', id: `after${i}`, text: 'newer' })
      await ann.until(() => ann.of('ack').some((a) => a.id === 'after4'), 'stored')
      assert.equal((await downloadFile(port, tokenOf(ann), ref.fileId, { method: 'HEAD' })).status, 404)
      assert.equal(readdirSync(join(dir, 'files')).includes(ref.fileId), false, 'its bytes are gone')
      ann.send({ type: 'send', id: 'again', file: ref })
      await ann.until(() => ann.of('error').some((e) => e.id === 'again'), 'refused')
      assert.equal(ann.of('error').find((e) => e.id === 'again')!.code, 'file_not_found')
    } finally {
      ann.close()
      await host.dispose()
    }
  })

  it('tus-js-client uploads in several PATCHes, with progress, and the file can be sent', async () => {
    const host = await startHost()
    const ann = await RawClient.join(host.url, 'Ann', 'ann')
    try {
      const bytes = randomBytes(700_000)
      const progress: number[] = []
      await new Promise<void>((resolve, reject) => {
        const upload = new tus.Upload(bytes, {
          endpoint: `http://127.0.0.1:${host.server.port}${UPLOADS_PATH}`,
          headers: { Authorization: `Bearer ${tokenOf(ann)}` },
          metadata: { filename: 'clip.webm', filetype: 'video/webm', sha256: sha256(bytes) },
          chunkSize: 256 * 1024,
          retryDelays: [],
          onProgress: (sent) => progress.push(sent),
          onSuccess: () => resolve(),
          onError: reject,
        })
        upload.start()
      })
      assert.ok(progress.length >= 3, 'progress in steps')
      assert.equal(progress.at(-1), bytes.length)
      ann.send({ type: 'send', id: 'clip', file: fileRef(bytes, 'clip.webm', 'video/webm') })
      await ann.until(() => ann.of('ack').some((a) => a.id === 'clip'), 'acknowledged')
    } finally {
      ann.close()
      await host.dispose()
    }
  })

  it('an empty file is stored as soon as its upload is created (tus clients send no PATCH for it)', async () => {
    const host = await startHost()
    const ann = await RawClient.join(host.url, 'Ann', 'ann')
    try {
      const empty = Buffer.alloc(0)
      await new Promise<void>((resolve, reject) => {
        const upload = new tus.Upload(empty, {
          endpoint: `http://127.0.0.1:${host.server.port}${UPLOADS_PATH}`,
          headers: { Authorization: `Bearer ${tokenOf(ann)}` },
          metadata: { filename: 'empty.txt', filetype: 'text/plain', sha256: sha256(empty) },
          retryDelays: [],
          onSuccess: () => resolve(),
          onError: reject,
        })
        upload.start()
      })
      ann.send({ type: 'send', id: 'empty', file: fileRef(empty, 'empty.txt') })
      await ann.until(() => ann.of('ack').some((a) => a.id === 'empty'), 'acknowledged')
      const got = await downloadFile(host.server.port, tokenOf(ann), sha256(empty))
      assert.equal(got.status, 200)
      assert.equal(got.body.length, 0)
      const lying = await createUpload(host.server.port, tokenOf(ann), empty, { sha256: 'f'.repeat(64) })
      assert.equal(lying.status, 460, 'an empty body declared as other bytes')
    } finally {
      ann.close()
      await host.dispose()
    }
  })

  it('sizes on the command line read as people write them, and the host says them back the same way', () => {
    assert.equal(parseByteSize('2G'), 2 * 1024 ** 3)
    assert.equal(parseByteSize('500M'), 500 * 1024 ** 2)
    assert.equal(parseByteSize('1.5GiB'), 1.5 * 1024 ** 3)
    assert.equal(parseByteSize('64k'), 64 * 1024)
    assert.equal(parseByteSize('1048576'), 1048576)
    for (const bad of ['', 'G', '2X', '-1', '1e9', '0x10', '2 G B']) assert.equal(parseByteSize(bad), undefined, bad)
    assert.equal(formatBytes(10 * 1024 ** 3), '10 GiB')
    assert.equal(formatBytes(9.8 * 1024 ** 3), '9.8 GiB')
    assert.equal(formatBytes(900), '900 bytes')
  })

  it('beacon host refuses file flags it cannot read, saying which', () => {
    const beacon = resolve(import.meta.dirname, '../../bin/beacon')
    for (const [flag, value] of [
      ['--max-file-size', '2X'],
      ['--max-room-bytes', '0'],
      ['--transfer-rate', 'fast'],
    ] as const) {
      const r = spawnSync(beacon, ['host', '--name', 'Lunch', '--no-advertise', flag, value], { encoding: 'utf8', timeout: 20_000 })
      assert.equal(r.status, 2, `${flag} ${value}`)
      assert.match(r.stderr, new RegExp(`beacon host: ${flag} must be`))
    }
  })

  it('beacon host --max-file-size tells members the limit and refuses larger uploads', async () => {
    const host = await spawnHost({ args: ['--max-file-size', '1K', '--max-room-bytes', '1M', '--transfer-rate', '0'] })
    try {
      const ann = await RawClient.join(host.url, 'Ann', 'ann')
      assert.equal(ann.welcome?.files?.maxFileBytes, 1024)
      assert.equal((await createUpload(host.port, tokenOf(ann), randomBytes(1025))).status, 413)
      assert.equal((await createUpload(host.port, tokenOf(ann), randomBytes(1024))).status, 201)
      ann.close()
    } finally {
      await host.dispose()
    }
  })
})

async function waitForOffset(port: number, token: string, location: string, ok: (o: number) => boolean): Promise<number> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const o = await uploadOffset(port, token, location)
    if (ok(o) || Date.now() > deadline) return o
    await new Promise((r) => setTimeout(r, 20))
  }
}
