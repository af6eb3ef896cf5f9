// The HTTP fall-back transports, route by route (docs/PROTOCOL-HTTP.md), with fetch and a raw SSE reader:
// what a curl user would see, including every kind of bad input.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Lockout } from '../../src/main/server/auth.ts'
import { ConnectionBudget } from '../../src/main/server/budget.ts'
import { History } from '../../src/main/server/history.ts'
import { Room, type RoomOptions } from '../../src/main/server/room.ts'
import { HttpGateway, type HttpGatewayOptions } from '../../src/main/server/transports/http.ts'
import { answerChallenge } from '../../src/shared/password.ts'
import { join, nodeClient, postJson, sleep, SseReader, startHost, until } from './transports-lib.ts'

type Host = Awaited<ReturnType<typeof startHost>>
/** A host frame as the tests read it. */
type Frame = { type: string; text?: string; seq: number }
const hello = (name: string, client: string) => ({ type: 'hello', protocol: 1, name, client })

describe('HTTP transports: join, send, SSE, polling', () => {
  let host: Host
  let base: string
  before(async () => {
    host = await startHost({ httpLimits: { longPollMs: 400, absentMs: 1500, sseHeartbeatMs: 200, maxOpenPerAddress: 6 } })
    base = host.base
  })
  after(async () => {
    await host.stop()
  })

  it('POST /api/join answers a member id and the welcome; the SSE stream sets retry and numbers messages by seq', async () => {
    const j = await join(base, 'Ann', 'c-ann')
    assert.match(j.member, /^[\w-]{20,}$/)
    assert.equal(j.frames[0].type, 'welcome')
    assert.equal(j.frames[0].you.name, 'Ann')
    const sse = new SseReader(`${base}/api/events?member=${j.member}`)
    await until(() => sse.retry, 'retry field')
    assert.equal(sse.status, 200)
    assert.equal(sse.retry, 2000)
    const r = await postJson(`${base}/api/send?member=${j.member}`, { id: 'm1', text: 'hello' })
    assert.equal(r.status, 200)
    assert.equal(r.json.frames[0].type, 'ack')
    const msg = await until(() => sse.events.find((e) => e.data.type === 'message' && e.data.id === 'm1'), 'message on the stream')
    assert.equal(msg.id, String(msg.data.seq))
    assert.equal(r.json.frames[0].seq, msg.data.seq)
    // The same id again: acknowledged with the original seq, not stored twice.
    const again = await postJson(`${base}/api/send?member=${j.member}`, { type: 'send', id: 'm1', text: 'hello' })
    assert.deepEqual(again.json.frames[0], { type: 'ack', id: 'm1', seq: msg.data.seq })
    await sleep(100)
    assert.equal(sse.messages.filter((m) => m.id === 'm1').length, 1)
    await until(() => sse.comments.includes('hb'), 'heartbeat comment')
    sse.cut()
    assert.equal((await postJson(`${base}/api/leave?member=${j.member}`, {})).status, 204)
  })

  it('an SSE member whose stream is cut resumes with Last-Event-ID and misses nothing', async () => {
    const j = await join(base, 'Cut', 'c-cut')
    const other = await join(base, 'Talker', 'c-talker')
    const otherStream = new SseReader(`${base}/api/events?member=${other.member}`)
    const sse = new SseReader(`${base}/api/events?member=${j.member}`)
    await until(() => sse.retry && otherStream.retry, 'streams open')
    for (let i = 0; i < 3; i++) await postJson(`${base}/api/send?member=${other.member}`, { id: `a${i}`, text: `before ${i}` })
    await until(() => sse.messages.length === 3, 'three messages')
    const last = sse.lastId!
    sse.cut()
    for (let i = 0; i < 4; i++) await postJson(`${base}/api/send?member=${other.member}`, { id: `b${i}`, text: `during ${i}` })
    const back = new SseReader(`${base}/api/events?member=${j.member}`, { 'Last-Event-ID': last })
    await until(() => back.messages.length === 4, 'the four missed messages')
    await postJson(`${base}/api/send?member=${other.member}`, { id: 'c0', text: 'after' })
    await until(() => back.messages.length === 5, 'live again')
    assert.deepEqual(
      back.messages.map((m) => m.text),
      ['during 0', 'during 1', 'during 2', 'during 3', 'after'],
    )
    const seqs = [...sse.messages, ...back.messages].map((m) => m.seq)
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    )
    assert.equal(new Set(seqs).size, seqs.length)
    back.cut()
    otherStream.cut()
    await postJson(`${base}/api/leave?member=${j.member}`, {})
    await postJson(`${base}/api/leave?member=${other.member}`, {})
  })

  it('GET /api/poll waits for news and answers at once when it comes; wait=0 never waits; after= replays', async () => {
    const j = await join(base, 'Poller', 'c-poll')
    const seq0 = j.frames[0].seq as number
    // Nothing new: a long poll comes back empty after longPollMs.
    const empty = await (await fetch(`${base}/api/poll?member=${j.member}&after=${seq0}`)).json()
    // (the member's own `joined` may be the only frame)
    assert.ok(empty.frames.every((f: Frame) => f.type !== 'message'))
    const waiting = fetch(`${base}/api/poll?member=${j.member}&after=${seq0}`).then((r) => r.json())
    await sleep(50)
    await postJson(`${base}/api/send?member=${j.member}`, { id: 'p1', text: 'news' })
    const got = await waiting
    assert.equal(got.frames.find((f: Frame) => f.type === 'message').text, 'news')
    const short = await fetch(`${base}/api/poll?member=${j.member}&wait=0&after=${got.frames.at(-1).seq}`)
    assert.equal(short.status, 200)
    assert.deepEqual((await short.json()).frames, [])
    // A poll whose answer was lost: asking again from the older seq replays the message.
    const replay = await (await fetch(`${base}/api/poll?member=${j.member}&wait=0&after=${seq0}`)).json()
    assert.deepEqual(
      replay.frames.map((f: Frame) => f.text),
      ['news'],
    )
    assert.equal((await fetch(`${base}/api/poll?member=${j.member}&after=abc`)).status, 400)
    await postJson(`${base}/api/leave?member=${j.member}`, {})
  })

  it('POST /api/typing relays typing to the others; POST /api/leave broadcasts left and the member id is then gone (410)', async () => {
    const a = await join(base, 'Typer', 'c-typer')
    const b = await join(base, 'Watcher', 'c-watch')
    const sse = new SseReader(`${base}/api/events?member=${b.member}`)
    await until(() => sse.retry, 'stream')
    const t = await fetch(`${base}/api/typing?member=${a.member}`, { method: 'POST' })
    assert.equal(t.status, 204)
    await until(() => sse.events.find((e) => e.data.type === 'typing' && e.data.member.name === 'Typer'), 'typing')
    assert.equal((await postJson(`${base}/api/leave?member=${a.member}`, {})).status, 204)
    await until(() => sse.events.find((e) => e.data.type === 'left' && e.data.member.name === 'Typer'), 'left')
    const gone = await postJson(`${base}/api/send?member=${a.member}`, { id: 'x', text: 'x' })
    assert.equal(gone.status, 410)
    assert.equal(gone.json.type, 'closing')
    sse.cut()
    await postJson(`${base}/api/leave?member=${b.member}`, {})
  })

  it('an HTTP member with no stream or poll for absentMs leaves the room (left is broadcast)', async () => {
    const ws = nodeClient(host.server.url, 'Witness')
    await until(() => ws.client.state.status === 'open', 'ws open')
    const j = await join(base, 'Ghost', 'c-ghost')
    await until(() => ws.client.members.some((m) => m.name === 'Ghost'), 'Ghost joined')
    await until(() => !ws.client.members.some((m) => m.name === 'Ghost'), 'Ghost left', 8000)
    const r = await fetch(`${base}/api/poll?member=${j.member}&wait=0`)
    assert.equal(r.status, 410)
    assert.equal((await r.json()).reason, 'absent')
    ws.client.close()
  })

  it('bad input gets a clear status and error frame, and the room keeps serving', async () => {
    const j = await join(base, 'Bad', 'c-bad')
    const send = `${base}/api/send?member=${j.member}`
    const cases: [string, ReturnType<typeof postJson>, number, string | undefined][] = [
      ['not JSON', postJson(`${base}/api/join`, '{nope'), 400, 'bad_frame'],
      ['not an object', postJson(`${base}/api/join`, '[1,2]'), 400, 'bad_frame'],
      ['no name', postJson(`${base}/api/join`, { protocol: 1, client: 'x' }), 400, 'bad_frame'],
      ['name too long', postJson(`${base}/api/join`, { protocol: 1, name: 'n'.repeat(40), client: 'x' }), 400, 'bad_frame'],
      ['another protocol', postJson(`${base}/api/join`, { protocol: 2, name: 'n', client: 'x' }), 400, 'unsupported_protocol'],
      ['wrong frame type', postJson(`${base}/api/join`, { type: 'send', id: 'a', text: 'b' }), 400, 'bad_frame'],
      ['oversized body', postJson(`${base}/api/join`, { protocol: 1, name: 'n', client: 'x', pad: 'x'.repeat(70_000) }), 413, 'too_large'],
      ['text too long', postJson(send, { id: 'long', text: 'x'.repeat(4001) }), 413, 'too_large'],
      ['empty text', postJson(send, { id: 'e', text: '' }), 400, 'bad_frame'],
      ['no id', postJson(send, { text: 'hi' }), 400, 'bad_frame'],
      ['unknown member', postJson(`${base}/api/send?member=nobody`, { id: 'a', text: 'b' }), 404, 'not_joined'],
      ['no member', postJson(`${base}/api/send`, { id: 'a', text: 'b' }), 404, 'not_joined'],
      ['auth without a challenge', postJson(`${base}/api/auth?member=${j.member}`, { proof: 'AAAA' }), 400, 'bad_frame'],
      ['foreign Origin', postJson(send, { id: 'o', text: 'b' }, { Origin: 'http://evil.example' }), 403, 'bad_frame'],
    ]
    for (const [what, p, status, code] of cases) {
      const r = await p
      assert.equal(r.status, status, what)
      if (code) assert.equal((r.json.frames?.[0] ?? r.json).code, code, what)
    }
    const textPlain = await fetch(send, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{"id":"a","text":"b"}' })
    assert.equal(textPlain.status, 415)
    assert.equal((await fetch(`${base}/api/join`)).status, 405)
    assert.equal((await fetch(`${base}/api/events?member=${j.member}`, { method: 'POST' })).status, 405)
    assert.equal((await fetch(`${base}/api/events?member=${j.member}`, { headers: { 'Last-Event-ID': 'x' } })).status, 400)
    assert.equal((await fetch(`${base}/api/events?member=nobody`)).status, 404)
    // A wrong Host header (DNS rebinding) is refused before any route.
    const rebinding = await new Promise<number>((resolve) => {
      request(`${base}/api/join`, { method: 'POST', headers: { Host: 'evil.example', 'Content-Type': 'application/json' } }, (res) =>
        resolve(res.statusCode!),
      ).end('{}')
    })
    assert.equal(rebinding, 421)
    // Rate limit: the same bucket as WebSocket members.
    const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => postJson(send, { id: `r${i}`, text: 'spam' })))
    const limited = burst.filter((r) => r.status === 429)
    assert.ok(limited.length > 0, 'some sends are rate limited')
    assert.equal(limited[0]!.json.frames[0].code, 'rate_limited')
    assert.ok(limited[0]!.json.frames[0].id.startsWith('r'))
    // Everything accepted was stored once: every 200 has an ack, and the room has exactly those.
    const acked = burst.filter((r) => r.status === 200).map((r) => r.json.frames[0].seq)
    assert.equal(new Set(acked).size, acked.length)
    // The room keeps serving.
    const w = nodeClient(host.server.url, 'StillHere')
    await until(() => w.client.state.status === 'open', 'open')
    w.client.send('fine')
    await until(() => w.messages.find((m) => m.text === 'fine'), 'echo')
    w.client.close()
    await postJson(`${base}/api/leave?member=${j.member}`, {})
  })

  it('streams and polls, short ones too, count against the address: one more is 503 busy', async () => {
    const j = await join(base, 'Many', 'c-many')
    const others = await Promise.all(Array.from({ length: 6 }, (_, i) => join(base, `M${i}`, `c-m${i}`)))
    const streams = others.map((o) => new SseReader(`${base}/api/events?member=${o.member}`))
    await until(() => streams.every((s) => s.status === 200), 'six streams')
    const r = await fetch(`${base}/api/events?member=${j.member}`)
    assert.equal(r.status, 503)
    assert.equal((await r.json()).code, 'busy')
    const p = await fetch(`${base}/api/poll?member=${j.member}`)
    assert.equal(p.status, 503)
    // A short poll is work too (it may replay): counted and refused alike.
    assert.equal((await fetch(`${base}/api/poll?member=${j.member}&wait=0`)).status, 503)
    for (const s of streams) s.cut()
    // The cut streams give their places back.
    let status = 0
    for (let i = 0; i < 100 && status !== 200; i++) {
      await sleep(20)
      status = (await fetch(`${base}/api/poll?member=${j.member}&wait=0`)).status
    }
    assert.equal(status, 200)
    for (const o of [j, ...others]) await postJson(`${base}/api/leave?member=${o.member}`, {})
  })
})

describe('HTTP transports: limits and passwords', () => {
  it('a password room: join gets a challenge, a wrong proof 403, the right one the welcome; sends before auth 409', async () => {
    const host = await startHost({ password: 'opensesame' })
    try {
      const j = await join(host.base, 'Pw', 'c-pw')
      const ch = j.frames[0]
      assert.equal(ch.type, 'challenge')
      const early = await postJson(`${host.base}/api/send?member=${j.member}`, { id: 'e', text: 'too early' })
      assert.equal(early.status, 409)
      assert.equal(early.json.frames[0].code, 'not_joined')
      const wrong = await postJson(`${host.base}/api/auth?member=${j.member}`, { proof: await answerChallenge('nope', ch) })
      assert.equal(wrong.status, 403)
      assert.equal(wrong.json.frames[0].code, 'wrong_password')
      assert.equal((await fetch(`${host.base}/api/poll?member=${j.member}&wait=0`)).status, 410)
      const k = await join(host.base, 'Pw', 'c-pw')
      const right = await postJson(`${host.base}/api/auth?member=${k.member}`, {
        type: 'auth',
        proof: await answerChallenge('opensesame', k.frames[0]),
      })
      assert.equal(right.status, 200)
      assert.equal(right.json.frames[0].type, 'welcome')
    } finally {
      await host.stop()
    }
  })

  it('too many members from one address: 503 busy; a queue nobody collects closes the member (410, code 1013)', async () => {
    const host = await startHost({ httpLimits: { maxMembersPerAddress: 2, maxQueuedBytes: 3000 } })
    try {
      const a = await join(host.base, 'A', 'c-a')
      const b = await join(host.base, 'B', 'c-b')
      const c = await postJson(`${host.base}/api/join`, hello('C', 'c-c'))
      assert.equal(c.status, 503)
      assert.equal(c.json.code, 'busy')
      // B never reads; A talks until B's queue overflows.
      for (let i = 0; i < 5; i++) await postJson(`${host.base}/api/send?member=${a.member}`, { id: `q${i}`, text: 'y'.repeat(1000) })
      const r = await fetch(`${host.base}/api/poll?member=${b.member}&wait=0`)
      assert.equal(r.status, 410)
      assert.equal((await r.json()).code, 1013)
      // A place is free again.
      assert.equal((await postJson(`${host.base}/api/join`, hello('C', 'c-c'))).status, 200)
    } finally {
      await host.stop()
    }
  })

  it('a slow SSE reader is closed (1013) once its backlog passes the limit, and rejoins with resume missing nothing', async () => {
    // Room for the room's resume replay (paged at 256 KiB), small enough to overflow soon.
    const host = await startHost({ httpLimits: { maxQueuedBytes: 1024 * 1024 } })
    try {
      const slow = await join(host.base, 'Slow', 'c-slow')
      const welcome = slow.frames[0]
      const sse = new SseReader(`${host.base}/api/events?member=${slow.member}`)
      await until(() => sse.retry, 'stream')
      sse.pause()
      // Enough to fill the kernel's socket buffers (a few MB on loopback) and then the host's queue.
      const text = 'z'.repeat(4000)
      let acked = 0
      for (let t = 0; t < 150; t++) {
        const talker = await join(host.base, `T${t}`, `c-t${t}`)
        const rs = await Promise.all(
          Array.from({ length: 20 }, (_, i) => postJson(`${host.base}/api/send?member=${talker.member}`, { id: `m${i}`, text })),
        )
        acked += rs.filter((r) => r.status === 200).length
        await postJson(`${host.base}/api/leave?member=${talker.member}`, {})
        // Slow is the only member left in the room until it is closed.
        if ((await fetch(`${host.base}/api/room`).then((r) => r.json())).members === 0) break
      }
      const ids = { length: acked }
      // The room kept serving.
      const w = nodeClient(host.server.url, 'StillHere')
      await until(() => w.client.state.status === 'open', 'open')
      w.client.send('fine')
      await until(() => w.messages.find((m) => m.text === 'fine'), 'echo')
      w.client.close()
      sse.cut()
      const r = await fetch(`${host.base}/api/events?member=${slow.member}`)
      assert.equal(r.status, 410)
      assert.equal((await r.json()).code, 1013)
      const lastSeen = Number(sse.lastId ?? welcome.seq)
      const back = await join(host.base, 'Slow', 'c-slow', { resume: { epoch: welcome.room.epoch, after: lastSeen } })
      assert.equal(back.frames[0].resumed, true)
      // The welcome holds what fits; the rest follows on the stream, page by page as it drains.
      // As RoomClient does: the stream asks for what follows the last message it holds.
      const held = back.frames[0].history.at(-1)?.seq ?? lastSeen
      const rest = new SseReader(`${host.base}/api/events?member=${back.member}&after=${held}`)
      const got = () => [...sse.messages, ...back.frames[0].history, ...rest.messages].map((m: Frame) => m.seq)
      await until(() => new Set(got().filter((q: number) => q <= acked)).size >= acked, 'the rest of the resume')
      rest.cut()
      const seqs = got()
      assert.equal(new Set(seqs).size, seqs.length, 'no duplicates')
      assert.equal(seqs.filter((q: number) => q <= acked).length, ids.length, 'nothing missed')
    } finally {
      await host.stop()
    }
  })
})

/** An HTTP gateway alone on loopback, so a test can give it its own budget and room options. */
async function gatewayAlone(opts: Partial<HttpGatewayOptions> = {}, roomOpts: Partial<RoomOptions> = {}) {
  const dataDir = mkdtempSync(joinPath(tmpdir(), 'beacon-http-'))
  const history = new History(dataDir)
  const room = new Room({ history, name: 'Alone', host: 'tester', ...roomOpts })
  const gateway = new HttpGateway({ room, history, lockout: new Lockout(), ownNames: new Set(), ...opts })
  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (gateway.handles(url.pathname)) gateway.handle(req, res, url)
    else res.writeHead(404).end()
  })
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
  return {
    base: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    stop: async () => {
      room.stop('host_stopped')
      gateway.close()
      http.closeAllConnections()
      await new Promise<void>((r) => http.close(() => r()))
      history.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Post `n` messages of `text` from fresh members (each within its send burst). */
async function fill(base: string, n: number, text: string): Promise<void> {
  for (let done = 0, k = 0; done < n; k++) {
    const m = await join(base, `Filler${k}`, `c-fill-${k}`)
    const batch = Math.min(20, n - done)
    const rs = await Promise.all(
      Array.from({ length: batch }, (_, i) => postJson(`${base}/api/send?member=${m.member}`, { id: `f${i}`, text })),
    )
    assert.ok(rs.every((r) => r.status === 200))
    done += batch
    await postJson(`${base}/api/leave?member=${m.member}`, {})
  }
}

describe('HTTP transports: hardening', () => {
  it('a short poll replays at most 256 KiB; the client asks again from its new after for the rest', async () => {
    const host = await startHost()
    try {
      await fill(host.base, 80, 'x'.repeat(4000)) // 320 KB of messages
      const j = await join(host.base, 'Reader', 'c-reader')
      const seen: number[] = []
      let after = 0
      for (let i = 0; i < 5 && after < j.frames[0].seq; i++) {
        const r = await fetch(`${host.base}/api/poll?member=${j.member}&after=${after}&wait=0`)
        const body = await r.text()
        assert.ok(body.length <= 256 * 1024 + 8 * 1024, `an answer of ${body.length} bytes`)
        const msgs = (JSON.parse(body) as { frames: Frame[] }).frames.filter((f) => f.type === 'message')
        assert.ok(msgs.length > 0)
        seen.push(...msgs.map((m) => m.seq))
        after = msgs.at(-1)!.seq
      }
      assert.ok(seen.length === 80 && new Set(seen).size === 80, `replayed ${seen.length} messages`)
      assert.deepEqual(
        seen,
        Array.from({ length: 80 }, (_, i) => i + 1),
      )
    } finally {
      await host.stop()
    }
  })

  it('polls count against the address budget, with members and streams: one more is 503 busy', async () => {
    const budget = new ConnectionBudget({ perAddress: 3 })
    const alone = await gatewayAlone({ budget })
    try {
      const a = await join(alone.base, 'A', 'c-a')
      const b = await join(alone.base, 'B', 'c-b')
      assert.equal(budget.total, 2)
      await fetch(`${alone.base}/api/poll?member=${a.member}&wait=0`) // collects B's joined
      assert.equal(budget.total, 2)
      const waiting = fetch(`${alone.base}/api/poll?member=${a.member}`) // a long poll: the third place
      await until(() => budget.total === 3, 'the long poll counted')
      const short = await fetch(`${alone.base}/api/poll?member=${b.member}&wait=0`)
      assert.equal(short.status, 503)
      assert.equal(((await short.json()) as { code: string }).code, 'busy')
      const c = await postJson(`${alone.base}/api/join`, hello('C', 'c-c'))
      assert.equal(c.status, 503)
      // The long poll is answered when B leaves (its `left`), and gives its place back.
      await postJson(`${alone.base}/api/leave?member=${b.member}`, {})
      assert.equal((await waiting).status, 200)
      await until(() => budget.total === 1, 'places given back')
      assert.equal((await fetch(`${alone.base}/api/poll?member=${a.member}&wait=0`)).status, 200)
      await postJson(`${alone.base}/api/leave?member=${a.member}`, {})
      await until(() => budget.total === 0, 'all given back')
    } finally {
      await alone.stop()
    }
  })

  it('an HTTP member that never polls is told to resume instead of growing', async () => {
    const host = await startHost({ httpLimits: { maxQueuedFrames: 40 } })
    try {
      const idle = await join(host.base, 'Idle', 'c-idle')
      // Presence churn: every join and leave is a frame for Idle, who never collects them.
      for (let i = 0; i < 25; i++) await postJson(`${host.base}/api/leave?member=${(await join(host.base, `P${i}`, `c-p${i}`)).member}`, {})
      const r = await fetch(`${host.base}/api/poll?member=${idle.member}&wait=0`)
      assert.equal(r.status, 410)
      assert.deepEqual(await r.json(), { type: 'closing', reason: 'too_slow', code: 1013 })
      const back = await join(host.base, 'Idle', 'c-idle', { resume: { epoch: idle.frames[0].room.epoch, after: idle.frames[0].seq } })
      assert.equal(back.frames[0].resumed, true)
    } finally {
      await host.stop()
    }
  })

  it('pings wait for an absent HTTP member as one ping, not a growing queue', async () => {
    const alone = await gatewayAlone({}, { heartbeatMs: 30 })
    try {
      const j = await join(alone.base, 'Sleepy', 'c-sleepy', { heartbeat: true })
      await sleep(400) // a dozen pings
      const r = await fetch(`${alone.base}/api/poll?member=${j.member}&wait=0`)
      const frames = ((await r.json()) as { frames: Frame[] }).frames
      assert.deepEqual(
        frames.map((f) => f.type),
        ['ping'],
      )
      // A waiting poll is answered by the next ping like by any frame.
      const p = await fetch(`${alone.base}/api/poll?member=${j.member}`)
      assert.deepEqual(((await p.json()) as { frames: Frame[] }).frames, [{ type: 'ping' }])
      await postJson(`${alone.base}/api/leave?member=${j.member}`, {})
    } finally {
      await alone.stop()
    }
  })

  it('an SSE stream whose client stops answering pings is ended; one that answers with /api/pong stays', async () => {
    const alone = await gatewayAlone({ limits: { sseHeartbeatMs: 50, deadStreamMs: 300 } }, { heartbeatMs: 50 })
    try {
      const mute = await join(alone.base, 'Mute', 'c-mute', { heartbeat: true })
      const live = await join(alone.base, 'Live', 'c-live', { heartbeat: true })
      const muteSse = new SseReader(`${alone.base}/api/events?member=${mute.member}`)
      const liveSse = new SseReader(`${alone.base}/api/events?member=${live.member}`)
      const ponger = setInterval(() => void fetch(`${alone.base}/api/pong?member=${live.member}`, { method: 'POST' }), 50)
      try {
        await until(() => muteSse.events.some((e) => e.data.type === 'ping'), 'pings on the stream')
        await until(() => muteSse.ended, 'the silent client’s stream ended', 5000)
        assert.equal(liveSse.ended, false)
        assert.ok(liveSse.events.filter((e) => e.data.type === 'ping').length > 3)
      } finally {
        clearInterval(ponger)
        liveSse.cut()
      }
      assert.equal((await fetch(`${alone.base}/api/pong?member=${live.member}`, { method: 'POST' })).status, 204)
    } finally {
      await alone.stop()
    }
  })

  it('GET /api/history pages back through the room; a bad page is 400', async () => {
    const host = await startHost()
    try {
      await fill(host.base, 5, 'old')
      const j = await join(host.base, 'Scroller', 'c-scroll')
      const page = await fetch(`${host.base}/api/history?member=${j.member}&before=4&limit=2`)
      assert.equal(page.status, 200)
      const [h] = ((await page.json()) as { frames: { type: string; before: number; start: boolean; messages: Frame[] }[] }).frames
      assert.equal(h!.type, 'history')
      assert.deepEqual(
        h!.messages.map((m) => m.seq),
        [2, 3],
      )
      assert.equal(h!.start, false)
      const first = await (await fetch(`${host.base}/api/history?member=${j.member}&before=2`)).json()
      assert.equal(first.frames[0].start, true)
      for (const q of ['before=x', 'limit=5', 'before=4&limit=0', 'before=4&limit=101'])
        assert.equal((await fetch(`${host.base}/api/history?member=${j.member}&${q}`)).status, 400, q)
      assert.equal((await fetch(`${host.base}/api/history?member=${j.member}&before=4`, { method: 'POST' })).status, 405)
    } finally {
      await host.stop()
    }
  })
})
