// The host's front door: a malformed request, a wrong subprotocol offer, a socket that never says hello and a
// crowd of sockets from one address each cost that one connection, never the room.
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import { CLOSE, LIMITS } from '../../src/shared/protocol.ts'
import { startHost, type TestHost } from '../helpers/host.ts'
import { Member } from '../helpers/member.ts'
import { RawClient } from '../helpers/raw-client.ts'
import { waitFor } from '../helpers/wait.ts'

/** Write `request` on a bare socket and return what the host answered before closing (or within 3 s). */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = []
    const socket = connect({ port, host: '127.0.0.1' }, () => socket.write(request))
    const timer = setTimeout(() => socket.destroy(), 3000)
    socket.on('data', (d: Buffer) => parts.push(d))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(parts).toString())
    })
  })
}

describe('requests the host cannot parse', () => {
  let host: TestHost
  let ann: Member
  let bob: Member
  before(async () => {
    host = await startHost()
    ann = await Member.join(host.url, 'Ann', 'ann')
    bob = await Member.join(host.url, 'Bob', 'bob')
  })
  after(async () => {
    ann.leave()
    bob.leave()
    await host.dispose()
  })

  const stillChatting = async (text: string) => {
    ann.client.send(text)
    await bob.until(() => bob.texts().includes(text), text)
  }

  it('a request with an invalid absolute URL gets 400 and the room keeps chatting', async () => {
    const answer = await rawRequest(host.server.port, 'GET http://[ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
    assert.match(answer, /^HTTP\/1\.1 400 /)
    await stillChatting('after a bad URL')
  })

  it('an upgrade to an invalid absolute URL is refused with 400 and the room keeps chatting', async () => {
    const answer = await rawRequest(
      host.server.port,
      'GET http://[ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    )
    assert.match(answer, /^HTTP\/1\.1 400 /)
    await stillChatting('after a bad upgrade')
  })

  it('a request line that is not HTTP at all gets 400 and the room keeps chatting', async () => {
    const answer = await rawRequest(host.server.port, 'HELLO \u0001 THERE\r\n\r\n')
    assert.match(answer, /^HTTP\/1\.1 400 /)
    await stillChatting('after garbage')
  })

  it('a member that keeps sending refused frames is closed 1008 after an abuse error', async () => {
    const c = await RawClient.join(host.url, 'Eve', 'eve-abuse')
    for (let i = 0; i < LIMITS.abuseLimit; i++) c.send('not json')
    assert.equal(await c.closed(), CLOSE.policy)
    assert.equal(c.of('error').at(-1)?.code, 'abuse')
    await stillChatting('after abuse')
  })

  it('beacon.v1 is answered when offered second', async () => {
    const c = await RawClient.open(host.url, {}, ['chat', 'beacon.v1'])
    assert.equal(c.ws.protocol, 'beacon.v1')
    c.close()
  })
})

describe('connections that hold resources', () => {
  let host: TestHost
  before(async () => (host = await startHost({ helloTimeoutMs: 300, connections: { perAddress: 4 } })))
  after(() => host.dispose())

  it('a socket that never says hello is closed with 1008 after the deadline', async () => {
    const c = await RawClient.open(host.url)
    assert.equal(await c.closed(), CLOSE.policy)
    assert.deepEqual(
      c.of('error').map((e) => e.code),
      ['hello_timeout'],
    )
  })

  it('a socket that never says hello and never reads is let go soon after the deadline', async () => {
    await waitFor(() => host.server.stats().connections === 0, 'earlier sockets released')
    const c = await RawClient.open(host.url)
    c.socket.pause() // it never answers the close frame
    await waitFor(() => host.server.stats().connections === 0, 'the host dropping it', 8000)
    c.close()
  })

  it('a member who said hello in time stays past the deadline', async () => {
    const c = await RawClient.join(host.url, 'Ann', 'ann-in-time')
    await new Promise((r) => setTimeout(r, 600))
    assert.equal(c.closeCode, undefined)
    c.close()
  })

  it('one connection over the per-address budget is refused with 503, and one closing makes room again', async () => {
    await waitFor(() => host.server.stats().connections === 0, 'earlier sockets released')
    const held = await Promise.all(Array.from({ length: 4 }, (_, i) => RawClient.join(host.url, `M${i}`, `m${i}`)))
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(host.url, ['beacon.v1'])
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0)
        ws.terminate()
      })
      ws.on('error', () => {})
      ws.on('open', () => resolve(101))
    })
    assert.equal(refused, 503)
    held[0]!.close()
    await waitFor(() => host.server.stats().connections === 3, 'the closed socket released')
    const again = await RawClient.join(host.url, 'M4', 'm4')
    assert.equal(again.welcome?.type, 'welcome')
    again.close()
    held.forEach((c) => c.close())
  })
})
