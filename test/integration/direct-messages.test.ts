// Direct messages (issue 15): only the sender's and the recipient's connections ever get one, on every transport,
// live and in welcomes, resumes, scrollback and HTTP replays; a third member sees a gap in seq instead.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import { after, describe, it } from 'node:test'
import { History } from '../../src/main/server/history.ts'
import type { Transport } from '../../src/main/server/outbound.ts'
import { Room, type Peer } from '../../src/main/server/room.ts'
import type { ChatMessage } from '../../src/shared/protocol.ts'
import { roomDirWith, startHost, type TestHost } from '../helpers/host.ts'
import { RawClient } from '../helpers/raw-client.ts'
import { connectRSocket, request, RoomStream } from './rsocket-lib.ts'
import { join, postJson, SseReader, stompMember, until } from './transports-lib.ts'

const texts = (ms: readonly { text: string }[]): string[] => ms.map((m) => m.text)
const seqs = (ms: readonly { seq: number }[]): number[] => ms.map((m) => m.seq)

describe('direct messages', () => {
  const hosts: TestHost[] = []
  const clients: RawClient[] = []
  after(async () => {
    for (const c of clients) c.ws.terminate()
    for (const h of hosts) await h.dispose()
  })
  const host = async (opts: Parameters<typeof startHost>[0] = {}) => {
    const h = await startHost(opts)
    hosts.push(h)
    return h
  }
  const member = async (h: TestHost, name: string, client: string, resume?: { epoch: string; after: number }) => {
    const c = await RawClient.join(h.url, name, client, resume)
    clients.push(c)
    assert.equal(c.welcome?.type, 'welcome', `${name} joined`)
    return c
  }

  it('reach the sender and every connection of the recipient, in seq order, and never a third member', async () => {
    const h = await host()
    const ann = await member(h, 'Ann', 'ann')
    const bo = await member(h, 'Bo', 'bo')
    const boPhone = await member(h, 'Bo', 'bo') // the same member on a second device
    const cy = await member(h, 'Cy', 'cy')
    const boId = bo.welcome!.you.id
    assert.equal((await ann.post({ id: 'a1', text: 'lunch?' })).type, 'ack')
    const dm = await ann.post({ id: 'a2', text: 'just us two', to: boId })
    assert.equal(dm.type, 'ack')
    assert.equal((await ann.post({ id: 'a3', text: 'anyone else?' })).type, 'ack')
    for (const c of [ann, bo, boPhone]) {
      await c.until(() => c.messages.length === 3, 'all three messages')
      assert.deepEqual(texts(c.messages), ['lunch?', 'just us two', 'anyone else?'], 'in seq order')
      assert.equal(c.messages[1]!.to, boId)
      assert.equal(c.messages[1]!.seq, dm.seq)
    }
    await cy.until(() => cy.messages.length === 2, 'the two room messages')
    assert.deepEqual(texts(cy.messages), ['lunch?', 'anyone else?'])
    assert.deepEqual(seqs(cy.messages), [dm.seq! - 1, dm.seq! + 1], 'a gap where the direct message is')
    // A reply comes back the same way; the burst of traffic after it still never reaches Cy.
    assert.equal((await bo.post({ id: 'b1', text: 'sure', to: ann.welcome!.you.id })).type, 'ack')
    await ann.until(() => ann.messages.some((m) => m.text === 'sure'), 'the reply')
    await boPhone.until(() => boPhone.messages.some((m) => m.text === 'sure'), 'the reply on the other device')
    assert.equal((await cy.post({ id: 'c1', text: 'hello?' })).type, 'ack')
    await ann.until(() => ann.messages.some((m) => m.text === 'hello?'), 'Cy heard')
    assert.ok(!cy.messages.some((m) => m.to !== undefined), 'Cy never got a direct message')
  })

  it('are left out of a third member’s welcome, resume and scrollback, and kept in the recipient’s', async () => {
    const h = await host()
    const ann = await member(h, 'Ann', 'ann')
    const bo = await member(h, 'Bo', 'bo')
    const boId = bo.welcome!.you.id
    for (let i = 1; i <= 6; i++) await ann.post({ id: `m${i}`, text: `message ${i}`, ...(i % 2 === 0 ? { to: boId } : {}) })
    const epoch = ann.welcome!.room.epoch
    const fresh = await member(h, 'Cy', 'cy')
    assert.deepEqual(texts(fresh.welcome!.history), ['message 1', 'message 3', 'message 5'])
    const resumed = await member(h, 'Dee', 'dee', { epoch, after: 0 })
    assert.equal(resumed.welcome!.resumed, true)
    assert.deepEqual(texts(resumed.welcome!.history), ['message 1', 'message 3', 'message 5'])
    resumed.send({ type: 'history', before: 100 })
    await resumed.until(() => resumed.of('history').length > 0, 'a scrollback page')
    const page = resumed.of('history')[0]!
    assert.deepEqual(texts(page.messages), ['message 1', 'message 3', 'message 5'])
    assert.equal(page.start, true, 'the beginning of the room, though its first page skipped direct messages')
    const boAgain = await member(h, 'Bo', 'bo', { epoch, after: 0 })
    assert.deepEqual(texts(boAgain.welcome!.history), ['message 1', 'message 2', 'message 3', 'message 4', 'message 5', 'message 6'])
    boAgain.send({ type: 'history', before: 5, limit: 2 })
    await boAgain.until(() => boAgain.of('history').length > 0, 'Bo’s scrollback page')
    assert.deepEqual(texts(boAgain.of('history')[0]!.messages), ['message 3', 'message 4'])
  })

  it('to a recipient who is away arrive when it comes back; an id that never joined is refused no_such_member', async () => {
    const h = await host()
    const ann = await member(h, 'Ann', 'ann')
    const bo = await member(h, 'Bo', 'bo')
    const boId = bo.welcome!.you.id
    const epoch = bo.welcome!.room.epoch
    await ann.post({ id: 'before', text: 'before Bo left' })
    await bo.until(() => bo.messages.length === 1, 'Bo has the room message')
    const position = bo.messages[0]!.seq
    bo.ws.close()
    await ann.until(() => ann.of('left').length > 0, 'Bo left')
    assert.equal((await ann.post({ id: 'away', text: 'for when you are back', to: boId })).type, 'ack')
    const stranger = await ann.post({ id: 'nobody', text: 'hello?', to: 'AAAAAAAAAAAA' })
    assert.equal(stranger.code, 'no_such_member')
    assert.equal((await ann.post({ id: 'bad', text: 'hello?', to: 'not an id' })).code, 'bad_frame')
    // After a restart the room still knows Bo: members are kept with the log.
    await h.stop()
    const again = await host({ dataDir: h.dataDir })
    const ann2 = await member(again, 'Ann', 'ann')
    assert.equal((await ann2.post({ id: 'later', text: 'and one more', to: boId })).type, 'ack')
    const boBack = await member(again, 'Bo', 'bo', { epoch, after: position })
    assert.deepEqual(texts(boBack.welcome!.history), ['for when you are back', 'and one more'])
    assert.ok(boBack.welcome!.history.every((m) => m.to === boId))
  })

  it('between others are skipped by a long resume replayed page by page', async () => {
    const { dir, epoch } = roomDirWith(0)
    const log = new History(dir)
    const idOf = (client: string) => memberIdOf(log.id, client)
    const big = 'x'.repeat(3000)
    for (let seq = 1; seq <= 400; seq++) {
      const dm = seq % 2 === 0
      const m: ChatMessage = { type: 'message', seq, id: `m${seq}`, from: { id: idOf('ann'), name: 'Ann' }, text: `${seq} ${big}`, ts: seq }
      if (dm) m.to = idOf('bo')
      log.append('ann', m)
    }
    log.remember(idOf('bo'))
    log.close()
    const h = await host({ dataDir: dir })
    const cy = await member(h, 'Cy', 'cy', { epoch, after: 0 })
    await cy.until(() => cy.messages.at(-1)?.seq === 399 || cy.welcome!.history.at(-1)?.seq === 399, 'the replay to its end', 20_000)
    const got = [...cy.welcome!.history, ...cy.messages]
    assert.ok(cy.welcome!.history.length < got.length, 'the welcome held only the first part')
    assert.deepEqual(
      seqs(got),
      Array.from({ length: 200 }, (_, i) => 2 * i + 1),
      'every room message once, no direct one',
    )
    const bo = await member(h, 'Bo', 'bo', { epoch, after: 300 })
    await bo.until(() => [...bo.welcome!.history, ...bo.messages].length === 100, 'Bo’s replay')
    assert.equal([...bo.welcome!.history, ...bo.messages].filter((m) => m.to !== undefined).length, 50)
  })
})

/** Room.memberId's rule, so a log can be written before its host runs. */
function memberIdOf(roomId: string, client: string): string {
  return createHash('sha256').update(`${roomId}\0${client}`).digest('base64url').slice(0, 12)
}

describe('direct messages on the other transports', () => {
  let h: TestHost
  after(async () => {
    await h?.dispose()
  })

  it('never reach an SSE, polling, STOMP or RSocket third member, live, replayed or in scrollback; an SSE recipient gets them', async () => {
    h = await startHost()
    const base = `http://127.0.0.1:${h.server.port}`
    const ann = await RawClient.join(h.url, 'Ann', 'ann')
    const annId = ann.welcome!.you.id
    // Bo listens over SSE: the recipient.
    const boJoin = await join(base, 'Bo', 'bo')
    const boId = boJoin.frames[0].you.id as string
    const boSse = new SseReader(`${base}/api/events?member=${boJoin.member}`)
    // The third members: SSE, polling, STOMP, RSocket.
    const sseJoin = await join(base, 'Sy', 'sy')
    const sse = new SseReader(`${base}/api/events?member=${sseJoin.member}`)
    const pollJoin = await join(base, 'Po', 'po')
    const polled: any[] = []
    const stopPolling = new AbortController()
    let pollAfter = pollJoin.frames[0].seq as number
    const poller = (async () => {
      while (!stopPolling.signal.aborted) {
        const r = await fetch(`${base}/api/poll?member=${pollJoin.member}&after=${pollAfter}`, { signal: stopPolling.signal })
        const body = (await r.json()) as { frames: any[] }
        for (const f of body.frames) {
          if (f.type !== 'message') continue
          polled.push(f)
          pollAfter = f.seq
        }
      }
    })().catch(() => {}) // ended by stopPolling
    const { client: stomp, got: stompGot } = await stompMember(h.url, 'Stu')
    const rs = await connectRSocket(`ws://127.0.0.1:${h.server.port}/rsocket`)
    const stream = new RoomStream(rs, { name: 'Rita', client: 'rita' }, 1000)
    await until(() => stream.welcome, 'the RSocket welcome')
    await ann.until(() => ann.of('joined').length >= 5, 'everyone joined')

    assert.equal((await ann.post({ id: 'r1', text: 'room one' })).type, 'ack')
    const dm = await ann.post({ id: 'd1', text: 'psst', to: boId })
    assert.equal(dm.type, 'ack')
    const fromBo = await postJson(`${base}/api/send?member=${boJoin.member}`, { id: 'bo-1', text: 'psst back', to: annId })
    assert.equal(fromBo.status, 200)
    assert.equal((await ann.post({ id: 'r2', text: 'room two' })).type, 'ack')

    const bodies = (list: readonly { data: any }[]) => list.filter((e) => e.data.type === 'message').map((e) => e.data.text)
    await until(() => bodies(boSse.events).length === 4, 'Bo’s stream has all four')
    assert.deepEqual(bodies(boSse.events), ['room one', 'psst', 'psst back', 'room two'])
    await until(() => bodies(sse.events).includes('room two'), 'the SSE third member')
    await until(() => polled.some((m) => m.text === 'room two'), 'the polling third member')
    await until(() => stompGot.some((m) => m.body === 'room two'), 'the STOMP third member')
    await until(() => stream.messages.some((m) => m.text === 'room two'), 'the RSocket third member')
    assert.deepEqual(bodies(sse.events), ['room one', 'room two'])
    assert.deepEqual(texts(polled), ['room one', 'room two'])
    assert.deepEqual(
      stompGot.map((m) => m.body),
      ['room one', 'room two'],
    )
    assert.deepEqual(texts(stream.messages), ['room one', 'room two'])

    // Replays and scrollback: an SSE stream resumed from before, a poll with an old `after`, GET /api/history, room.history.
    sse.cut()
    const sseAgain = new SseReader(`${base}/api/events?member=${sseJoin.member}`, { 'Last-Event-ID': '0' })
    await until(() => bodies(sseAgain.events).includes('room two'), 'the SSE replay')
    assert.deepEqual(bodies(sseAgain.events), ['room one', 'room two'])
    stopPolling.abort()
    await poller
    const replayed = (await (await fetch(`${base}/api/poll?member=${pollJoin.member}&after=0&wait=0`)).json()) as { frames: any[] }
    assert.deepEqual(texts(replayed.frames.filter((f) => f.type === 'message')), ['room one', 'room two'])
    const history = (await (await fetch(`${base}/api/history?member=${sseJoin.member}&before=100`)).json()) as { frames: any[] }
    assert.deepEqual(texts(history.frames[0].messages), ['room one', 'room two'])
    const boHistory = (await (await fetch(`${base}/api/history?member=${boJoin.member}&before=100`)).json()) as { frames: any[] }
    assert.deepEqual(texts(boHistory.frames[0].messages), ['room one', 'psst', 'psst back', 'room two'])
    const page = await request(rs, 'room.history', { before: 100 })
    assert.deepEqual(texts(page.messages), ['room one', 'room two'])

    sseAgain.cut()
    boSse.cut()
    stream.cancel()
    rs.close()
    await stomp.deactivate()
    ann.ws.terminate()
  })
})

describe('direct messages in the room’s flush window', () => {
  /** A member connection that records what the room writes to it, in order (the room's side of any transport). */
  const peer = (room: Room, name: string, client: string) => {
    const got: { type: string; text?: string; history?: ChatMessage[] }[] = []
    const transport: Transport = {
      remoteAddress: '127.0.0.1',
      send: (o) => void got.push(o.frame),
      sendWelcome: (w) => void got.push(JSON.parse(Buffer.concat(w.parts).toString())),
      deliver: (batch, own) => void got.push(...batch.frames.map((o) => o.frame), ...(own ?? []).map((o) => o.frame)),
      close: () => {},
    }
    const p: Peer = { member: { id: room.memberId(client), name }, clientId: client, transport, close: () => room.leave(p) }
    return { p, got, texts: () => got.filter((f) => f.type === 'message').map((f) => f.text) }
  }

  it('a connection that joins while one is waiting to go out gets it once, in its welcome, and the rest in order', async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'beacon-dm-window-'))
    const room = new Room({ history: new History(dir), name: 'Window', host: 'tester' })
    try {
      const [ann, bo, cy] = [peer(room, 'Ann', 'ann'), peer(room, 'Bo', 'bo'), peer(room, 'Cy', 'cy')]
      for (const m of [ann, bo, cy]) room.join(m.p, undefined)
      const post = (id: string, to?: string) => room.post(ann.p, { type: 'send', id, text: id, ...(to ? { to } : {}) }, () => true)
      // All in one turn: the flush comes after.
      post('dm-1', bo.p.member.id)
      const boPhone = peer(room, 'Bo', 'bo')
      room.join(boPhone.p, undefined)
      post('room-1')
      post('dm-2', bo.p.member.id)
      await new Promise((r) => setTimeout(r, 50))
      const welcome = boPhone.got.find((f) => f.type === 'welcome')!
      assert.deepEqual(
        welcome.history!.map((m) => m.text),
        ['dm-1'],
      )
      assert.deepEqual(boPhone.texts(), ['room-1', 'dm-2'], 'dm-1 not a second time')
      assert.deepEqual(bo.texts(), ['dm-1', 'room-1', 'dm-2'])
      assert.deepEqual(ann.texts(), ['dm-1', 'room-1', 'dm-2'])
      assert.deepEqual(cy.texts(), ['room-1'])
    } finally {
      room.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
