// The desktop app's file parts against a host that speaks the download protocol (Range, If-Range, the member
// token): a cut download resumes where it stopped and is checked, a bad file is never kept, cancelling leaves
// nothing behind, names never collide, risky files are not opened without asking, and the renderer's
// /room-files/ proxy reaches only the room's file routes.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import type { DownloadState } from '../../src/shared/bridge.ts'
import { AppService } from '../../src/main/app-service.ts'
import { Downloads, type DownloadPorts } from '../../src/main/files/downloads.ts'
import { proxyRoomFiles } from '../../src/main/files/proxy.ts'
import type { ChatMessage, FileRef } from '../../src/shared/protocol.ts'
import { LIMITS } from '../../src/shared/limits.ts'
import { TcpProxy } from '../harness/tcp-proxy.ts'
import { uploadFile } from '../helpers/files.ts'
import { startHost } from '../helpers/host.ts'
import { waitFor } from '../helpers/wait.ts'

const TOKEN = 'member-token'
const dirs: string[] = []
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'beacon-dl-'))
  dirs.push(d)
  return d
}
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
function ref(bytes: Buffer, name: string, mime = 'application/octet-stream'): FileRef {
  const h = sha(bytes)
  return { fileId: h, name, size: bytes.length, mime, sha256: h }
}

/**
 * A host's download route (docs/PROTOCOL-FILES.md "Download"), small enough to break on purpose: `cutAt`
 * ends the next answer's connection after that many bytes; `slow` sends 64 KiB every 20 ms.
 */
class FileHost {
  readonly files = new Map<string, Buffer>()
  readonly seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = []
  cutAt: number | undefined
  slow = false
  #server: Server

  private constructor(server: Server) {
    this.#server = server
  }

  static async start(): Promise<FileHost> {
    const server = createServer()
    const host = new FileHost(server)
    server.on('request', (req, res) => host.#answer(req.method ?? 'GET', req.url ?? '/', req.headers, res))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    return host
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  #answer(method: string, url: string, headers: IncomingHttpHeaders, res: ServerResponse): void {
    this.seen.push({ method, url, headers })
    const id = /^\/api\/files\/([0-9a-f]{64})(\?|$)/.exec(url)?.[1]
    if (headers.authorization !== `Bearer ${TOKEN}`) return json(res, 401, 'not_member', 'Not a member of this room')
    const body = id ? this.files.get(id) : undefined
    if (!body) return json(res, 404, 'file_not_found', 'No such file')
    const etag = `"${sha(body)}"`
    let start = 0
    const range = /^bytes=(\d+)-$/.exec(headers.range ?? '')
    if (range && (headers['if-range'] === undefined || headers['if-range'] === etag)) start = Number(range[1])
    if (start >= body.length && body.length > 0) {
      res.writeHead(416, { 'Content-Range': `bytes */${body.length}` })
      return void res.end()
    }
    const part = body.subarray(start)
    res.writeHead(start > 0 ? 206 : 200, {
      'Content-Length': part.length,
      'Accept-Ranges': 'bytes',
      ETag: etag,
      ...(start > 0 ? { 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    })
    const cut = this.cutAt
    this.cutAt = undefined
    if (cut !== undefined) {
      res.write(part.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20))
      return
    }
    if (!this.slow) return void res.end(part)
    let at = 0
    const tick = (): void => {
      if (res.destroyed) return
      const next = part.subarray(at, (at += 64 * 1024))
      if (at >= part.length) return void res.end(next)
      res.write(next)
      setTimeout(tick, 20)
    }
    tick()
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((r) => this.#server.close(() => r()))
  }
}

function json(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify({ type: 'error', code, message }))
}

interface Recorded extends DownloadPorts {
  shown: string[]
  asked: string[]
  opened: string[]
  answer: boolean
}
function recorder(): Recorded {
  const r: Recorded = {
    shown: [],
    asked: [],
    opened: [],
    answer: false,
    showInFolder: (p) => void r.shown.push(p),
    confirmOpen: (name) => {
      r.asked.push(name)
      return r.answer
    },
    openPath: (p) => void r.opened.push(p),
  }
  return r
}

function setup(host: FileHost): { downloads: Downloads; dir: string; ports: Recorded; source: () => { host: string; token: string } } {
  const dir = join(tmp(), 'Downloads')
  const ports = recorder()
  const downloads = new Downloads({ dir, ports, progressIntervalMs: 50, retry: { baseMs: 20, maxMs: 100, attempts: 3 } })
  return { downloads, dir, ports, source: () => ({ host: host.origin, token: TOKEN }) }
}

function finished(d: Downloads, id: string): Promise<DownloadState> {
  return new Promise((resolve) => {
    const check = (list: DownloadState[]): void => {
      const s = list.find((x) => x.id === id)
      if (s && s.status !== 'downloading') {
        off()
        resolve(s)
      }
    }
    const off = d.on('downloads', check)
    check(d.list)
  })
}

describe('saving room files to the Downloads folder', () => {
  it('a download cut halfway goes on from where it stopped and the saved file matches its SHA-256', async () => {
    const host = await FileHost.start()
    const { downloads, dir } = setup(host)
    const bytes = randomBytes(3 * 1024 * 1024 + 17)
    const file = ref(bytes, 'holiday.mp4', 'video/mp4')
    host.files.set(file.fileId, bytes)
    host.cutAt = 1024 * 1024 + 5
    const progress: number[] = []
    downloads.on('downloads', (l) => progress.push(l[0]!.received))
    const started = downloads.start(file, () => ({ host: host.origin, token: TOKEN }))
    const done = await finished(downloads, started.id)
    assert.equal(done.status, 'done', done.error)
    assert.equal(done.savedAs, 'holiday.mp4')
    assert.equal(sha(readFileSync(join(dir, 'holiday.mp4'))), file.sha256)
    assert.deepEqual(readdirSync(dir), ['holiday.mp4'], 'no .part is left')
    const gets = host.seen.filter((r) => r.method === 'GET')
    assert.equal(gets.length, 2)
    assert.equal(gets[0]!.headers.range, undefined)
    assert.equal(gets[1]!.headers.range, `bytes=${1024 * 1024 + 5}-`, 'the second request asks only for the rest')
    assert.equal(gets[1]!.headers['if-range'], `"${file.sha256}"`)
    assert.ok(
      progress.some((n) => n > 0 && n < bytes.length),
      'progress is reported on the way',
    )
    await downloads.dispose()
    await host.close()
  })

  it('a file whose bytes do not match its SHA-256 is deleted, not saved', async () => {
    const host = await FileHost.start()
    const { downloads, dir } = setup(host)
    const bytes = randomBytes(200_000)
    const file = ref(bytes, 'report.pdf')
    const tampered = Buffer.from(bytes)
    tampered[1000] = tampered[1000]! ^ 0xff
    host.files.set(file.fileId, tampered)
    const done = await finished(downloads, downloads.start(file, () => ({ host: host.origin, token: TOKEN })).id)
    assert.equal(done.status, 'failed')
    assert.match(done.error ?? '', /checksum/)
    assert.deepEqual(readdirSync(dir), [])
    await downloads.dispose()
    await host.close()
  })

  it('cancelling stops the download and leaves no .part behind', async () => {
    const host = await FileHost.start()
    host.slow = true
    const { downloads, dir } = setup(host)
    const bytes = randomBytes(4 * 1024 * 1024)
    const file = ref(bytes, 'big.iso')
    host.files.set(file.fileId, bytes)
    const started = downloads.start(file, () => ({ host: host.origin, token: TOKEN }))
    await new Promise<void>((resolve) => {
      const off = downloads.on('downloads', (l) => {
        if (l[0]!.received > 0) {
          off()
          resolve()
        }
      })
    })
    assert.deepEqual(readdirSync(dir).sort(), ['big.iso', 'big.iso.part'], 'the name is held while it downloads')
    await downloads.cancel(started.id)
    assert.equal(downloads.list[0]!.status, 'cancelled')
    assert.deepEqual(readdirSync(dir), [])
    await downloads.dispose()
    await host.close()
  })

  it('asking again while a file downloads gives the same download; files with one name get numbered names', async () => {
    const host = await FileHost.start()
    const { downloads, dir, source } = setup(host)
    const a = randomBytes(50_000)
    const b = randomBytes(60_000)
    host.files.set(sha(a), a)
    host.files.set(sha(b), b)
    writeFileSync(join(tmp(), 'unrelated'), 'x')
    const first = downloads.start(ref(a, 'plan.png'), source)
    assert.equal(downloads.start(ref(a, 'plan.png'), source).id, first.id)
    const second = downloads.start(ref(b, 'plan.png'), source)
    const [x, y] = await Promise.all([finished(downloads, first.id), finished(downloads, second.id)])
    assert.deepEqual([x.savedAs, y.savedAs].sort(), ['plan (2).png', 'plan.png'])
    assert.equal(sha(readFileSync(join(dir, x.savedAs!))), sha(a))
    assert.equal(sha(readFileSync(join(dir, y.savedAs!))), sha(b))
    // The same file again, later: a third name, the first two untouched.
    const again = await finished(downloads, downloads.start(ref(a, 'plan.png'), source).id)
    assert.equal(again.savedAs, 'plan (3).png')
    assert.equal(readdirSync(dir).length, 3)
    await downloads.dispose()
    await host.close()
  })

  it('a host that refuses the member says why, and nothing is kept', async () => {
    const host = await FileHost.start()
    const { downloads, dir } = setup(host)
    const bytes = randomBytes(1000)
    host.files.set(sha(bytes), bytes)
    const done = await finished(downloads, downloads.start(ref(bytes, 'a.txt'), () => ({ host: host.origin, token: 'wrong' })).id)
    assert.equal(done.status, 'failed')
    assert.equal(done.error, 'Not a member of this room')
    assert.deepEqual(readdirSync(dir), [])
    await downloads.dispose()
    await host.close()
  })

  it('shows a saved file in its folder, opens documents, and asks before opening a program', async () => {
    const host = await FileHost.start()
    const { downloads, dir, ports, source } = setup(host)
    const doc = Buffer.from('hello')
    const script = Buffer.from('#!/bin/sh\necho hi\n')
    host.files.set(sha(doc), doc)
    host.files.set(sha(script), script)
    const d = await finished(downloads, downloads.start(ref(doc, 'notes.txt'), source).id)
    const s = await finished(downloads, downloads.start(ref(script, 'install.SH'), source).id)
    await downloads.show(d.id)
    assert.deepEqual(ports.shown, [join(dir, 'notes.txt')])
    assert.deepEqual(ports.opened, [], 'nothing opens by itself')
    assert.equal(await downloads.open(d.id), true)
    assert.deepEqual(ports.asked, [], 'a text file opens without a question')
    assert.equal(await downloads.open(s.id), false, 'Cancel is the answer unless the user chooses Open')
    assert.deepEqual(ports.asked, ['install.SH'])
    assert.deepEqual(ports.opened, [join(dir, 'notes.txt')])
    ports.answer = true
    assert.equal(await downloads.open(s.id), true)
    assert.deepEqual(ports.opened, [join(dir, 'notes.txt'), join(dir, 'install.SH')])
    await assert.rejects(downloads.open('nope'), { code: 'bad_argument' })
    await downloads.dispose()
    await host.close()
  })
})

describe("the renderer's /room-files/ proxy", () => {
  /** A host that echoes what reached it: method, path, headers and the body's size and hash. */
  async function echoHost(): Promise<{ origin: string; close(): Promise<void> }> {
    const server = createServer((req, res) => {
      const h = createHash('sha256')
      let size = 0
      req.on('data', (c: Buffer) => {
        size += c.length
        h.update(c)
      })
      req.on('end', () => {
        res.writeHead(201, {
          'Content-Type': 'application/json',
          Location: '/api/files/uploads/u1',
          'Upload-Offset': String(size),
          'Tus-Resumable': '1.0.0',
          'Set-Cookie': 'session=1',
          'X-Powered-By': 'host',
        })
        res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, size, sha: h.digest('hex') }))
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    return {
      origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise<void>((r) => server.close(() => r())),
    }
  }

  it("forwards a tus request's body and file headers to the host's /api/files and nothing else", async () => {
    const host = await echoHost()
    const body = randomBytes(300_000)
    const res = await proxyRoomFiles(
      new Request('http://app.local/room-files/r%2F1/uploads?x=1', {
        method: 'POST',
        headers: {
          'Tus-Resumable': '1.0.0',
          'Upload-Length': String(body.length),
          'Upload-Metadata': 'filename cGxhbi5wbmc=',
          Authorization: `Bearer ${TOKEN}`,
          Cookie: 'secret=1',
          Origin: 'http://app.local',
        },
        body,
      }),
      (roomId) => (roomId === 'r/1' ? host.origin : undefined),
    )
    assert.equal(res.status, 201)
    assert.equal(res.headers.get('location'), '/room-files/r%2F1/uploads/u1')
    assert.equal(res.headers.get('upload-offset'), String(body.length))
    assert.equal(res.headers.get('tus-resumable'), '1.0.0')
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
    assert.equal(res.headers.get('set-cookie'), null)
    assert.equal(res.headers.get('x-powered-by'), null)
    const seen = (await res.json()) as { method: string; url: string; headers: Record<string, string>; size: number; sha: string }
    assert.equal(seen.method, 'POST')
    assert.equal(seen.url, '/api/files/uploads?x=1')
    assert.equal(seen.size, body.length)
    assert.equal(seen.sha, sha(body))
    assert.equal(seen.headers.authorization, `Bearer ${TOKEN}`)
    assert.equal(seen.headers['upload-metadata'], 'filename cGxhbi5wbmc=')
    assert.equal(seen.headers.cookie, undefined)
    assert.equal(seen.headers.origin, undefined)
    await host.close()
  })

  it('answers 404 for anything but a file route, and for a room the app is not in', async () => {
    const host = await echoHost()
    const onlyR1 = (roomId: string) => (roomId === 'r1' ? host.origin : undefined)
    for (const path of [
      '/room-files/',
      '/room-files/r1',
      '/room-files/r1/',
      '/room-files/r1/../api/rooms',
      '/room-files/r1/%2e%2e/x',
      '/room-files/r1/a/b/c',
      '/room-files/r1/a%2Fb',
      '/room-files/%E0%A4%A/abc',
      '/api/files/x',
    ])
      assert.equal((await proxyRoomFiles(new Request(`http://app.local${path}`), onlyR1)).status, 404, path)
    assert.equal((await proxyRoomFiles(new Request('http://app.local/room-files/r2/abc'), onlyR1)).status, 404)
    assert.equal((await proxyRoomFiles(new Request('http://app.local/room-files/r1/abc'), onlyR1)).status, 201)
    // Any room id a host may have reaches its files, however long it gets encoded (12 characters for each of these);
    // a longer one is no room's.
    const longest = '😀'.repeat(LIMITS.maxRoomIdChars)
    const onlyLongest = (roomId: string) => (roomId === longest ? host.origin : undefined)
    const filesOf = (id: string) => new Request(`http://app.local/room-files/${encodeURIComponent(id)}/abc`)
    assert.equal((await proxyRoomFiles(filesOf(longest), onlyLongest)).status, 201)
    assert.equal((await proxyRoomFiles(filesOf(`${longest}x`), () => host.origin)).status, 404)
    await host.close()
  })

  it('says the host is unreachable when it does not answer', async () => {
    const gone = await echoHost()
    await gone.close()
    const res = await proxyRoomFiles(new Request('http://app.local/room-files/r1/abc'), () => gone.origin)
    assert.equal(res.status, 503)
    assert.equal(((await res.json()) as { code: string }).code, 'unreachable')
  })
})

describe('the app service with a real room host', () => {
  const MB = 1024 * 1024

  it('a member sends a file, saves it through a connection cut halfway, and its progress never starts over', async () => {
    // 2 MB/s per member, so the cut surely lands mid-file.
    const host = await startHost({ files: { transferBytesPerSecond: 2 * MB } })
    const relay = await TcpProxy.start({ host: '127.0.0.1', port: host.server.port })
    const user = tmp()
    const ana = new AppService({
      userDataDir: user,
      downloadsDir: join(user, 'Downloads'),
      backoff: { baseMs: 100, maxMs: 500 },
      downloadRetry: { baseMs: 100, maxMs: 500, attempts: 10 },
    })
    ana.setProfile({ name: 'Ana' })
    await ana.joinRoom(relay.address)
    const files = ana.session.files
    assert.ok(files, 'the welcome gave a file token')
    assert.equal(files.base, `/room-files/${encodeURIComponent(ana.session.room!.id)}`)

    const bytes = randomBytes(5 * MB)
    const file = await uploadFile(host.server.port, files.token, bytes, 'minutes.pdf', 'application/pdf')
    const arrived = new Promise<ChatMessage>((resolve) => ana.on('message', (m) => m.file && resolve(m)))
    ana.sendFile(file, 'the minutes')
    const message = await arrived
    assert.equal(message.text, 'the minutes')
    assert.deepEqual(message.file?.sha256, file.sha256)

    const seen: number[] = []
    ana.on('downloads', (list) => seen.push(list[0]!.received))
    const started = ana.downloadFile(message.file!)
    assert.equal(ana.getSnapshot().downloads[0]?.id, started.id)
    await waitFor(() => (seen.at(-1) ?? 0) > MB, 'a megabyte saved', 20_000)
    relay.cut()
    relay.restore()
    const atCut = ana.getSnapshot().downloads[0]!
    assert.ok(atCut.status === 'downloading' && atCut.received < bytes.length - MB, 'the cut came well before the end')
    await waitFor(() => ana.getSnapshot().downloads[0]?.status !== 'downloading', 'the download finished', 30_000)
    const done = ana.getSnapshot().downloads[0]!
    assert.equal(done.status, 'done', done.error)
    assert.equal(sha(readFileSync(join(user, 'Downloads', 'minutes.pdf'))), file.sha256)
    assert.deepEqual(readdirSync(join(user, 'Downloads')), ['minutes.pdf'])
    const firstAfterStart = seen.findIndex((n) => n > 0)
    for (let i = firstAfterStart + 1; i < seen.length; i++)
      assert.ok(seen[i]! >= seen[i - 1]!, `progress went back at ${i}: ${seen.join(',')}`)

    // The renderer's /room-files/ reaches the same file through the service, Range included; leaving closes it.
    const url = `http://app.local${files.base}/${file.fileId}?t=${files.token}`
    const whole = await ana.roomFiles(new Request(url))
    assert.equal(whole.status, 200)
    assert.equal(sha(Buffer.from(await whole.arrayBuffer())), file.sha256)
    const tail = await ana.roomFiles(new Request(url, { headers: { Range: `bytes=${bytes.length - 10}-` } }))
    assert.equal(tail.status, 206)
    assert.deepEqual(Buffer.from(await tail.arrayBuffer()), bytes.subarray(bytes.length - 10))
    ana.leaveRoom()
    assert.equal((await ana.roomFiles(new Request(url))).status, 404)
    await assert.rejects(async () => ana.downloadFile(file), { code: 'not_connected' })

    await ana.dispose()
    await relay.close()
    await host.dispose()
  })
})
