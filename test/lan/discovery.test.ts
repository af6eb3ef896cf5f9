// LAN discovery on real multicast, between network namespaces this file creates (and always deletes).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Lab, namespaceUnavailableReason, type Proc } from './netns.ts'

const skip = namespaceUnavailableReason()
/** Generous bounds on every wait; only "within 10 s" is a promise the product makes. */
const START_MS = 15_000
const SEEN_MS = 10_000
const CRASH_DOWN_MS = 10_000

type Ev = Record<string, unknown>
interface Room {
  id: string
  name: string
  roomName: string
  host: string
  members: number
  passwordRequired: boolean
  addresses: { address: string; port: number }[]
}
const roomOf = (e: Ev) => e.room as Room
const isRoomEvent = (kind: string, pred: (r: Room) => boolean) => (e: Ev) => e.event === kind && pred(roomOf(e))

async function startHost(lab: Lab, ns: string, name: string, extra: string[] = []): Promise<{ proc: Proc; id: string; port: number }> {
  const proc = lab.beacon(ns, ['host', '--json', '--name', name, '--data', lab.tempDir(), '--port', '0', ...extra])
  const ev = await proc.waitFor<{ port: number; room: { id: string } }>((e) => e.event === 'listening', START_MS, 'listening')
  return { proc, id: ev.room.id, port: ev.port }
}

describe('LAN discovery between namespaces', { skip }, () => {
  let lab: Lab
  before(() => {
    lab = new Lab('d')
  })
  after(async () => {
    await lab.destroy()
  })

  test('rooms on the next network appear with their details; a stopped room leaves at once, a crashed one within 10 s', async () => {
    const hostNs = lab.namespace('h1')
    const peerNs = lab.namespace('p1')
    lab.link(hostNs, '198.18.10.1', peerNs, '198.18.10.2')
    const rooms = lab.beacon(peerNs, ['rooms', '--json'])
    const standup = await startHost(lab, hostNs, 'Standup')
    const design = await startHost(lab, hostNs, 'Design', ['--password', 'hunter2'])

    const a = roomOf(
      await rooms.waitFor(
        isRoomEvent('up', (r) => r.id === standup.id),
        SEEN_MS,
        'Standup up',
      ),
    )
    const b = roomOf(
      await rooms.waitFor(
        isRoomEvent('up', (r) => r.id === design.id),
        SEEN_MS,
        'Design up',
      ),
    )
    assert.equal(a.name, 'Standup')
    assert.equal(a.roomName, 'Standup')
    assert.equal(a.passwordRequired, false)
    assert.equal(a.members, 0)
    assert.ok(a.host.length > 0)
    assert.deepEqual(a.addresses[0], { address: '198.18.10.1', port: standup.port })
    assert.equal(b.name, 'Design')
    assert.equal(b.passwordRequired, true)
    assert.deepEqual(b.addresses[0], { address: '198.18.10.1', port: design.port })

    // What the host publishes, read raw: PROTOCOL.md's TXT keys.
    const watch = lab.fixture(peerNs, 'txt-watch', [])
    const txt = (
      await watch.waitFor<{ txt: Record<string, string> }>(
        (e) => (e.txt as Record<string, string>)?.id === design.id,
        SEEN_MS,
        'Design TXT',
      )
    ).txt
    assert.deepEqual({ ...txt, host: '' }, { v: '1', id: design.id, room: 'Design', host: '', path: '/ws', pw: '1', n: '0' })
    assert.equal(txt.host, b.host)
    await watch.kill()

    const mark = rooms.events.length
    await standup.proc.kill('SIGTERM')
    await rooms.waitFor(
      isRoomEvent('down', (r) => r.id === standup.id),
      5000,
      'Standup down after a graceful stop',
      mark,
    )

    const crashedAt = Date.now()
    await design.proc.kill('SIGKILL')
    await rooms.waitFor(
      isRoomEvent('down', (r) => r.id === design.id),
      CRASH_DOWN_MS + 2000,
      'Design down after SIGKILL',
      mark,
    )
    console.log(`Design listed down ${Date.now() - crashedAt} ms after its host was killed`)
    await rooms.kill()
  })

  test('two rooms both called "Lunch" are both listed, under different names', async () => {
    const hostNs = lab.namespace('h2')
    const peerNs = lab.namespace('p2')
    lab.link(hostNs, '198.18.20.1', peerNs, '198.18.20.2')
    const rooms = lab.beacon(peerNs, ['rooms', '--json'])
    const [one, two] = await Promise.all([startHost(lab, hostNs, 'Lunch'), startHost(lab, hostNs, 'Lunch')])
    const seen = await Promise.all(
      [one, two].map(async (h) =>
        roomOf(
          await rooms.waitFor(
            isRoomEvent('up', (r) => r.id === h.id),
            SEEN_MS,
            `Lunch ${h.id} up`,
          ),
        ),
      ),
    )
    // A rename after the first listing shows up as an update: wait until the two names differ.
    const names = async () => {
      const latest = (id: string) =>
        roomOf([...rooms.events].reverse().find((e) => (e.event === 'up' || e.event === 'update') && roomOf(e).id === id)!)
      return [latest(one.id).name, latest(two.id).name].sort()
    }
    const deadline = Date.now() + SEEN_MS
    while ((await names())[0] === (await names())[1] && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    assert.notEqual(seen[0]!.id, seen[1]!.id)
    assert.deepEqual(await names(), ['Lunch', 'Lunch (2)'])
    const advertised = await Promise.all(
      [one, two].map((h) => h.proc.waitFor<{ name: string }>((e) => e.event === 'advertised', SEEN_MS, 'advertised')),
    )
    assert.deepEqual(advertised.map((e) => e.name).sort(), ['Lunch', 'Lunch (2)'])
    assert.ok(seen.every((r) => r.roomName === 'Lunch'))
    await Promise.all([one.proc.kill(), two.proc.kill(), rooms.kill()])
  })

  test('a host on two networks is found from each, joined through each network’s own address, and both sides chat', async () => {
    const left = lab.namespace('l3')
    const middle = lab.namespace('m3')
    const right = lab.namespace('r3')
    lab.link(middle, '198.18.31.1', left, '198.18.31.2')
    lab.link(middle, '198.18.32.1', right, '198.18.32.2')
    const host = await startHost(lab, middle, 'Bridge')
    const ann = lab.fixture(left, 'member', ['--id', host.id, '--name', 'Ann'])
    const bob = lab.fixture(right, 'member', ['--id', host.id, '--name', 'Bob'])
    const annAt = await ann.waitFor<{ address: string; port: number }>((e) => e.event === 'resolved', SEEN_MS, 'Ann resolved')
    const bobAt = await bob.waitFor<{ address: string; port: number }>((e) => e.event === 'resolved', SEEN_MS, 'Bob resolved')
    assert.deepEqual(annAt, { event: 'resolved', address: '198.18.31.1', port: host.port })
    assert.deepEqual(bobAt, { event: 'resolved', address: '198.18.32.1', port: host.port })
    // Each side lists the room with its own network's address only: the A records are per link.
    const annRoom = roomOf(await ann.waitFor((e) => e.event === 'room', 1000))
    assert.deepEqual(
      annRoom.addresses.map((a) => a.address),
      ['198.18.31.1'],
    )

    await ann.waitFor((e) => e.event === 'welcome', SEEN_MS, 'Ann welcome')
    await bob.waitFor((e) => e.event === 'welcome', SEEN_MS, 'Bob welcome')
    ann.send('hello from the left')
    bob.send('hello from the right')
    const text = (e: Ev) => (e.frame as { text?: string } | undefined)?.text
    await bob.waitFor((e) => e.event === 'message' && text(e) === 'hello from the left', 5000, 'Bob gets Ann’s message')
    await ann.waitFor((e) => e.event === 'message' && text(e) === 'hello from the right', 5000, 'Ann gets Bob’s message')
    await Promise.all([ann.kill(), bob.kill(), host.proc.kill()])
  })

  test('the member count people see follows joins and leaves', async () => {
    const hostNs = lab.namespace('h4')
    const peerNs = lab.namespace('p4')
    lab.link(hostNs, '198.18.40.1', peerNs, '198.18.40.2')
    const host = await startHost(lab, hostNs, 'Count')
    const watch = lab.fixture(peerNs, 'txt-watch', [])
    const rooms = lab.beacon(peerNs, ['rooms', '--json'])
    const n = (e: Ev) => (e.txt as Record<string, string> | undefined)?.n
    await watch.waitFor((e) => n(e) === '0', SEEN_MS, 'TXT n=0')
    await rooms.waitFor(
      isRoomEvent('up', (r) => r.id === host.id && r.members === 0),
      SEEN_MS,
      'room up with 0 members',
    )

    const ann = lab.fixture(peerNs, 'member', ['--address', '198.18.40.1:' + host.port, '--name', 'Ann'])
    await ann.waitFor((e) => e.event === 'welcome', SEEN_MS, 'Ann welcome')
    let mark = watch.events.length
    await watch.waitFor((e) => n(e) === '1', SEEN_MS, 'TXT n=1 after a join', mark)
    await rooms.waitFor((e) => e.event === 'update' && roomOf(e).members === 1, SEEN_MS, 'update to 1 member')

    mark = watch.events.length
    const roomsMark = rooms.events.length
    ann.send('/quit')
    await ann.waitFor((e) => e.event === 'closed', 5000, 'Ann left')
    await watch.waitFor((e) => n(e) === '0', SEEN_MS, 'TXT n=0 after the leave', mark)
    await rooms.waitFor((e) => e.event === 'update' && roomOf(e).members === 0, SEEN_MS, 'update to 0 members', roomsMark)
    await Promise.all([watch.kill(), rooms.kill(), host.proc.kill()])
  })

  test('a browser opened long after the host started still finds the room', async () => {
    const hostNs = lab.namespace('h5')
    const peerNs = lab.namespace('p5')
    lab.link(hostNs, '198.18.50.1', peerNs, '198.18.50.2')
    const host = await startHost(lab, hostNs, 'Early')
    await host.proc.waitFor((e) => e.event === 'advertised', SEEN_MS, 'advertised')
    await new Promise((r) => setTimeout(r, 4500)) // past the host's announcements (0, 1, 3 s): only a query finds it now
    const rooms = lab.beacon(peerNs, ['rooms', '--json', '--wait', '8'])
    await rooms.waitFor(
      isRoomEvent('up', (r) => r.id === host.id),
      SEEN_MS,
      'room up',
    )
    await Promise.all([rooms.kill(), host.proc.kill()])
  })

  test('a room behind a router (multicast does not cross it) is not listed, but joining by address works', async () => {
    const hostNs = lab.namespace('h6')
    const router = lab.namespace('g6')
    const peerNs = lab.namespace('p6')
    lab.link(hostNs, '198.18.60.1', router, '198.18.60.254')
    lab.link(router, '198.18.61.254', peerNs, '198.18.61.2')
    lab.forward(router)
    lab.route(hostNs, '198.18.61.0/24', '198.18.60.254')
    lab.route(peerNs, '198.18.60.0/24', '198.18.61.254')
    const host = await startHost(lab, hostNs, 'Quiet')
    const rooms = lab.beacon(peerNs, ['rooms', '--json', '--wait', '3'])
    await rooms.waitExit(SEEN_MS)
    assert.deepEqual(
      rooms.events.filter((e) => e.event === 'up'),
      [],
    )
    assert.equal(host.proc.exited, false, 'the host keeps running')

    for (const address of [`198.18.60.1:${host.port}`, `http://198.18.60.1:${host.port}/`]) {
      const ann = lab.fixture(peerNs, 'member', ['--address', address, '--name', 'Ann'])
      const room = roomOf(await ann.waitFor((e) => e.event === 'room', SEEN_MS, `room by ${address}`))
      assert.equal(room.id, host.id)
      assert.equal(room.name, 'Quiet')
      assert.deepEqual(room.addresses, [{ address: '198.18.60.1', port: host.port }])
      await ann.waitFor((e) => e.event === 'welcome', SEEN_MS, 'welcome')
      await ann.kill()
    }
    await host.proc.kill()
  })
})

describe('network cards that come and go', { skip }, () => {
  let lab: Lab
  before(() => {
    lab = new Lab('n')
  })
  after(async () => {
    await lab.destroy()
  })

  test('a network plugged in after the host started sees the room too', async () => {
    const middle = lab.namespace('m')
    const left = lab.namespace('l')
    const right = lab.namespace('r')
    lab.link(middle, '198.18.91.1', left, '198.18.91.2')
    const host = await startHost(lab, middle, 'Hotplug')
    await host.proc.waitFor((e) => e.event === 'advertised', SEEN_MS, 'advertised')
    const rightRooms = lab.beacon(right, ['rooms', '--json']) // starts with no network at all
    lab.link(middle, '198.18.92.1', right, '198.18.92.2')
    const seen = roomOf(
      await rightRooms.waitFor(
        isRoomEvent('up', (r) => r.id === host.id),
        SEEN_MS,
        'up on the new network',
      ),
    )
    assert.deepEqual(seen.addresses, [{ address: '198.18.92.1', port: host.port }])
    await Promise.all([rightRooms.kill(), host.proc.kill()])
  })
})

describe('pinning the advertised interface', { skip }, () => {
  let lab: Lab
  before(() => {
    lab = new Lab('i')
  })
  after(async () => {
    await lab.destroy()
  })

  test('a host pinned to one network card is seen on that network only', async () => {
    const left = lab.namespace('l')
    const middle = lab.namespace('m')
    const right = lab.namespace('r')
    const { ifA } = lab.link(middle, '198.18.81.1', left, '198.18.81.2')
    lab.link(middle, '198.18.82.1', right, '198.18.82.2')
    const host = await startHost(lab, middle, 'Pinned', ['--interface', ifA])
    const leftRooms = lab.beacon(left, ['rooms', '--json'])
    const rightRooms = lab.beacon(right, ['rooms', '--json', '--wait', '5'])
    const seen = roomOf(
      await leftRooms.waitFor(
        isRoomEvent('up', (r) => r.id === host.id),
        SEEN_MS,
        'up on the pinned side',
      ),
    )
    assert.deepEqual(seen.addresses, [{ address: '198.18.81.1', port: host.port }])
    await rightRooms.waitExit(SEEN_MS)
    assert.deepEqual(
      rightRooms.events.filter((e) => e.event === 'up'),
      [],
    )
    await Promise.all([leftRooms.kill(), host.proc.kill()])
  })
})
