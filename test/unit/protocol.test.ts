import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LIMITS, parseClientFrame } from '../../src/shared/protocol.ts'

describe('parseClientFrame', () => {
  const ok = (frame: unknown) => parseClientFrame(JSON.stringify(frame))

  it('accepts every client frame of PROTOCOL.md and trims names', () => {
    assert.deepEqual(ok({ type: 'hello', protocol: 1, name: '  Ann ', client: 'c1', resume: { epoch: 'e', after: 3 } }), {
      ok: true,
      frame: { type: 'hello', protocol: 1, name: 'Ann', client: 'c1', resume: { epoch: 'e', after: 3 } },
    })
    assert.equal(ok({ type: 'auth', proof: 'abc=' }).ok, true)
    assert.equal(ok({ type: 'send', id: 'm1', text: 'hi' }).ok, true)
    assert.equal(ok({ type: 'typing' }).ok, true)
  })

  const refused: [string, unknown, string][] = [
    ['not JSON', 'not json {', 'bad_frame'],
    ['no type', { id: 'x' }, 'bad_frame'],
    ['unknown type', { type: 'launch' }, 'bad_frame'],
    ['a name of only spaces', { type: 'hello', protocol: 1, name: '   ', client: 'c' }, 'bad_frame'],
    ['a name too long', { type: 'hello', protocol: 1, name: 'n'.repeat(LIMITS.maxNameChars + 1), client: 'c' }, 'bad_frame'],
    ['a client id too long', { type: 'hello', protocol: 1, name: 'n', client: 'c'.repeat(LIMITS.maxClientIdChars + 1) }, 'bad_frame'],
    ['an empty message', { type: 'send', id: 'm', text: '' }, 'bad_frame'],
    ['a message too long', { type: 'send', id: 'm', text: 't'.repeat(LIMITS.maxTextChars + 1) }, 'too_large'],
    ['a negative resume seq', { type: 'hello', protocol: 1, name: 'n', client: 'c', resume: { epoch: 'e', after: -1 } }, 'bad_frame'],
  ]
  for (const [what, frame, code] of refused) {
    it(`refuses ${what} with ${code}`, () => {
      const r = parseClientFrame(typeof frame === 'string' ? frame : JSON.stringify(frame))
      assert.equal(r.ok, false)
      if (!r.ok) assert.equal(r.code, code)
    })
  }

  it('names the refused send by its id, so the sender knows which message failed', () => {
    const r = ok({ type: 'send', id: 'm7', text: 't'.repeat(LIMITS.maxTextChars + 1) })
    assert.equal(!r.ok && r.id, 'm7')
  })
})
