// Forged mDNS announcements, each sent from another namespace: what a browser lists, probes and prints must
// not be steered by them. The attacker is fixtures/mdns-peer.ts (packets encoded by multicast-dns), which can
// also answer HTTP like a room would.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { MdnsPacket, MdnsRecord } from '../../src/main/discovery/mdns.ts'
import { DISCOVERY, SERVICE_NAME } from '../../src/shared/discovery.ts'
import { Lab, namespaceUnavailableReason, type Proc } from './netns.ts'

const skip = namespaceUnavailableReason()
const WAIT_MS = 15_000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

type Ev = Record<string, unknown>
interface Room {
  id: string
  name: string
  roomName: string
  host: string
  addresses: { address: string; port: number }[]
}
const roomOf = (e: Ev) => e.room as Room

/** PTR, SRV, TXT and A records of one announced room, as an attacker would send them. */
function announce(label: string, txt: string[], port: number, addresses: string[], ttl = 120): MdnsRecord[] {
  const name = `${label}.${SERVICE_NAME}`
  const target = `${label.replace(/[^a-z0-9]/gi, '')}-forged.local`
  return [
    { name: SERVICE_NAME, type: 'PTR', ttl: ttl && 4500, data: name },
    { name, type: 'SRV', ttl, flush: true, data: { priority: 0, weight: 0, port, target } },
    { name, type: 'TXT', ttl: ttl && 4500, flush: true, data: txt },
    ...addresses.map((a) => ({ name: target, type: 'A', ttl, flush: true, data: a })),
  ]
}
const response = (answers: MdnsRecord[]): MdnsPacket => ({ type: 'response', flags: 1 << 10, answers })
const send = (peer: Proc, p: MdnsPacket) => peer.send(JSON.stringify({ send: p }))
/** The browser at `from` is listening once the attacker hears its first query. */
async function browsing(attacker: Proc, from: string): Promise<void> {
  const q = (e: Ev) => e.event === 'packet' && e.from === from && (e.packet as MdnsPacket).type === 'query'
  await attacker.waitFor(q, WAIT_MS, `a query from ${from}`)
}

/** Announce every second, as a persistent attacker would, until `until` settles. */
async function announcing<T>(attacker: Proc, packet: MdnsPacket, until: Promise<T>): Promise<T> {
  send(attacker, packet)
  const timer = setInterval(() => send(attacker, packet), 1000)
  try {
    return await until
  } finally {
    clearInterval(timer)
  }
}
const summary = (id: string, name: string, host: string) =>
  JSON.stringify({ protocol: 1, id, name, host, epoch: 'e', seq: 0, members: 0, passwordRequired: false })

describe('hostile announcements', { skip }, () => {
  let lab: Lab
  before(() => {
    lab = new Lab('x')
  })
  after(async () => {
    await lab.destroy()
  })

  test('a room whose name and host carry escapes, newlines and bidi controls is printed on one clean line', async () => {
    const b = lab.namespace('b1')
    const a = lab.namespace('a1')
    lab.link(b, '198.18.121.2', a, '198.18.121.1')
    const nasty = 'Lunch\u001b]0;pwned\u0007\n+ Fake room — nobody\u202e'
    const attacker = lab.fixture(a, 'mdns-peer', ['--serve', '4801', '--summary', summary('nasty-1', nasty, 'Eve\r\nX\u200f')])
    await attacker.waitFor((e) => e.event === 'ready', WAIT_MS, 'attacker ready')
    const text = lab.beacon(b, ['rooms'])
    const json = lab.beacon(b, ['rooms', '--json'])
    const packet = response(announce('Lunch', ['v=1', 'id=nasty-1', `room=${nasty}`, 'host=\u001b[2J'], 4801, ['198.18.121.1']))
    await browsing(attacker, '198.18.121.2')
    const listed = Promise.all([
      json.waitFor((e) => e.event === 'up', WAIT_MS, 'room listed'),
      text.waitFor((e) => e.event === 'text', WAIT_MS, 'a printed line'),
    ])
    const [upEvent, line] = await announcing(attacker, packet, listed)
    const up = roomOf(upEvent)
    send(attacker, packet)
    await sleep(500)
    const printed = text.events.filter((e) => e.event === 'text').map((e) => String(e.line))
    assert.equal(printed.length, 1, `one line for one room: ${JSON.stringify(printed)}`)
    // eslint-disable-next-line no-control-regex -- the point: no control or bidi character may reach the terminal
    const unsafe = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/
    assert.doesNotMatch(String(line.line), unsafe)
    for (const field of [up.name, up.roomName, up.host]) assert.doesNotMatch(field, unsafe)
    assert.equal(up.roomName, 'Lunch ]0;pwned + Fake room — nobody')
    await Promise.all([text.kill(), json.kill(), attacker.kill()])
  })

  test('addresses that are loopback, broadcast, multicast or off every local network are neither listed nor probed', async () => {
    const b = lab.namespace('b2')
    const a = lab.namespace('a2')
    lab.link(b, '198.18.122.2', a, '198.18.122.1')
    const port = 4802
    const attacker = lab.fixture(a, 'mdns-peer', ['--serve', String(port), '--summary', summary('addr-1', 'Addresses', 'Eve')])
    // Something listening on the browser's own loopback at that port: a probe there would be counted.
    const local = lab.fixture(b, 'mdns-peer', ['--unicast-only', '--serve', String(port), '--bind', '127.0.0.1'])
    await Promise.all([attacker, local].map((p) => p.waitFor((e) => e.event === 'ready', WAIT_MS, 'ready')))
    const rooms = lab.beacon(b, ['rooms', '--json'])
    await browsing(attacker, '198.18.122.2')
    const bad = ['127.0.0.1', '0.0.0.0', '255.255.255.255', '224.0.0.1', '203.0.113.9', '198.18.123.7']
    const packet = response(announce('Addresses', ['v=1', 'id=addr-1', 'room=Addresses'], port, [...bad, '198.18.122.1']))
    const up = roomOf(
      await announcing(
        attacker,
        packet,
        rooms.waitFor((e) => e.event === 'up', WAIT_MS, 'room listed'),
      ),
    )
    assert.deepEqual(up.addresses, [{ address: '198.18.122.1', port }])
    await sleep(DISCOVERY.livenessIntervalMs + 500) // a liveness round too
    assert.deepEqual(
      local.events.filter((e) => e.event === 'http'),
      [],
      'nothing probed the browser’s own loopback',
    )
    await Promise.all([rooms.kill(), attacker.kill(), local.kill()])
  })

  test('five hundred fake rooms pointing at one address cost it a few rate-limited requests, not five hundred', async () => {
    const b = lab.namespace('b3')
    const a = lab.namespace('a3')
    lab.link(b, '198.18.124.2', a, '198.18.124.1')
    const victim = lab.fixture(a, 'mdns-peer', ['--serve', '4803'])
    await victim.waitFor((e) => e.event === 'ready', WAIT_MS, 'victim ready')
    const rooms = lab.beacon(b, ['rooms', '--json'])
    await browsing(victim, '198.18.124.2')
    const started = Date.now()
    for (let batch = 0; batch < 50; batch++) {
      const records = Array.from({ length: 10 }, (_, i) => {
        const n = batch * 10 + i
        return announce(`Fake ${n}`, ['v=1', `id=fake-${n}`, `room=Fake ${n}`], 4803, ['198.18.124.1'])
      }).flat()
      send(victim, response(records))
    }
    await sleep(3000)
    const seconds = (Date.now() - started) / 1000
    const requests = victim.events.filter((e) => e.event === 'http').length
    const bound = DISCOVERY.probeAddressBurst + Math.ceil(DISCOVERY.probesPerAddressPerSecond * seconds)
    assert.ok(requests > 0, 'some fake rooms were checked')
    assert.ok(requests <= bound, `${requests} requests in ${seconds.toFixed(1)} s (bound ${bound})`)
    assert.deepEqual(
      rooms.events.filter((e) => e.event === 'up'),
      [],
    )
    await Promise.all([rooms.kill(), victim.kill()])
  })

  test('an evil twin carrying a real room’s id does not rename it, and a forged goodbye does not remove it', async () => {
    const b = lab.namespace('b4')
    const h = lab.namespace('h4')
    const a = lab.namespace('a4')
    lab.link(b, '198.18.125.2', h, '198.18.125.1')
    lab.link(b, '198.18.126.2', a, '198.18.126.1')
    const rooms = lab.beacon(b, ['rooms', '--json'])
    const host = lab.beacon(h, ['host', '--json', '--name', 'Real', '--data', lab.tempDir(), '--port', '0'])
    const { room, port } = await host.waitFor<{ room: { id: string }; port: number }>((e) => e.event === 'listening', WAIT_MS, 'listening')
    const listed = roomOf(await rooms.waitFor((e) => e.event === 'up' && roomOf(e).id === room.id, WAIT_MS, 'real room listed'))
    assert.equal(listed.name, 'Real')

    // The twin even answers /api/room with the real id.
    const twin = lab.fixture(a, 'mdns-peer', ['--serve', '4804', '--summary', summary(room.id, 'Evil', 'Mallory')])
    await twin.waitFor((e) => e.event === 'ready', WAIT_MS, 'twin ready')
    const mark = rooms.events.length
    send(twin, response(announce('Evil', ['v=1', `id=${room.id}`, 'room=Evil', 'host=Mallory'], 4804, ['198.18.126.1'])))
    await sleep(1000)
    // A goodbye for the real instance, from the wrong machine.
    send(twin, response(announce('Real', ['v=1', `id=${room.id}`, 'room=Real'], port, ['198.18.125.1'], 0)))
    await sleep(DISCOVERY.livenessIntervalMs + 1000)
    const since = rooms.events.slice(mark)
    assert.deepEqual(
      since.filter((e) => e.event === 'down'),
      [],
      'still listed',
    )
    for (const e of since.filter((x) => x.event === 'update')) {
      assert.equal(roomOf(e).name, 'Real')
      assert.deepEqual(
        roomOf(e).addresses.map((x) => x.address),
        ['198.18.125.1'],
      )
    }

    // The real host's own goodbye still takes it off the list.
    await host.kill('SIGTERM')
    await rooms.waitFor((e) => e.event === 'down' && roomOf(e).id === room.id, 5000, 'down after a real stop', mark)
    await Promise.all([rooms.kill(), twin.kill()])
  })
})
