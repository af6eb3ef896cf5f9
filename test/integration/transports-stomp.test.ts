// The STOMP 1.2 gateway, with a real STOMP client (@stomp/stompjs) and with raw frames over `ws`.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import { Client, type IMessage } from '@stomp/stompjs'
import { WebSocket } from 'ws'
import { Lockout, makeSecret } from '../../src/main/server/auth.ts'
import { ConnectionBudget } from '../../src/main/server/budget.ts'
import { History } from '../../src/main/server/history.ts'
import { Room } from '../../src/main/server/room.ts'
import { header, StompParser, type StompFrame } from '../../src/main/server/transports/stomp-frame.ts'
import { StompGateway, type StompGatewayOptions } from '../../src/main/server/transports/stomp.ts'
import { nodeClient, sleep, startHost, until } from './transports-lib.ts'

type Host = Awaited<ReturnType<typeof startHost>>

function stompClient(url: string, login: string, extra: Partial<ConstructorParameters<typeof Client>[0]> = {}) {
  const got: IMessage[] = []
  const errors: string[] = []
  let closed = false
  const client = new Client({
    brokerURL: url,
    connectHeaders: { login },
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    onStompError: (f) => errors.push(f.headers.message ?? ''),
    onWebSocketClose: () => (closed = true),
    ...extra,
  })
  return { client, got, errors, isClosed: () => closed }
}

/** A STOMP connection by hand: every frame the host sends, parsed. */
class RawStomp {
  frames: StompFrame[] = []
  heartbeats = 0
  closeCode: number | undefined
  protocol = ''
  ws: WebSocket
  #parser = new StompParser({ maxFrameBytes: 1 << 20, maxHeaders: 64 })
  opened: Promise<void>
  constructor(url: string, protocols: string[] = ['v12.stomp']) {
    this.ws = new WebSocket(url, protocols)
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => {
        this.protocol = this.ws.protocol
        resolve()
      })
      this.ws.once('error', reject)
    })
    this.ws.on('message', (d: Buffer) => {
      for (const ev of this.#parser.push(d)) {
        if (ev.kind === 'frame') this.frames.push(ev.frame)
        else if (ev.kind === 'heartbeat') this.heartbeats++
      }
    })
    this.ws.on('close', (code) => (this.closeCode = code))
  }
  set version(v: '1.0' | '1.1' | '1.2') {
    this.#parser.version = v
  }
  send(s: string | Buffer): void {
    this.ws.send(s)
  }
  of(command: string): StompFrame[] {
    return this.frames.filter((f) => f.command === command)
  }
  async connect(login: string, extra = ''): Promise<StompFrame> {
    await this.opened
    this.send(`CONNECT\naccept-version:1.2\nhost:x\nlogin:${login}\n${extra}\n\0`)
    return until(() => this.frames.find((f) => f.command === 'CONNECTED' || f.command === 'ERROR'), 'CONNECTED')
  }
}

describe('STOMP gateway', () => {
  let host: Host
  let url: string
  before(async () => {
    host = await startHost({ stompHeartBeat: { sendMs: 300, receiveMs: 300 } })
    url = host.server.url
  })
  after(async () => {
    await host.stop()
  })

  it('@stomp/stompjs connects, subscribes, sends with a receipt only once stored, and hears other members', async () => {
    const ann = nodeClient(url, 'Ann')
    await until(() => ann.client.state.status === 'open', 'Ann open')
    const s = stompClient(url, 'Stompy')
    const connected = new Promise<void>((r) => (s.client.onConnect = () => r()))
    s.client.activate()
    await connected
    s.client.subscribe('/topic/room', (m) => s.got.push(m))
    await until(() => ann.client.members.some((m) => m.name === 'Stompy'), 'Stompy in the member list')

    let receipted = false
    s.client.watchForReceipt('r-1', () => (receipted = true))
    s.client.publish({ destination: '/topic/room', body: 'hello from stomp', headers: { receipt: 'r-1' } })
    await until(() => receipted, 'RECEIPT for the SEND')
    // The receipt follows storage: the message is already in the room's log.
    await until(() => ann.messages.find((m) => m.text === 'hello from stomp'), 'Ann hears Stompy')
    ann.client.send('hello from node')
    const m = await until(() => s.got.find((x) => x.body === 'hello from node'), 'Stompy hears Ann')
    assert.equal(m.headers.sender, 'Ann')
    assert.equal(m.headers.destination, '/topic/room')
    assert.equal(m.headers['content-type'], 'text/plain;charset=utf-8')
    assert.ok(m.headers.subscription)
    assert.equal(m.headers['message-id'], m.headers.seq)
    const own = s.got.find((x) => x.body === 'hello from stomp')!
    assert.ok(Number(m.headers.seq) > Number(own.headers.seq), 'seq order is the room order')
    await s.client.deactivate()
    ann.client.close()
  })

  it('heart-beats keep a STOMP client alive across an idle period longer than the interval', async () => {
    const s = stompClient(url, 'Beats', { heartbeatIncoming: 300, heartbeatOutgoing: 300 })
    const connected = new Promise<void>((r) => (s.client.onConnect = () => r()))
    s.client.activate()
    await connected
    s.client.subscribe('/topic/room', (m) => s.got.push(m))
    await sleep(2000) // several negotiated intervals, nothing but heart-beats
    assert.equal(s.isClosed(), false)
    s.client.publish({ destination: '/topic/room', body: 'still here' })
    await until(() => s.got.find((m) => m.body === 'still here'), 'own echo after idling')
    await s.client.deactivate()
  })

  it('drops a client that negotiated heart-beats and then went silent', async () => {
    const raw = new RawStomp(url)
    const c = await raw.connect('Silent', 'heart-beat:300,0\n')
    assert.equal(c.command, 'CONNECTED')
    assert.equal(header(c, 'heart-beat'), '300,300')
    await until(() => raw.closeCode !== undefined, 'the silent client is closed')
  })

  it('a bad destination gets an ERROR frame, then the connection closes', async () => {
    const s = stompClient(url, 'Lost')
    const connected = new Promise<void>((r) => (s.client.onConnect = () => r()))
    s.client.activate()
    await connected
    s.client.publish({ destination: '/queue/nowhere', body: 'x' })
    await until(() => s.errors.length > 0, 'ERROR')
    assert.match(s.errors[0]!, /unknown destination/)
    await until(() => s.isClosed(), 'closed after ERROR')
  })

  it('CONNECTED carries version, session, server and heart-beat; 1.1 and 1.0 are negotiated by accept-version', async () => {
    const a = new RawStomp(url, ['v12.stomp', 'v11.stomp', 'v10.stomp'])
    const c = await a.connect('Twelve', 'heart-beat:0,0\n')
    assert.equal(a.protocol, 'v12.stomp')
    assert.equal(header(c, 'version'), '1.2')
    assert.ok(header(c, 'session'))
    assert.match(header(c, 'server')!, /^Beacon\//)
    a.ws.close()

    const b = new RawStomp(url, ['v11.stomp'])
    await b.opened
    assert.equal(b.protocol, 'v11.stomp')
    b.send('CONNECT\naccept-version:1.0,1.1\nlogin:Eleven\n\n\0')
    const cb = await until(() => b.of('CONNECTED')[0], 'CONNECTED 1.1')
    assert.equal(header(cb, 'version'), '1.1')
    b.ws.close()

    const d = new RawStomp(url, ['v10.stomp'])
    await d.opened
    d.send('CONNECT\nlogin:Ten\n\n\0') // no accept-version: a 1.0 client
    const cd = await until(() => d.of('CONNECTED')[0], 'CONNECTED 1.0')
    assert.equal(header(cd, 'version'), '1.0')
    d.ws.close()

    const e = new RawStomp(url)
    await e.opened
    e.send('CONNECT\naccept-version:2.0\nlogin:Future\n\n\0')
    const err = await until(() => e.of('ERROR')[0], 'ERROR for an unknown version')
    assert.equal(header(err, 'version'), '1.2,1.1,1.0')
    await until(() => e.closeCode !== undefined, 'closed')
  })

  it('frames split across WebSocket messages or batched in one are read; a content-length body may hold NUL', async () => {
    const raw = new RawStomp(url)
    await raw.connect('Splitter')
    const sub = 'SUBSCRIBE\nid:0\ndestination:/topic/room\nreceipt:s\n\n\0'
    for (let i = 0; i < sub.length; i += 7) raw.send(sub.slice(i, i + 7))
    await until(() => raw.of('RECEIPT').find((f) => header(f, 'receipt-id') === 's'), 'subscribe receipt')
    const body = Buffer.from('a\0b')
    raw.send(
      Buffer.concat([
        Buffer.from('\nSEND\ndestination:/topic/room\nreceipt:1\n\none\0\n'),
        Buffer.from(`SEND\ndestination:/topic/room\ncontent-type:text/plain\ncontent-length:${body.length}\nreceipt:2\n\n`),
        body,
        Buffer.from('\0'),
      ]),
    )
    await until(() => raw.of('RECEIPT').length === 3, 'two more receipts')
    const msgs = await until(() => (raw.of('MESSAGE').length === 2 ? raw.of('MESSAGE') : undefined), 'two MESSAGE frames')
    assert.equal(Buffer.from(msgs[0]!.body).toString(), 'one')
    // The whole body arrived (content-length, not the NUL, ended it); the room's text rules then drop the NUL.
    assert.equal(Buffer.from(msgs[1]!.body).toString(), 'ab')
    assert.equal(header(msgs[1]!, 'content-length'), '2')
    assert.equal(Number(header(msgs[1]!, 'seq')), Number(header(msgs[0]!, 'seq')) + 1)
    raw.ws.close()
  })

  it('escapes header values in MESSAGE (a sender name with a colon) and DISCONNECT waits for stored sends', async () => {
    const raw = new RawStomp(url)
    await raw.connect('Dr: Who')
    raw.send('SUBSCRIBE\nid:sub-1\ndestination:/topic/room\nack:client-individual\n\n\0')
    raw.send('SEND\ndestination:/topic/room\n\nbye now\0DISCONNECT\nreceipt:bye\n\n\0')
    await until(() => raw.of('RECEIPT').find((f) => header(f, 'receipt-id') === 'bye'), 'DISCONNECT receipt')
    const m = raw.of('MESSAGE')[0]!
    assert.equal(header(m, 'sender'), 'Dr: Who')
    assert.equal(header(m, 'ack'), header(m, 'message-id'))
    await until(() => raw.closeCode !== undefined, 'closed after DISCONNECT')
  })

  it('missing headers, an unknown command and a frame before CONNECT get ERROR and close', async () => {
    for (const [connectFirst, frame, want] of [
      [false, 'SEND\ndestination:/topic/room\n\nx\0', /expected CONNECT/],
      [false, 'CONNECT\naccept-version:1.2\n\n\0', /login/],
      [true, 'SEND\n\nx\0', /destination/],
      [true, 'SUBSCRIBE\ndestination:/topic/room\n\n\0', /id header/],
      [true, 'SUBSCRIBE\nid:1\ndestination:/topic/other\n\n\0', /unknown destination/],
      [true, 'UNSUBSCRIBE\n\n\0', /id header/],
      [true, 'ACK\n\n\0', /id header/],
      [true, 'FROB\n\n\0', /unknown command/],
      [true, 'BEGIN\ntransaction:t\n\n\0', /transactions/],
      [true, 'SEND\ndestination:/topic/room\n\n\0', /text/],
      [true, 'garbage\n\n\0', /command/],
    ] as const) {
      const raw = new RawStomp(url)
      if (connectFirst) await raw.connect('Bad')
      else await raw.opened
      raw.send(frame)
      const err = await until(() => raw.of('ERROR')[0], `ERROR for ${JSON.stringify(frame)}`)
      assert.match(header(err, 'message')!, want)
      await until(() => raw.closeCode !== undefined, 'closed')
    }
  })

  it('keeps serving everyone while a STOMP client misbehaves', async () => {
    const ann = nodeClient(url, 'Ann2')
    await until(() => ann.client.state.status === 'open', 'open')
    const raw = new RawStomp(url)
    await raw.connect('Noisy')
    raw.send(Buffer.alloc(100_000, 0x41))
    await until(() => raw.closeCode !== undefined, 'oversized STOMP frame closes that connection')
    ann.client.send('room still fine')
    await until(() => ann.messages.find((m) => m.text === 'room still fine'), 'echo')
    ann.client.close()
  })
})

describe('STOMP gateway in a password room', () => {
  let host: Host
  before(async () => {
    host = await startHost({ password: 'hunter22' })
  })
  after(async () => {
    await host.stop()
  })

  it('passcode is checked against the room key: right one connects, wrong one gets ERROR', async () => {
    const good = new RawStomp(host.server.url)
    const c = await good.connect('Pw', 'passcode:hunter22\n')
    assert.equal(c.command, 'CONNECTED')
    good.ws.close()
    const bad = new RawStomp(host.server.url)
    const e = await bad.connect('Pw', 'passcode:nope\n')
    assert.equal(e.command, 'ERROR')
    assert.match(header(e, 'message')!, /wrong_password/)
    const none = new RawStomp(host.server.url)
    const n = await none.connect('Pw')
    assert.match(header(n, 'message')!, /password_required/)
  })
})

/** A STOMP gateway alone on loopback, so a test can set its limits and read its counters. */
async function gatewayAlone(password: string | undefined, opts: Partial<StompGatewayOptions> = {}) {
  const dataDir = mkdtempSync(joinPath(tmpdir(), 'beacon-stomp-'))
  const history = new History(dataDir)
  const secret = password ? await makeSecret(password) : undefined
  const room = new Room({ history, name: 'Alone', host: 'tester', secret })
  const gateway = new StompGateway({ room, lockout: new Lockout(), ...opts })
  const http = createServer()
  http.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket as Socket, head))
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
  return {
    gateway,
    url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/ws`,
    stop: async () => {
      room.stop('host_stopped')
      await gateway.close(200)
      http.closeAllConnections()
      await new Promise<void>((r) => http.close(() => r()))
      history.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

describe('STOMP gateway: hardening', () => {
  it('a wrong STOMP passcode closes with 4001, as on beacon.v1', async () => {
    const host = await startHost({ password: 'hunter22' })
    try {
      const bad = new RawStomp(host.server.url)
      const e = await bad.connect('Pw', 'passcode:nope\n')
      assert.equal(e.command, 'ERROR')
      assert.match(header(e, 'message')!, /wrong_password/)
      assert.equal(await until(() => bad.closeCode, 'closed'), 4001)
    } finally {
      await host.stop()
    }
  })

  it('many wrong STOMP passcodes at once from one address derive at most the per-address number of keys', async () => {
    const alone = await gatewayAlone('hunter22', { passcodes: { perAddressPerMinute: 3, atOnce: 1, queue: 4 } })
    try {
      const tries = Array.from({ length: 24 }, () => new RawStomp(alone.url))
      await Promise.all(tries.map((t) => t.opened))
      for (const t of tries) t.send('CONNECT\naccept-version:1.2\nlogin:Guess\npasscode:wrong\n\n\0')
      const codes = await Promise.all(tries.map((t) => until(() => t.closeCode, 'every guess refused')))
      assert.ok(alone.gateway.derivations <= 3, `derived ${alone.gateway.derivations} keys`)
      // Each was told why: a wrong passcode (4001), come back later (1013), or locked out (4003/1008).
      for (const c of codes) assert.ok([4001, 1013, 4003, 1008].includes(c), `close ${c}`)
      assert.ok(codes.includes(4001) && codes.includes(1013))
      for (const t of tries) assert.equal(t.of('ERROR').length, 1)
    } finally {
      await alone.stop()
    }
  })

  it('STOMP connections count against the address budget: one more is closed 1013 busy', async () => {
    const budget = new ConnectionBudget({ perAddress: 2 })
    const alone = await gatewayAlone(undefined, { budget })
    try {
      const a = new RawStomp(alone.url)
      const b = new RawStomp(alone.url)
      await Promise.all([a.opened, b.opened])
      const c = new RawStomp(alone.url)
      assert.equal(await until(() => c.closeCode, 'third refused'), 1013)
      assert.match(header(c.of('ERROR')[0]!, 'message')!, /busy/)
      a.ws.close()
      await until(() => budget.total === 1, 'a place given back')
      const d = new RawStomp(alone.url)
      assert.equal((await d.connect('Dee')).command, 'CONNECTED')
      b.ws.close()
      d.ws.close()
      await until(() => budget.total === 0, 'all given back')
    } finally {
      await alone.stop()
    }
  })

  it('names and ids with newlines or NUL cannot forge STOMP headers', async () => {
    const host = await startHost()
    try {
      const stomp = new RawStomp(host.server.url)
      await stomp.connect('Sub')
      stomp.send('SUBSCRIBE\nid:s\ndestination:/topic/room\nreceipt:sub\n\n\0')
      await until(() => stomp.of('RECEIPT').length, 'subscribed')
      // A beacon.v1 member whose message id carries a line break, a forged header and a NUL.
      const ws = new WebSocket(host.server.url, ['beacon.v1'])
      await new Promise((r) => ws.once('open', r))
      ws.send(JSON.stringify({ type: 'hello', protocol: 1, name: 'Eve', client: 'c-eve' }))
      ws.send(JSON.stringify({ type: 'send', id: 'm1\nforged:yes\0\r\nx', text: 'hi' }))
      const m = await until(() => stomp.of('MESSAGE')[0], 'MESSAGE')
      assert.equal(header(m, 'forged'), undefined)
      assert.equal(header(m, 'beacon-id'), 'm1\nforged:yes\r\nx')
      assert.equal(Buffer.from(m.body).toString(), 'hi')
      ws.close()
      // A destination given back in the ERROR message header, escaped too.
      stomp.send('SEND\ndestination:/x\\nforged:1\n\nhi\0')
      const e = await until(() => stomp.of('ERROR')[0], 'ERROR')
      assert.equal(header(e, 'forged'), undefined)
      assert.match(header(e, 'message')!, /unknown destination \/x\nforged:1/)
    } finally {
      await host.stop()
    }
  })

  it('scrollback is not offered over STOMP: a SEND to /app/history gets an ERROR that says so', async () => {
    const host = await startHost()
    try {
      const raw = new RawStomp(host.server.url)
      await raw.connect('Scroll')
      raw.send('SEND\ndestination:/app/history\n\n{"before":10}\0')
      const e = await until(() => raw.of('ERROR')[0], 'ERROR')
      assert.match(header(e, 'message')!, /scrollback is not offered over STOMP/)
    } finally {
      await host.stop()
    }
  })
})
