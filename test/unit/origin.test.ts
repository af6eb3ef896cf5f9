import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isAllowedHost, isAllowedOrigin } from '../../src/main/server/origin.ts'

const own = new Set(['lunchbox'])

describe('who may open a socket to the host', () => {
  const table: [string | undefined, string, boolean, string][] = [
    [undefined, '192.0.2.7:4646', true, 'a desktop or Node client sends no Origin'],
    ['http://192.0.2.7:4646', '192.0.2.7:4646', true, "the host's own web client"],
    ['http://lunchbox.local:4646', 'lunchbox.local:4646', true, 'the host by its mDNS name'],
    ['http://localhost:4646', 'localhost:4646', true, 'the host on this machine'],
    ['http://[::1]:4646', '[::1]:4646', true, 'IPv6 loopback'],
    ['http://evil.example', '192.0.2.7:4646', false, 'another site (cross-site WebSocket hijacking)'],
    ['http://192.0.2.7:9999', '192.0.2.7:4646', false, 'another port is another origin'],
    ['http://evil.example:4646', 'evil.example:4646', false, 'DNS rebinding: same origin, but not a name of this host'],
    ['null', '192.0.2.7:4646', false, 'a sandboxed or file: page'],
    ['file://', '192.0.2.7:4646', false, 'a file: page'],
    ['not a url', '192.0.2.7:4646', false, 'garbage'],
  ]
  for (const [origin, host, allowed, why] of table) {
    it(`${allowed ? 'allows' : 'refuses'} ${why}`, () => assert.equal(isAllowedOrigin(origin, host, own), allowed))
  }

  it('answers HTTP only under names of this machine', () => {
    assert.equal(isAllowedHost('lunchbox:4646', own), true)
    assert.equal(isAllowedHost('198.18.0.1', own), true)
    assert.equal(isAllowedHost('attacker.test', own), false)
    assert.equal(isAllowedHost(undefined, own), false)
  })
})
