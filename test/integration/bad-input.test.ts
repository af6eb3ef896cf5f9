import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import { CLOSE, LIMITS } from '../../src/shared/protocol.ts'
import { startHost, type TestHost } from '../helpers/host.ts'
import { Member } from '../helpers/member.ts'
import { RawClient } from '../helpers/raw-client.ts'

describe('bad input never stops the room', () => {
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

  /** After every bad input, the well-behaved members still chat and nothing accepted was lost. */
  let round = 0
  afterEach(async () => {
    const text = `still chatting ${++round}`
    ann.client.send(text)
    await bob.until(() => bob.texts().includes(text), text)
    assert.deepEqual(
      bob.seen.map((m) => m.seq),
      ann.seen.map((m) => m.seq),
    )
  })

  const errorsOf = (c: RawClient) => c.of('error').map((e) => e.code)

  it('a frame that is not JSON gets error bad_frame and the member stays', async () => {
    const c = await RawClient.join(host.url, 'Eve', 'eve1')
    c.send('not json {')
    await c.until(() => c.of('error').length === 1, 'error')
    assert.deepEqual(errorsOf(c), ['bad_frame'])
    c.send({ type: 'send', id: 'ok', text: 'fine now' })
    await c.until(() => c.of('ack').length === 1, 'ack after the bad frame')
    c.close()
  })

  it('a frame that does not match the schema gets error bad_frame', async () => {
    const c = await RawClient.join(host.url, 'Eve', 'eve2')
    c.send({ type: 'send', id: 5, text: [] })
    c.send({ type: 'launch-missiles' })
    await c.until(() => c.of('error').length === 2, 'errors')
    assert.deepEqual(errorsOf(c), ['bad_frame', 'bad_frame'])
    c.close()
  })

  it('a binary frame gets error bad_frame', async () => {
    const c = await RawClient.join(host.url, 'Eve', 'eve3')
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true })
    await c.until(() => c.of('error').length === 1, 'error')
    assert.deepEqual(errorsOf(c), ['bad_frame'])
    c.close()
  })

  it('a frame over 64 KiB closes that member with 1009', async () => {
    const c = await RawClient.join(host.url, 'Eve', 'eve4')
    c.send({ type: 'send', id: 'big', text: 'x'.repeat(LIMITS.maxFrameBytes + 1) })
    assert.equal(await c.closed(), CLOSE.tooLarge)
  })

  it('a message longer than the limit is refused with too_large naming its id, and not stored', async () => {
    const c = await RawClient.join(host.url, 'Eve', 'eve5')
    c.send({ type: 'send', id: 'long', text: 'y'.repeat(LIMITS.maxTextChars + 1) })
    await c.until(() => c.of('error').length === 1, 'error')
    assert.deepEqual(c.of('error')[0], {
      type: 'error',
      code: 'too_large',
      message: `text is longer than ${LIMITS.maxTextChars} characters or ${LIMITS.maxTextBytes} bytes`,
      id: 'long',
    })
    assert.equal(c.messages.length, 0)
    c.close()
  })

  it('send before hello gets error not_joined', async () => {
    const c = await RawClient.open(host.url)
    c.send({ type: 'send', id: 'early', text: 'hi' })
    await c.until(() => c.of('error').length === 1, 'error')
    assert.deepEqual(c.of('error')[0], { type: 'error', code: 'not_joined', message: 'say hello first', id: 'early' })
    c.close()
  })

  it('more than 10 messages a second beyond the burst of 20 are refused with rate_limited naming each refused id', async () => {
    const c = await RawClient.join(host.url, 'Eve', 'eve6')
    const sent = 60
    for (let k = 0; k < sent; k++) c.send({ type: 'send', id: `f${k}`, text: 'flood' })
    await c.until(() => c.of('ack').length + c.of('error').length === sent, 'all answered')
    const refused = c.of('error').filter((e) => e.code === 'rate_limited')
    assert.ok(c.of('ack').length >= LIMITS.sendBurst && refused.length > 0, `accepted ${c.of('ack').length}`)
    assert.equal(refused.length, sent - c.of('ack').length)
    assert.ok(refused.every((e) => e.id?.startsWith('f')))
    await bob.until(() => bob.seen.filter((m) => m.text === 'flood').length === c.of('ack').length, 'accepted floods delivered')
    c.close()
  })

  it('a member that keeps sending garbage is closed with 1008, and only that member', async () => {
    const c = await RawClient.join(host.url, 'Eve', 'eve7')
    for (let k = 0; k < LIMITS.abuseLimit + 5; k++) c.send('garbage')
    assert.equal(await c.closed(), CLOSE.policy)
  })

  it('an unsupported protocol version is refused with 4002', async () => {
    const c = await RawClient.open(host.url)
    c.send({ type: 'hello', protocol: 2, name: 'Future', client: 'future' })
    assert.equal(await c.closed(), CLOSE.unsupportedProtocol)
    assert.deepEqual(errorsOf(c), ['unsupported_protocol'])
  })

  it('a page from another site cannot open a socket (403), while the host’s own page can', async () => {
    const port = new URL(host.url).port
    await assert.rejects(RawClient.open(host.url, { origin: 'http://evil.example' }), /403/)
    await assert.rejects(RawClient.open(host.url, { origin: 'http://evil.example', headers: { host: `evil.example:${port}` } }), /421|403/)
    const own = await RawClient.open(host.url, { origin: `http://127.0.0.1:${port}` })
    own.close()
  })
})

describe('password rooms', () => {
  let host: TestHost
  before(async () => (host = await startHost({ name: 'Secret', password: 'hunter2' })))
  after(() => host.dispose())

  it('a wrong password is refused with 4001 and the right one gets in; the password never crosses the wire', async () => {
    const wrong = new Member(host.url, 'Eve', 'eve', { password: 'hunter3' })
    wrong.client.connect()
    await wrong.until(() => wrong.client.state.status === 'closed' && wrong.client.state.reason !== undefined, 'refused')
    assert.equal(wrong.client.state.reason, 'wrong_password')
    wrong.leave()

    const none = new Member(host.url, 'Eve', 'eve')
    none.client.connect()
    await none.until(() => none.client.state.status === 'closed' && none.client.state.reason !== undefined, 'refused')
    assert.equal(none.client.state.reason, 'password_required')
    none.leave()

    const right = await Member.join(host.url, 'Ann', 'ann', { password: 'hunter2' })
    right.client.send('we are in')
    await right.until(() => right.texts().includes('we are in'), 'message')
    for (const m of [wrong, none, right])
      assert.ok(m.sent.length > 0 && !m.sent.some((f) => f.includes('hunter')), 'no password on the wire')
    right.leave()
  })

  it('after five wrong passwords from one address, that address is shut out (locked_out, 4003)', async () => {
    for (let i = 0; i < 4; i++) {
      const m = new Member(host.url, 'Eve', `guess${i}`, { password: `guess${i}` })
      m.client.connect()
      await m.until(() => m.client.state.status === 'closed' && m.client.state.reason !== undefined, 'refused')
      m.leave()
    }
    const locked = await RawClient.open(host.url)
    locked.send({ type: 'hello', protocol: 1, name: 'Eve', client: 'eve-again' })
    assert.equal(await locked.closed(), CLOSE.lockedOut)
    assert.deepEqual(
      locked.of('error').map((e) => e.code),
      ['locked_out'],
    )
    assert.equal(locked.of('challenge').length, 0, 'no more guesses')
  })
})
