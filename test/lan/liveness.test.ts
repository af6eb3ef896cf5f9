// A member whose network goes away, for real: its veth is taken down between a `beacon host` and it, with
// the default heartbeat (host pings every 5 s, either end gives up after 15 s of silence). The member sees
// it is reconnecting, the others stop listing it, and what it sent meanwhile arrives once when it is back.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { after, before, describe, test } from 'node:test'
import { LIMITS } from '../../src/shared/limits.ts'
import { Lab, namespaceUnavailableReason, type Proc } from './netns.ts'

const skip = namespaceUnavailableReason()
const START_MS = 15_000
/** Detection is bounded by the heartbeat timeout (plus one ping interval and scheduling slack). */
const DETECT_MS = LIMITS.heartbeatTimeoutMs + LIMITS.heartbeatMs + 5_000

const names = (e: Record<string, unknown>) => e.event === 'members' && (e.names as string[])
const events = (p: Proc, event: string) => p.events.filter((e) => e.event === event)

describe('a member whose link is cut', { skip }, () => {
  let lab: Lab
  before(() => {
    lab = new Lab('v')
  })
  after(async () => {
    await lab.destroy()
  })

  test('shows reconnecting, drops out of the others’ member list, and its message arrives once after the link is back', async (t) => {
    const hostNs = lab.namespace('h')
    const annNs = lab.namespace('a')
    const boNs = lab.namespace('b')
    const annLink = lab.link(hostNs, '198.18.80.1', annNs, '198.18.80.2')
    lab.link(hostNs, '198.18.81.1', boNs, '198.18.81.2')
    const host = lab.beacon(hostNs, ['host', '--json', '--no-advertise', '--name', 'Lunch', '--data', lab.tempDir(), '--port', '0'])
    const { port } = await host.waitFor<{ port: number }>((e) => e.event === 'listening', START_MS, 'listening')

    const bo = lab.fixture(boNs, 'session-member', ['--url', `ws://198.18.81.1:${port}/ws`, '--name', 'Bo'])
    await bo.waitFor((e) => e.event === 'session' && e.status === 'open', START_MS, 'Bo in')
    const ann = lab.fixture(annNs, 'session-member', ['--url', `ws://198.18.80.1:${port}/ws`, '--name', 'Ann', '--backoff-ms', '300'])
    await ann.waitFor((e) => e.event === 'session' && e.status === 'open', START_MS, 'Ann in')
    await bo.waitFor((e) => (names(e) || []).includes('Ann'), START_MS, 'Bo lists Ann')
    // Ann must have seen a ping before the cut (she times out a host only once it has shown it sends them).
    await new Promise((r) => setTimeout(r, LIMITS.heartbeatMs + 1000))

    const cutAt = bo.events.length
    const annCutAt = ann.events.length
    const cut = Date.now()
    execFileSync('ip', ['-n', annNs, 'link', 'set', annLink.ifB, 'down'], { timeout: 10_000 })
    ann.send('sent while the link was down')
    const annKnew = await ann.waitFor<{ at: number }>(
      (e) => e.event === 'session' && e.status === 'reconnecting',
      DETECT_MS,
      'Ann sees she is reconnecting',
      annCutAt,
    )
    const boKnew = await bo.waitFor<{ at: number }>(
      (e) => Array.isArray(names(e)) && !(names(e) as string[]).includes('Ann'),
      DETECT_MS,
      'Bo no longer lists Ann',
      cutAt,
    )
    t.diagnostic(`dead link noticed by the member after ${annKnew.at - cut} ms, by the host (Bo told) after ${boKnew.at - cut} ms`)
    assert.equal(events(bo, 'message').length, 0, 'nothing arrived while the link was down')

    execFileSync('ip', ['-n', annNs, 'link', 'set', annLink.ifB, 'up'], { timeout: 10_000 })
    await ann.waitFor((e) => e.event === 'session' && e.status === 'open', START_MS, 'Ann back', annCutAt)
    await ann.waitFor((e) => e.event === 'outbox' && e.pending === 0, START_MS, 'Ann’s message acknowledged', annCutAt)
    await bo.waitFor((e) => e.event === 'message' && e.text === 'sent while the link was down', START_MS, 'the message at Bo', cutAt)
    await bo.waitFor((e) => (names(e) || []).includes('Ann'), START_MS, 'Bo lists Ann again', cutAt)
    // One more message from Bo: anything duplicated would have arrived before it.
    bo.send('after')
    await ann.waitFor((e) => e.event === 'message' && e.text === 'after', START_MS, 'Bo’s next message at Ann')
    await bo.waitFor((e) => e.event === 'message' && e.text === 'after', START_MS, 'Bo’s own message back')
    const copies = (p: Proc) => events(p, 'message').filter((e) => e.text === 'sent while the link was down').length
    assert.equal(copies(bo), 1, 'Bo got it exactly once')
    assert.equal(copies(ann), 1, 'Ann sees it exactly once')
    assert.equal(host.exited, false, host.stderr)
    await Promise.all([ann.kill(), bo.kill(), host.kill()])
  })
})
