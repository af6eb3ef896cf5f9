// Password rooms under guessing: the lock is checked when a proof is judged, challenges are spent once,
// and one address cannot stockpile challenges to answer after the lock.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { deriveKey, proofFor } from '../../src/shared/password.ts'
import { CLOSE, LIMITS, type Challenge } from '../../src/shared/protocol.ts'
import { startHost, type TestHost } from '../helpers/host.ts'
import { RawClient } from '../helpers/raw-client.ts'

const PASSWORD = 'hunter2'

async function challenged(url: string, client: string): Promise<{ c: RawClient; ch: Challenge }> {
  const c = await RawClient.join(url, 'Eve', client)
  const ch = c.of('challenge')[0]
  assert.ok(ch, `a challenge for ${client}`)
  return { c, ch }
}

async function proof(ch: Challenge, password: string): Promise<string> {
  return proofFor(await deriveKey(password, Buffer.from(ch.salt, 'base64'), ch.iterations), ch.nonce)
}

describe('password lockout', () => {
  let host: TestHost
  before(async () => (host = await startHost({ password: PASSWORD })))
  after(() => host.dispose())

  it("a locked-out address's right password still waits out the lock", async () => {
    // Challenges collected before any guess, then answered all at once: the lock must stop the rest.
    const guesses = LIMITS.wrongProofsPerMinute + 3
    const all = await Promise.all(Array.from({ length: guesses + 1 }, (_, i) => challenged(host.url, `guess${i}`)))
    const right = all.pop()!
    const wrongKey = await deriveKey('wrong', Buffer.from(all[0]!.ch.salt, 'base64'), all[0]!.ch.iterations)
    await Promise.all(all.map(async ({ c, ch }) => c.send({ type: 'auth', proof: await proofFor(wrongKey, ch.nonce) })))
    const codes = await Promise.all(all.map(({ c }) => c.closed()))
    assert.equal(codes.filter((code) => code === CLOSE.wrongPassword).length, LIMITS.wrongProofsPerMinute, 'only the first guesses judged')
    assert.equal(codes.filter((code) => code === CLOSE.lockedOut).length, guesses - LIMITS.wrongProofsPerMinute)

    right.c.send({ type: 'auth', proof: await proof(right.ch, PASSWORD) })
    assert.equal(await right.c.closed(), CLOSE.lockedOut)
    assert.deepEqual(
      right.c.of('error').map((e) => e.code),
      ['locked_out'],
    )
    assert.equal(right.c.welcome, undefined, 'no way in while locked')
  })
})

describe('password challenges', () => {
  let host: TestHost
  before(async () => (host = await startHost({ password: PASSWORD })))
  after(() => host.dispose())

  it('a challenge cannot be answered twice', async () => {
    const { c, ch } = await challenged(host.url, 'twice')
    const p = await proof(ch, PASSWORD)
    c.send({ type: 'auth', proof: p })
    c.send({ type: 'auth', proof: p })
    await c.until(() => c.welcome !== undefined && c.of('error').length > 0, 'welcome and a refusal')
    assert.deepEqual(
      c.of('error').map((e) => e.code),
      ['bad_frame'],
    )
    assert.equal(c.of('welcome').length, 1)
    c.close()
  })

  it('one address cannot hold more than its share of outstanding challenges', async () => {
    const held = await Promise.all(Array.from({ length: LIMITS.challengesPerAddress }, (_, i) => challenged(host.url, `hold${i}`)))
    const extra = await RawClient.join(host.url, 'Eve', 'one-too-many')
    assert.equal(await extra.closed(), CLOSE.tryAgain)
    assert.deepEqual(
      extra.of('error').map((e) => e.code),
      ['busy'],
    )
    held[0]!.c.close()
    await held[0]!.c.closed()
    const { c } = await (async () => {
      for (;;) {
        const again = await RawClient.join(host.url, 'Eve', 'room-again')
        if (again.of('challenge').length) return { c: again }
        again.close()
        await new Promise((r) => setTimeout(r, 20)) // the host sees the close a moment after the client
      }
    })()
    c.close()
    held.forEach(({ c }) => c.close())
  })
})
