// Junk on the network never crashes a host or a browser, and never lists a room that is not there.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Lab, namespaceUnavailableReason } from './netns.ts'

const skip = namespaceUnavailableReason()
const WAIT_MS = 15_000

describe('LAN discovery with junk on the network', { skip }, () => {
  let lab: Lab
  before(() => {
    lab = new Lab('j')
  })
  after(async () => {
    await lab.destroy()
  })

  test('garbage packets and malformed room records leave hosts and browsers running, and list only real rooms', async () => {
    const hostNs = lab.namespace('h')
    const peerNs = lab.namespace('p')
    lab.link(hostNs, '198.18.70.1', peerNs, '198.18.70.2')
    const host = lab.beacon(hostNs, ['host', '--json', '--name', 'Real', '--data', lab.tempDir(), '--port', '0'])
    const { room } = await host.waitFor<{ room: { id: string } }>((e) => e.event === 'listening', WAIT_MS, 'listening')
    const rooms = lab.beacon(peerNs, ['rooms', '--json'])
    await rooms.waitFor((e) => e.event === 'up', WAIT_MS, 'the real room up')

    const fromPeer = lab.fixture(peerNs, 'garbage', [])
    const fromHost = lab.fixture(hostNs, 'garbage', [])
    await fromPeer.waitFor((e) => e.event === 'done', WAIT_MS, 'junk sent from the peer side')
    await fromHost.waitFor((e) => e.event === 'done', WAIT_MS, 'junk sent from the host side')

    // The host still answers queries: a browser started now finds the room.
    const late = lab.beacon(peerNs, ['rooms', '--json', '--wait', '4'])
    await late.waitFor((e) => e.event === 'up', WAIT_MS, 'room found after the junk')
    await late.waitExit(WAIT_MS)
    for (const p of [host, rooms]) assert.equal(p.exited, false, p.stderr)
    const ids = (evs: Record<string, unknown>[]) => [
      ...new Set(evs.filter((e) => e.event === 'up').map((e) => (e.room as { id: string }).id)),
    ]
    assert.deepEqual(ids(rooms.events), [room.id])
    assert.deepEqual(ids(late.events), [room.id])
    assert.equal(late.child.exitCode, 0, late.stderr)
    await Promise.all([host.kill(), rooms.kill()])
  })
})
