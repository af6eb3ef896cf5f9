// Files on every transport (docs/PROTOCOL-FILES.md): a member on SSE, long polling, STOMP or RSocket gets the file
// message a WebSocket member sends (the file uploaded over tus first), with a token of its own that downloads it,
// gets it again after a cut or resume without a second copy, and sends one that the WebSocket member receives.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { WebSocket } from 'ws'
import { header, StompParser, type StompFrame } from '../../src/main/server/transports/stomp-frame.ts'
import type { FileRef } from '../../src/shared/protocol.ts'
import { downloadFile, fileRequest, uploadFile } from '../helpers/files.ts'
import { connectRSocket, request as rsRequest, RoomStream } from './rsocket-lib.ts'
import { beaconMember, join, postJson, sleep, SseReader, startHost, until, type BeaconMember } from './transports-lib.ts'

type Host = Awaited<ReturnType<typeof startHost>>

/** A small PNG-typed file of random bytes (the host never looks inside), uploaded by `by`. */
async function upload(h: Host, by: BeaconMember, name = 'plan.png'): Promise<{ ref: FileRef; bytes: Buffer }> {
  const bytes = randomBytes(3000 + Math.floor(Math.random() * 1000))
  const ref = await uploadFile(h.server.port, by.token, bytes, name, 'image/png')
  return { ref, bytes }
}

/** The file at `path` (a message's `url`, no token) with `token` added, as a client of that transport would fetch it. */
async function fetchUrl(h: Host, path: string, token: string): Promise<Buffer> {
  const a = await fileRequest(h.server.port, 'GET', `${path}&t=${encodeURIComponent(token)}`)
  assert.equal(a.status, 200, `GET ${path}: ${a.status} ${a.body.toString()}`)
  return a.body
}

async function downloads(h: Host, token: string, ref: FileRef): Promise<Buffer> {
  const a = await downloadFile(h.server.port, token, ref.fileId)
  assert.equal(a.status, 200, `download: ${a.status} ${a.body.toString()}`)
  return a.body
}

describe('files over every transport', () => {
  let h: Host
  let ann: BeaconMember
  before(async () => {
    h = await startHost()
    ann = await beaconMember(h.server.url, 'Ann')
    assert.ok(ann.token, 'the WebSocket welcome carries a file token')
  })
  after(async () => {
    ann?.close()
    await h?.stop()
  })

  describe('SSE and long polling', () => {
    it('an SSE member gets a file message with its file, downloads it with its own token, and after a cut gets the next one once', async () => {
      const bob = await join(h.base, 'Bob', 'sse-bob')
      const welcome = bob.frames[0]
      assert.equal(welcome.type, 'welcome')
      assert.ok(welcome.files?.token, 'the HTTP welcome carries a file token')
      assert.equal(welcome.files.maxFileBytes > 0, true)
      assert.notEqual(welcome.files.token, ann.token, 'each member its own token')
      const sse = new SseReader(`${h.base}/api/events?member=${bob.member}`)
      const one = await upload(h, ann)
      const ack = await ann.send({ id: 'sse-f1', text: 'the plan', file: one.ref })
      assert.equal(ack.type, 'ack')
      const got = await until(() => sse.messages.find((m) => m.id === 'sse-f1'), 'the file message on SSE')
      assert.deepEqual(got.file, one.ref)
      assert.equal(got.text, 'the plan')
      assert.deepEqual(await downloads(h, welcome.files.token, got.file), one.bytes)

      // cut the stream; a second file goes out meanwhile; the reconnect (Last-Event-ID) brings it, and only it
      const lastId = sse.lastId
      sse.cut()
      const two = await upload(h, ann, 'second.png')
      await ann.send({ id: 'sse-f2', file: two.ref })
      const again = new SseReader(`${h.base}/api/events?member=${bob.member}`, { 'Last-Event-ID': lastId! })
      const second = await until(() => again.messages.find((m) => m.id === 'sse-f2'), 'the file sent during the cut')
      assert.deepEqual(second.file, two.ref)
      assert.equal(second.text, '', 'a file without a caption has empty text')
      assert.equal(again.messages.filter((m) => m.id === 'sse-f1').length, 0, 'the message before the cut is not sent again')
      again.cut()
      await postJson(`${h.base}/api/leave?member=${bob.member}`, {})
    })

    it('a long-polling member gets a file message; a lost answer is replayed (after=) with the same file and seq', async () => {
      const cat = await join(h.base, 'Cat', 'poll-cat')
      const token = cat.frames[0].files.token as string
      const start = cat.frames[0].seq as number
      const f = await upload(h, ann, 'poll.png')
      await ann.send({ id: 'poll-f1', text: 'polled', file: f.ref })
      const poll = async (after?: number) => {
        const r = await fetch(`${h.base}/api/poll?member=${cat.member}${after === undefined ? '' : `&after=${after}`}&wait=0`)
        return ((await r.json()) as { frames: any[] }).frames.filter((x) => x.type === 'message')
      }
      let got: any[] = []
      for (let i = 0; i < 100 && !got.some((m) => m.id === 'poll-f1'); i++) {
        got = got.concat(await poll())
        await sleep(20)
      }
      const m = got.find((x) => x.id === 'poll-f1')
      assert.ok(m, 'the file message in a poll answer')
      assert.deepEqual(m.file, f.ref)
      // the answer was "lost": asking again from before it brings the same message (the client dedupes by id)
      const replayed = (await poll(start)).filter((x) => x.id === 'poll-f1')
      assert.equal(replayed.length, 1)
      assert.deepEqual(replayed[0], m)
      assert.deepEqual(await downloads(h, token, m.file), f.bytes)
      await postJson(`${h.base}/api/leave?member=${cat.member}`, {})
    })

    it('an HTTP member sends a file with POST /api/send: acked once however often it is sent, the WebSocket member gets it', async () => {
      const dan = await join(h.base, 'Dan', 'http-dan')
      const token = dan.frames[0].files.token as string
      const bytes = randomBytes(2048)
      const ref = await uploadFile(h.server.port, token, bytes, 'from-http.png', 'image/png')
      const send = () => postJson(`${h.base}/api/send?member=${dan.member}`, { id: 'http-f1', text: 'over http', file: ref })
      const a = await send()
      assert.equal(a.status, 200, a.text)
      const b = await send()
      assert.deepEqual(b.json.frames[0], a.json.frames[0], 'the same id again: the same ack')
      const got = await until(() => ann.messages().filter((m) => m.id === 'http-f1'), 'the WebSocket member gets it')
      // a text after it: once that has arrived, a second copy of the file message would have too
      await postJson(`${h.base}/api/send?member=${dan.member}`, { id: 'http-after', text: 'after' })
      await until(() => ann.messages().some((m) => m.id === 'http-after'), 'the text after it')
      assert.equal(ann.messages().filter((m) => m.id === 'http-f1').length, 1, 'stored and delivered once')
      assert.deepEqual(got[0].file, ref)
      assert.deepEqual(await downloads(h, ann.token, ref), bytes)
      // a file the host does not hold is refused with the table's status, and nothing is stored
      const missing = { ...ref, fileId: 'e'.repeat(64), sha256: 'e'.repeat(64) }
      const refused = await postJson(`${h.base}/api/send?member=${dan.member}`, { id: 'http-f2', file: missing })
      assert.equal(refused.status, 404, refused.text)
      assert.equal(refused.json.frames[0].code, 'file_not_found')
      await postJson(`${h.base}/api/leave?member=${dan.member}`, {})
    })
  })

  describe('STOMP', () => {
    it('CONNECTED carries the file token; a file MESSAGE is JSON {text, file, url} with beacon-file-id, and url downloads it; text stays text', async () => {
      const stomp = new RawStomp(h.server.url)
      const connected = await stomp.connect('Stella', 'stomp-stella')
      const token = header(connected, 'beacon-files-token')
      assert.ok(token, 'CONNECTED names the member token')
      assert.equal(header(connected, 'beacon-max-file-size'), String(ann.welcome.files.maxFileBytes))
      await stomp.subscribe()
      const f = await upload(h, ann, 'floor plan.png')
      await ann.send({ id: 'stomp-in-1', text: 'the floor plan', file: f.ref })
      await ann.send({ id: 'stomp-in-2', text: 'and some text' })
      const [file, text] = await until(() => {
        const m = stomp.messages()
        return m.length >= 2 && m
      }, 'two MESSAGE frames')
      assert.equal(header(file!, 'content-type'), 'application/json')
      assert.equal(header(file!, 'beacon-file-id'), f.ref.fileId)
      const body = JSON.parse(Buffer.from(file!.body).toString())
      assert.deepEqual(body, { text: 'the floor plan', file: f.ref, url: `/api/files/${f.ref.fileId}?name=floor%20plan.png` })
      assert.deepEqual(await fetchUrl(h, body.url, token), f.bytes)
      assert.equal(header(text!, 'content-type'), 'text/plain;charset=utf-8')
      assert.equal(header(text!, 'beacon-file-id'), undefined)
      assert.equal(Buffer.from(text!.body).toString(), 'and some text')
      stomp.close()
    })

    it('a JSON SEND sends a file: RECEIPT once stored, stored once for a repeated beacon-id, the WebSocket member gets it; text SENDs still work', async () => {
      const stomp = new RawStomp(h.server.url)
      const token = header(await stomp.connect('Stan', 'stomp-stan'), 'beacon-files-token')!
      const bytes = randomBytes(4096)
      const ref = await uploadFile(h.server.port, token, bytes, 'stan.png', 'image/png')
      const send = (receipt: string) =>
        stomp.send(
          `SEND\ndestination:/topic/room\ncontent-type:application/json\nbeacon-id:stomp-out-1\nreceipt:${receipt}\n\n${JSON.stringify({ text: 'from stomp', file: ref })}\0`,
        )
      send('r1')
      await until(() => stomp.of('RECEIPT').some((f) => header(f, 'receipt-id') === 'r1'), 'RECEIPT r1')
      const got = await until(() => ann.messages().find((m) => m.id === 'stomp-out-1'), 'the WebSocket member gets it')
      assert.deepEqual(got.file, ref)
      assert.equal(got.text, 'from stomp')
      send('r2')
      await until(() => stomp.of('RECEIPT').some((f) => header(f, 'receipt-id') === 'r2'), 'RECEIPT r2')
      stomp.send('SEND\ndestination:/topic/room\nbeacon-id:stomp-out-2\nreceipt:r3\n\nplain text\0')
      await until(() => ann.messages().find((m) => m.id === 'stomp-out-2'), 'the text SEND')
      assert.equal(ann.messages().filter((m) => m.id === 'stomp-out-1').length, 1, 'the repeated beacon-id was stored once')
      assert.equal(ann.messages().find((m) => m.id === 'stomp-out-2').text, 'plain text')
      assert.deepEqual(await downloads(h, ann.token, ref), bytes)
      stomp.close()
    })

    it('a JSON SEND naming a file the host does not hold, or that is not a JSON object, gets an ERROR and the connection closes', async () => {
      for (const [body, expected] of [
        [
          JSON.stringify({ file: { fileId: 'c'.repeat(64), sha256: 'c'.repeat(64), name: 'x.png', size: 5, mime: 'image/png' } }),
          /file_not_found/,
        ],
        ['[1,2]', /JSON object/],
        ['{"text":', /must be JSON/],
      ] as const) {
        const stomp = new RawStomp(h.server.url)
        await stomp.connect('Sid', 'stomp-sid')
        stomp.send(`SEND\ndestination:/topic/room\ncontent-type:application/json\nreceipt:bad\n\n${body}\0`)
        const error = await until(() => stomp.of('ERROR')[0], 'ERROR')
        assert.match(header(error, 'message')!, expected)
        await until(() => stomp.closeCode !== undefined, 'closed')
      }
    })
  })

  describe('RSocket', () => {
    const rsUrl = () => h.server.url.replace(/\/ws$/, '/rsocket')

    it('the welcome carries the file token; a streamed file message carries file and url; a resume brings a missed one once', async () => {
      const rs = await connectRSocket(rsUrl())
      const s1 = new RoomStream(rs, { name: 'Rita', client: 'rs-files-rita' }, 1000)
      const welcome = await until(() => s1.welcome, 'welcome')
      const token = welcome.files?.token as string
      assert.ok(token, 'the RSocket welcome carries a file token')
      const one = await upload(h, ann, 'one.png')
      await ann.send({ id: 'rs-in-1', text: 'first', file: one.ref })
      const m1 = await until(() => s1.messages.find((m) => m.id === 'rs-in-1'), 'the file message on the stream')
      assert.deepEqual(m1.file, one.ref)
      assert.equal(m1.url, `/api/files/${one.ref.fileId}?name=one.png`)
      assert.deepEqual(await fetchUrl(h, m1.url, token), one.bytes)

      rs.close() // the cut
      const two = await upload(h, ann, 'two.png')
      await ann.send({ id: 'rs-in-2', file: two.ref })
      const rs2 = await connectRSocket(rsUrl())
      const s2 = new RoomStream(rs2, { name: 'Rita', client: 'rs-files-rita', resume: { epoch: welcome.room.epoch, after: m1.seq } }, 1000)
      const again = await until(() => s2.welcome, 'welcome again')
      assert.equal(again.resumed, true)
      await ann.send({ id: 'rs-in-3', text: 'live' })
      await until(() => s2.messages.some((m) => m.id === 'rs-in-3'), 'the live message')
      const got = [...again.history, ...s2.messages]
      assert.deepEqual(
        got.map((m: any) => m.id),
        ['rs-in-2', 'rs-in-3'],
        'exactly what was missed, then live',
      )
      assert.deepEqual(got[0].file, two.ref)
      assert.deepEqual(await downloads(h, again.files.token, two.ref), two.bytes)
      rs2.close()
    })

    it('room.send with a file is acked (the same id again: the same ack) and the WebSocket member gets it once; an unknown file is refused', async () => {
      const rs = await connectRSocket(rsUrl())
      const s = new RoomStream(rs, { name: 'Ray', client: 'rs-files-ray' }, 1000)
      const token = (await until(() => s.welcome, 'welcome')).files.token as string
      const bytes = randomBytes(5000)
      const ref = await uploadFile(h.server.port, token, bytes, 'ray.png', 'image/png')
      const a = await rsRequest(rs, 'room.send', { id: 'rs-out-1', text: 'over rsocket', file: ref })
      const b = await rsRequest(rs, 'room.send', { id: 'rs-out-1', text: 'over rsocket', file: ref })
      assert.equal(a.type, 'ack')
      assert.deepEqual(b, a)
      const got = await until(() => ann.messages().find((m) => m.id === 'rs-out-1'), 'the WebSocket member gets it')
      assert.deepEqual(got.file, ref)
      const own = await until(() => s.messages.find((m) => m.id === 'rs-out-1'), 'its own message on its stream')
      assert.equal(own.url, `/api/files/${ref.fileId}?name=ray.png`)
      await rsRequest(rs, 'room.send', { id: 'rs-out-2', text: 'after' })
      await until(() => ann.messages().some((m) => m.id === 'rs-out-2'), 'the text after it')
      assert.equal(ann.messages().filter((m) => m.id === 'rs-out-1').length, 1)
      await assert.rejects(
        rsRequest(rs, 'room.send', { id: 'rs-out-3', file: { ...ref, fileId: 'd'.repeat(64), sha256: 'd'.repeat(64) } }),
        /file_not_found/,
      )
      rs.close()
    })
  })
})

/** A STOMP 1.2 connection by hand: every frame the host sends, parsed. */
class RawStomp {
  frames: StompFrame[] = []
  closeCode: number | undefined
  #ws: WebSocket
  #parser = new StompParser({ maxFrameBytes: 1 << 20, maxHeaders: 64 })
  #opened: Promise<void>

  constructor(url: string) {
    this.#ws = new WebSocket(url, ['v12.stomp'])
    this.#opened = new Promise((resolve, reject) => {
      this.#ws.once('open', () => resolve())
      this.#ws.once('error', reject)
    })
    this.#ws.on('message', (d: Buffer) => {
      for (const ev of this.#parser.push(d)) if (ev.kind === 'frame') this.frames.push(ev.frame)
    })
    this.#ws.on('close', (code) => (this.closeCode = code))
  }

  async connect(login: string, clientId: string): Promise<StompFrame> {
    await this.#opened
    this.send(`CONNECT\naccept-version:1.2\nhost:x\nlogin:${login}\nclient-id:${clientId}\n\n\0`)
    const f = await until(() => this.frames.find((x) => x.command === 'CONNECTED' || x.command === 'ERROR'), 'CONNECTED')
    assert.equal(f.command, 'CONNECTED', Buffer.from(f.body).toString())
    return f
  }

  async subscribe(): Promise<void> {
    this.send('SUBSCRIBE\nid:0\ndestination:/topic/room\nreceipt:sub\n\n\0')
    await until(() => this.of('RECEIPT').some((f) => header(f, 'receipt-id') === 'sub'), 'subscribed')
  }

  send(s: string): void {
    this.#ws.send(s)
  }

  of(command: string): StompFrame[] {
    return this.frames.filter((f) => f.command === command)
  }

  messages(): StompFrame[] {
    return this.of('MESSAGE')
  }

  close(): void {
    this.#ws.terminate()
  }
}
