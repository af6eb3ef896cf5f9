// RSocket over WebSocket on /rsocket, with the rsocket-js 1.0 client (and raw frames over `ws` for bad input).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Client, type IMessage } from '@stomp/stompjs'
import { encodeRoute } from 'rsocket-composite-metadata'
import { ErrorCodes, Flags, FrameTypes, deserializeFrame, serializeFrame, type Frame } from 'rsocket-core'
import { WebSocket } from 'ws'
import { LIMITS } from '../../src/shared/limits.ts'
import { answerChallenge } from '../../src/shared/password.ts'
import { connectRSocket, fireAndForget, request, RoomStream, routeMetadata, setupFrame } from './rsocket-lib.ts'
import { join, nodeClient, postJson, SseReader, startHost, until } from './transports-lib.ts'

type Host = Awaited<ReturnType<typeof startHost>>
const rsUrl = (h: Host) => `ws://127.0.0.1:${h.server.port}/rsocket`

/** A raw RSocket-over-WebSocket peer: frames in, every frame out, and the close code. */
class RawPeer {
  frames: Frame[] = []
  closeCode: number | undefined
  ws: WebSocket
  opened: Promise<void>
  constructor(url: string) {
    this.ws = new WebSocket(url)
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve())
      this.ws.once('error', reject)
    })
    this.ws.on('message', (d: Buffer) => this.frames.push(deserializeFrame(d)))
    this.ws.on('close', (code) => (this.closeCode = code))
  }
  send(f: Frame | Buffer): void {
    this.ws.send(Buffer.isBuffer(f) ? f : serializeFrame(f))
  }
  errors(): string[] {
    return this.frames.flatMap((f) => (f.type === FrameTypes.ERROR ? [f.message] : []))
  }
}

/** `count` messages of `size` characters from ten beacon.v1 members at once; the host's queue and RSS watched until `done`. */
async function flood(h: Host, count: number, size: number, done: () => boolean): Promise<{ peakQueued: number; rssGrowth: number }> {
  const senders = Array.from({ length: 10 }, (_, i) => nodeClient(h.server.url, `Flood${i}`))
  await until(() => senders.every((s) => s.client.state.status === 'open'), 'senders open')
  const rssBefore = process.memoryUsage().rss
  let peakQueued = 0
  let peakRss = rssBefore
  const watch = setInterval(() => {
    peakQueued = Math.max(peakQueued, h.server.stats().queuedBytes)
    peakRss = Math.max(peakRss, process.memoryUsage().rss)
  }, 5)
  try {
    const text = 'x'.repeat(size)
    for (let k = 0; k < count / 10; k++) for (const [i, s] of senders.entries()) s.client.send(`${i}-${k} ${text}`)
    await until(done, 'the flood to be read', 30_000)
  } finally {
    clearInterval(watch)
    for (const s of senders) s.client.close()
  }
  return { peakQueued, rssGrowth: peakRss - rssBefore }
}

describe('RSocket members', () => {
  let host: Host
  before(async () => {
    host = await startHost({})
  })
  after(async () => {
    await host.stop()
  })

  it('an rsocket-js member chats with beacon.v1, STOMP and SSE members, and all see one order exactly once', async () => {
    const rs = await connectRSocket(rsUrl(host))
    const stream = new RoomStream(rs, { name: 'Rita', client: 'rs-rita' }, 4)
    // request(n): four at a time, asked for again as they arrive
    let seen = 0
    const asker = setInterval(() => {
      if (stream.frames.length >= seen + 4) {
        seen += 4
        stream.request(4)
      }
    }, 5)
    await until(() => stream.welcome, 'welcome')
    const wes = nodeClient(host.server.url, 'Wes')
    const stomp: IMessage[] = []
    const sc = new Client({
      brokerURL: host.server.url,
      connectHeaders: { login: 'Stu' },
      reconnectDelay: 0,
      heartbeatIncoming: 0,
      heartbeatOutgoing: 0,
    })
    sc.onConnect = () => sc.subscribe('/topic/room', (m) => stomp.push(m))
    sc.activate()
    const base = `http://127.0.0.1:${host.server.port}`
    const sj = await join(base, 'Sue', 'c-sue')
    const sse = new SseReader(`${base}/api/events?member=${sj.member}`)
    await until(() => wes.client.state.status === 'open' && sc.connected && sse.events.length > 0, 'everyone joined')
    await until(() => stream.frames.some((f) => f.type === 'joined' && f.member.name === 'Sue'), 'Sue in the stream')
    assert.ok(
      wes.client.members.some((m) => m.name === 'Rita'),
      'the RSocket member is in the member list',
    )
    for (let i = 0; i < 5; i++) {
      const ack = await request(rs, 'room.send', { id: `r${i}`, text: `rs ${i}` })
      assert.equal(ack.id, `r${i}`)
      assert.equal(typeof ack.seq, 'number')
      wes.client.send(`ws ${i}`)
      sc.publish({ destination: '/topic/room', body: `stomp ${i}` })
      await postJson(`${base}/api/send?member=${sj.member}`, { id: `s${i}`, text: `sse ${i}` })
    }
    // a resend of an acked id is deduplicated: the same seq again, not a new message
    const first = await request(rs, 'room.send', { id: 'r0', text: 'rs 0' })
    const texts = (ms: { text: string }[]) => ms.map((m) => m.text)
    await until(
      () => stream.messages.length >= 20 && wes.messages.length >= 20 && stomp.length >= 20 && sse.messages.length >= 20,
      'all 20 everywhere',
    )
    clearInterval(asker)
    const order = texts(stream.messages)
    assert.equal(new Set(order).size, 20, 'exactly once')
    assert.deepEqual(texts(wes.messages), order)
    assert.deepEqual(
      stomp.map((m) => m.body),
      order,
    )
    assert.deepEqual(texts(sse.messages), order)
    assert.equal(first.seq, stream.messages.find((m) => m.id === 'r0').seq)
    const seqs = stream.messages.map((m) => m.seq)
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    )
    let typing = ''
    wes.client.on('typing', (m) => (typing = m.name))
    fireAndForget(rs, 'room.typing', {})
    await until(() => typing === 'Rita', 'typing reaches beacon.v1')
    const page = await request(rs, 'room.history', { before: seqs[5]! })
    assert.deepEqual(
      page.messages.map((m: any) => m.seq),
      seqs.slice(0, 5),
    )
    await assert.rejects(request(rs, 'room.nope', {}), /unknown route room\.nope.*room\.send/)
    await assert.rejects(request(rs, 'room.send', { id: 'bad' }), /bad_frame/)
    rs.close()
    await until(() => !wes.client.members.some((m) => m.name === 'Rita'), 'Rita left')
    wes.client.close()
    await sc.deactivate()
    sse.cut()
  })

  it('a reader that requests one frame at a time gets all of a flood in order and stays, with the host holding a bounded queue', async () => {
    const rs = await connectRSocket(rsUrl(host))
    const one = new RoomStream(rs, { name: 'One', client: 'rs-one' }, 1, (_f, s) => setImmediate(() => s.request(1)))
    await until(() => one.welcome, 'joined')
    const got = await flood(host, 200, 2000, () => one.messages.length >= 200)
    assert.equal(one.error, undefined, 'the slow but asking reader is not closed')
    const seqs = one.messages.map((m) => m.seq)
    assert.deepEqual(
      seqs,
      Array.from({ length: 200 }, (_, i) => seqs[0] + i),
    )
    assert.ok(got.peakQueued <= LIMITS.sendHighWaterBytes, `peak queued ${got.peakQueued}`)
    assert.ok(got.rssGrowth < 64 * 1024 * 1024, `RSS grew ${got.rssGrowth}`)
    rs.close()
  })

  it('a reader that stops asking is closed too_slow, told to resume, and what waits for it stays under the bound', async () => {
    const small = await startHost({ highWaterBytes: 64 * 1024 })
    try {
      const rs = await connectRSocket(rsUrl(small))
      const stuck = new RoomStream(rs, { name: 'Stuck', client: 'rs-stuck' }, 1)
      await until(() => stuck.welcome, 'joined')
      const got = await flood(small, 100, 2000, () => stuck.error !== undefined)
      assert.match(stuck.error!.message, /too_slow.*resume/)
      assert.ok(got.peakQueued <= 64 * 1024 + 4096, `peak queued ${got.peakQueued}`)
      rs.close()
    } finally {
      await small.stop()
    }
  })

  it('a member that reconnects with resume gets exactly what it missed', async () => {
    const rs = await connectRSocket(rsUrl(host))
    const s1 = new RoomStream(rs, { name: 'Rex', client: 'rs-rex' }, 1000)
    await until(() => s1.welcome, 'welcome')
    const wes = nodeClient(host.server.url, 'Wade')
    await until(() => wes.client.state.status === 'open', 'Wade open')
    for (let i = 0; i < 3; i++) wes.client.send(`before ${i}`)
    await until(() => s1.messages.filter((m) => m.text.startsWith('before')).length === 3, 'three before')
    const epoch = s1.welcome.room.epoch
    const after = s1.messages.at(-1).seq
    rs.close() // the cut
    await until(() => !wes.client.members.some((m) => m.name === 'Rex'), 'Rex gone')
    for (let i = 0; i < 4; i++) wes.client.send(`missed ${i}`)
    await until(() => wes.messages.filter((m) => m.text.startsWith('missed')).length === 4, 'sent')
    const rs2 = await connectRSocket(rsUrl(host))
    const s2 = new RoomStream(rs2, { name: 'Rex', client: 'rs-rex', resume: { epoch, after } }, 1000)
    await until(() => s2.welcome, 'welcome again')
    assert.equal(s2.welcome.resumed, true)
    wes.client.send('live')
    await until(() => s2.messages.some((m) => m.text === 'live'), 'live message')
    const got = [...s2.welcome.history, ...s2.messages].map((m: any) => m.text)
    assert.deepEqual(got, ['missed 0', 'missed 1', 'missed 2', 'missed 3', 'live'])
    rs2.close()
    wes.client.close()
  })

  it('a password room: the stream carries the challenge, room.auth answers it with a proof, a wrong one is refused', async () => {
    const locked = await startHost({ password: 'open sesame' })
    try {
      const rs = await connectRSocket(rsUrl(locked))
      const s = new RoomStream(rs, { name: 'Pat', client: 'rs-pat' }, 100)
      const ch = await until(() => s.frames.find((f) => f.type === 'challenge'), 'challenge')
      const proof = await answerChallenge('open sesame', ch)
      assert.deepEqual(await request(rs, 'room.auth', { proof }), { type: 'joined' })
      await until(() => s.welcome, 'welcome after the proof')
      rs.close()
      const bad = await connectRSocket(rsUrl(locked))
      const b = new RoomStream(bad, { name: 'Mal', client: 'rs-mal' }, 100)
      const ch2 = await until(() => b.frames.find((f) => f.type === 'challenge'), 'challenge')
      await assert.rejects(request(bad, 'room.auth', { proof: await answerChallenge('guess', ch2) }), /wrong_password/)
      await until(() => b.error, 'stream ended')
      assert.match(b.error!.message, /wrong_password/)
      assert.equal(b.welcome, undefined)
    } finally {
      await locked.stop()
    }
  })

  it('bad input gets an RSocket ERROR or a close, and the room keeps serving others', async () => {
    const wes = nodeClient(host.server.url, 'Watcher')
    await until(() => wes.client.state.status === 'open', 'watcher open')
    // a CBOR connection: the SETUP is rejected naming what is accepted
    const cbor = await connectRSocket(rsUrl(host), { dataMimeType: 'application/cbor' })
    await assert.rejects(request(cbor, 'room.send', { id: 'c', text: 'c' }), /application\/cbor.*application\/json/)
    cbor.close()
    // a request before SETUP
    const early = new RawPeer(rsUrl(host))
    await early.opened
    early.send({
      type: FrameTypes.REQUEST_RESPONSE,
      streamId: 1,
      flags: Flags.METADATA,
      data: Buffer.from('{}'),
      metadata: Buffer.alloc(0),
    } as Frame)
    await until(() => early.closeCode, 'closed')
    assert.match(early.errors()[0]!, /expected SETUP/)
    // a broken frame, a truncated one, a text message
    for (const junk of [Buffer.from([0, 0, 0, 1, 0xff, 0xff]), serializeFrame(setupFrame()).subarray(0, 9)]) {
      const p = new RawPeer(rsUrl(host))
      await p.opened
      p.send(junk)
      await until(() => p.closeCode, 'closed')
      assert.ok(p.errors().length === 1 && /broken frame|expected SETUP/.test(p.errors()[0]!), p.errors().join())
    }
    // an oversized frame closes 1009
    const big = new RawPeer(rsUrl(host))
    await big.opened
    big.send(setupFrame())
    big.send({
      type: FrameTypes.REQUEST_FNF,
      streamId: 1,
      flags: Flags.METADATA,
      data: Buffer.alloc(70 * 1024),
      metadata: routeMetadata('room.typing'),
    } as Frame)
    await until(() => big.closeCode, 'closed')
    assert.equal(big.closeCode, 1009)
    // request(n) abuse: REQUEST_N 0 on the room stream
    const abuser = new RawPeer(rsUrl(host))
    await abuser.opened
    abuser.send(setupFrame())
    abuser.send({
      type: FrameTypes.REQUEST_STREAM,
      streamId: 1,
      flags: Flags.METADATA,
      requestN: 1,
      data: Buffer.from('{"name":"Ab","client":"rs-ab"}'),
      metadata: encodeRoute('room.stream'),
    } as Frame)
    await until(() => abuser.frames.some((f) => f.type === FrameTypes.PAYLOAD), 'welcome')
    abuser.send({ type: FrameTypes.REQUEST_N, streamId: 1, flags: Flags.NONE, requestN: 0 } as Frame)
    await until(() => abuser.closeCode, 'closed')
    assert.match(abuser.errors().join(), /request\(n\) needs 1/)
    // a fragmented request
    const frag = new RawPeer(rsUrl(host))
    await frag.opened
    frag.send(setupFrame())
    frag.send({
      type: FrameTypes.REQUEST_RESPONSE,
      streamId: 1,
      flags: Flags.METADATA | Flags.FOLLOWS,
      data: Buffer.from('{'),
      metadata: Buffer.alloc(0),
    } as Frame)
    await until(() => frag.closeCode, 'closed')
    assert.match(frag.errors().join(), /fragmented/)
    const unjoined = await connectRSocket(rsUrl(host))
    await assert.rejects(request(unjoined, 'room.send', { id: 'q', text: 'q' }), /not_joined: say hello first/)
    unjoined.close()
    const before = wes.messages.length
    wes.client.send('still here')
    await until(() => wes.messages.length > before, 'the room still serves')
    wes.client.close()
    assert.equal(ErrorCodes.APPLICATION_ERROR, 0x201)
  })

  it('keepalive is honoured: answered when asked, and a connection silent past its lifetime is closed', async () => {
    const p = new RawPeer(rsUrl(host))
    await p.opened
    p.send({ ...setupFrame(), keepAlive: 100, lifetime: 400 } as Frame)
    p.send({ type: FrameTypes.KEEPALIVE, streamId: 0, flags: Flags.RESPOND, lastReceivedPosition: 0, data: Buffer.from('k') } as Frame)
    await until(() => p.frames.some((f) => f.type === FrameTypes.KEEPALIVE), 'the keepalive answered')
    await until(() => p.closeCode, 'closed for silence')
    assert.match(p.errors().join(), /no keep-alive/i)
  })

  it('an RSocket connection that never sets up or joins is closed at the hello deadline', async () => {
    const quick = await startHost({ helloTimeoutMs: 300 })
    try {
      const p = new RawPeer(rsUrl(quick))
      await p.opened
      await until(() => p.closeCode, 'closed')
      assert.match(p.errors().join(), /hello_timeout/)
      assert.equal(p.closeCode, 1008)
    } finally {
      await quick.stop()
    }
  })

  it('when the host stops, the RSocket member stream ends with host_stopped and its connection closes 1001', async () => {
    const h = await startHost({})
    const p = new RawPeer(rsUrl(h))
    await p.opened
    p.send(setupFrame())
    p.send({
      type: FrameTypes.REQUEST_STREAM,
      streamId: 1,
      flags: Flags.METADATA,
      requestN: 10,
      data: Buffer.from('{"name":"Stay","client":"rs-stay"}'),
      metadata: encodeRoute('room.stream'),
    } as Frame)
    await until(() => p.frames.some((f) => f.type === FrameTypes.PAYLOAD), 'welcome')
    await h.stop()
    await until(() => p.closeCode, 'closed')
    assert.equal(p.closeCode, 1001)
    assert.match(p.errors().join(), /host_stopped/)
  })

  it('RSocket connections count against the address budget: one more is refused 503', async () => {
    const tight = await startHost({ connections: { perAddress: 1, total: 10 } })
    try {
      const first = new RawPeer(rsUrl(tight))
      await first.opened
      const second = new WebSocket(rsUrl(tight))
      const status = await new Promise<number | undefined>((resolve) => {
        second.once('unexpected-response', (_req, res) => resolve(res.statusCode))
        second.once('open', () => resolve(undefined))
        second.once('error', () => resolve(undefined))
      })
      assert.equal(status, 503)
      first.ws.close()
    } finally {
      await tight.stop()
    }
  })
})
