// What `beacon host` says on the wire, checked packet by packet against RFC 6762/6763 from another
// namespace. Every packet is built as an object and encoded by multicast-dns/dns-packet (fixtures/mdns-peer.ts).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { AUTHORITATIVE, QU_CLASS, TRUNCATED, type MdnsPacket, type MdnsRecord } from '../../src/main/discovery/mdns.ts'
import { SERVICE_NAME } from '../../src/shared/discovery.ts'
import { Lab, namespaceUnavailableReason, type Proc } from './netns.ts'

const skip = namespaceUnavailableReason()
const WAIT_MS = 15_000
/** How long "no answer" is listened for: well past the 120 ms response delay and the 500 ms TC wait. */
const QUIET_MS = 1500
/** Past the per-record multicast rate limit (1 s), so the next query may be answered again. */
const RATE_GAP_MS = 1200
/** The host announces at 0, 1 and 3 s after probing. */
const ANNOUNCED_MS = 4200

const ROOM = 'v1.2 Lunch'
/** The instance name as dns-packet reads it here: the dot inside the label escaped. */
const INSTANCE = `v1\\.2 Lunch.${SERVICE_NAME}`

type Ev = Record<string, unknown>
interface Heard {
  from: string
  packet: MdnsPacket
}
const heardOf = (e: Ev) => e as unknown as Heard
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const recordsIn = (p: MdnsPacket) => [...(p.answers ?? []), ...(p.additionals ?? [])]
const ask = (peer: Proc, packet: MdnsPacket) => peer.send(JSON.stringify({ send: packet }))
const query = (questions: MdnsPacket['questions'], answers: MdnsRecord[] = [], flags = 0): MdnsPacket => ({
  type: 'query',
  flags,
  questions,
  answers,
})

/** Responses heard from `from` after `mark`, within `ms`. */
async function responsesWithin(peer: Proc, from: string, mark: number, ms: number): Promise<MdnsPacket[]> {
  await sleep(ms)
  return peer.events
    .slice(mark)
    .filter((e) => e.event === 'packet' && heardOf(e).from === from && heardOf(e).packet.type === 'response')
    .map((e) => heardOf(e).packet)
}

/** The first response from `from` after `mark` with a record `pred` accepts. */
async function answerWith(peer: Proc, from: string, mark: number, pred: (r: MdnsRecord) => boolean, what: string): Promise<MdnsPacket> {
  const ev = await peer.waitFor(
    (e) =>
      e.event === 'packet' && heardOf(e).from === from && heardOf(e).packet.type === 'response' && recordsIn(heardOf(e).packet).some(pred),
    WAIT_MS,
    what,
    mark,
  )
  return heardOf(ev).packet
}

const is = (type: string, name: string) => (r: MdnsRecord) => r.type === type && r.name.toLowerCase() === name.toLowerCase()

describe('mDNS on the wire (RFC 6762/6763)', { skip }, () => {
  let lab: Lab
  let host: Proc
  let peer: Proc
  let unicastPeer: Proc
  let target: string
  let hostNs: string
  let peerNs: string
  const HOST = '198.18.101.1'
  const HOST_U = '198.18.102.1'

  before(async () => {
    lab = new Lab('c')
    const h = (hostNs = lab.namespace('h'))
    const p = (peerNs = lab.namespace('p'))
    const u = lab.namespace('u')
    lab.link(h, HOST, p, '198.18.101.2')
    lab.link(h, HOST_U, u, '198.18.102.2')
    peer = lab.fixture(p, 'mdns-peer', [])
    unicastPeer = lab.fixture(u, 'mdns-peer', ['--unicast-only'])
    await Promise.all([peer, unicastPeer].map((x) => x.waitFor((e) => e.event === 'ready', WAIT_MS, 'peer ready')))
    host = lab.beacon(h, ['host', '--json', '--name', ROOM, '--data', lab.tempDir(), '--port', '0'])
    await host.waitFor((e) => e.event === 'advertised', WAIT_MS, 'advertised')
    const srv = (await answerWith(peer, HOST, 0, is('SRV', INSTANCE), 'the announced SRV')).answers!.find(is('SRV', INSTANCE))!
    target = (srv.data as { target: string }).target
    await sleep(ANNOUNCED_MS) // past the announcements, which count against the rate limit too
  })
  after(async () => {
    await lab.destroy()
  })

  test('a room named with dots is announced under exactly that name, in one label', async () => {
    const ptr = peer.events
      .filter((e) => e.event === 'packet' && heardOf(e).from === HOST)
      .flatMap((e) => recordsIn(heardOf(e).packet))
      .find((r) => r.type === 'PTR' && r.name === SERVICE_NAME)
    assert.equal(ptr?.data, INSTANCE)
    assert.deepEqual(
      host.events.filter((e) => e.event === 'advertised').map((e) => e.name),
      [ROOM],
    )
  })

  test('answers are authoritative, and a type the host does not have gets an NSEC instead of silence', async () => {
    let mark = peer.events.length
    ask(peer, query([{ name: target, type: 'AAAA' }]))
    const noV6 = await answerWith(peer, HOST, mark, is('NSEC', target), 'NSEC for the host name')
    assert.ok(((noV6.flags ?? 0) & AUTHORITATIVE) !== 0, 'AA bit set')
    assert.deepEqual((noV6.answers!.find(is('NSEC', target))!.data as { rrtypes: string[] }).rrtypes, ['A'])

    mark = peer.events.length
    ask(peer, query([{ name: INSTANCE, type: 'A' }]))
    const noA = await answerWith(peer, HOST, mark, is('NSEC', INSTANCE), 'NSEC for the instance')
    assert.deepEqual((noA.answers!.find(is('NSEC', INSTANCE))!.data as { rrtypes: string[] }).rrtypes.sort(), ['SRV', 'TXT'])
    assert.ok(((noA.flags ?? 0) & AUTHORITATIVE) !== 0)

    await sleep(RATE_GAP_MS)
    mark = peer.events.length
    ask(peer, query([{ name: INSTANCE, type: 'SRV' }]))
    const srv = await answerWith(peer, HOST, mark, is('SRV', INSTANCE), 'SRV answer')
    assert.ok(((srv.flags ?? 0) & AUTHORITATIVE) !== 0)
    assert.ok(srv.additionals!.some(is('A', target)), 'the address comes along')
    assert.ok(srv.additionals!.some(is('NSEC', target)), 'and says there is no IPv6 address')
    await sleep(RATE_GAP_MS)
  })

  test('records the querier already holds are not sent again, whatever their type', async () => {
    // Learn every record as the peer would cache it.
    let mark = peer.events.length
    ask(peer, query([{ name: SERVICE_NAME, type: 'PTR' }]))
    const full = await answerWith(peer, HOST, mark, (r) => r.type === 'PTR' && r.data === INSTANCE, 'PTR answer')
    const known = recordsIn(full).filter((r) => ['PTR', 'SRV', 'TXT', 'A'].includes(r.type))
    assert.deepEqual(known.map((r) => r.type).sort(), ['A', 'PTR', 'SRV', 'TXT'])
    const questions = [
      { name: SERVICE_NAME, type: 'PTR' },
      { name: INSTANCE, type: 'SRV' },
      { name: INSTANCE, type: 'TXT' },
      { name: target, type: 'A' },
    ]
    await sleep(RATE_GAP_MS)

    mark = peer.events.length
    ask(peer, query(questions, known))
    const ours = (await responsesWithin(peer, HOST, mark, QUIET_MS)).flatMap((p) => p.answers ?? []).filter((r) => r.type !== 'NSEC')
    assert.deepEqual(
      ours.filter((r) => r.name === INSTANCE || r.name === target || r.data === INSTANCE),
      [],
    )

    // The same query without the known answers is answered in full (so the silence above was suppression).
    await sleep(RATE_GAP_MS)
    mark = peer.events.length
    ask(peer, query(questions))
    const again = await answerWith(peer, HOST, mark, is('TXT', INSTANCE), 'answer without known answers')
    assert.deepEqual([...new Set(recordsIn(again).map((r) => r.type))].filter((t) => t !== 'NSEC').sort(), ['A', 'PTR', 'SRV', 'TXT'])
    await sleep(RATE_GAP_MS)
  })

  test('a record is multicast at most once a second on a link, however often it is asked for', async () => {
    const mark = peer.events.length
    for (let i = 0; i < 5; i++) {
      ask(peer, query([{ name: INSTANCE, type: 'TXT' }]))
      await sleep(100)
    }
    const txts = (await responsesWithin(peer, HOST, mark, 400)).flatMap((p) => p.answers ?? []).filter(is('TXT', INSTANCE))
    assert.equal(txts.length, 1)
    await sleep(RATE_GAP_MS)
  })

  test('a QU question is answered by unicast, a QM one by multicast only', async () => {
    let mark = unicastPeer.events.length
    unicastPeer.send(JSON.stringify({ send: query([{ name: INSTANCE, type: 'TXT', class: QU_CLASS }]) }))
    const direct = await answerWith(unicastPeer, HOST_U, mark, is('TXT', INSTANCE), 'unicast answer to QU')
    assert.ok(((direct.flags ?? 0) & AUTHORITATIVE) !== 0)

    await sleep(RATE_GAP_MS)
    mark = unicastPeer.events.length
    unicastPeer.send(JSON.stringify({ send: query([{ name: INSTANCE, type: 'TXT' }]) }))
    assert.deepEqual(
      await responsesWithin(unicastPeer, HOST_U, mark, QUIET_MS),
      [],
      'a QM answer is multicast, which this peer cannot hear',
    )
    await sleep(RATE_GAP_MS)
  })

  test('a truncated query waits for the rest of its known answers before answering', async () => {
    const isOurPtr = (r: MdnsRecord) => r.type === 'PTR' && r.data === INSTANCE
    let mark = peer.events.length
    ask(peer, query([{ name: SERVICE_NAME, type: 'PTR' }]))
    const ptr = (await answerWith(peer, HOST, mark, isOurPtr, 'PTR')).answers!.find(isOurPtr)!
    await sleep(RATE_GAP_MS)

    mark = peer.events.length
    ask(peer, query([{ name: SERVICE_NAME, type: 'PTR' }], [], TRUNCATED))
    await sleep(150)
    ask(peer, query([], [ptr])) // the continuation: known answers only
    const heard = (await responsesWithin(peer, HOST, mark, QUIET_MS)).flatMap((p) => p.answers ?? [])
    assert.equal(heard.filter(isOurPtr).length, 0, 'the known answer in the second packet suppressed the PTR')

    // A truncated query whose rest never comes is still answered.
    await sleep(RATE_GAP_MS)
    mark = peer.events.length
    ask(peer, query([{ name: SERVICE_NAME, type: 'PTR' }], [], TRUNCATED))
    await answerWith(peer, HOST, mark, isOurPtr, 'PTR after the TC wait')
    await sleep(RATE_GAP_MS)
  })

  test('the room never renames itself, whichever of its records another machine asks for', async () => {
    const rooms = lab.beacon(peerNs, ['rooms', '--json'])
    await rooms.waitFor((e) => e.event === 'up', WAIT_MS, 'room listed')
    const mark = peer.events.length
    for (const cls of ['IN', QU_CLASS]) {
      for (const q of [
        { name: INSTANCE, type: 'SRV' },
        { name: INSTANCE, type: 'TXT' },
        { name: target, type: 'A' },
        { name: INSTANCE, type: 'ANY' },
        { name: target, type: 'ANY' },
      ]) {
        ask(peer, query([{ ...q, class: cls }]))
        await sleep(RATE_GAP_MS)
      }
    }
    await sleep(QUIET_MS)
    assert.ok((await responsesWithin(peer, HOST, mark, 0)).length >= 5, 'the queries were answered')
    assert.deepEqual(
      host.events.filter((e) => e.event === 'advertised').map((e) => e.name),
      [ROOM],
    )
    const goodbyes = (await responsesWithin(peer, HOST, mark, 0)).flatMap(recordsIn).filter((r) => r.ttl === 0)
    assert.deepEqual(goodbyes, [])
    const names = rooms.events.filter((e) => e.event === 'up' || e.event === 'update').map((e) => (e.room as { name: string }).name)
    assert.deepEqual([...new Set(names)], [ROOM])
    await rooms.kill()
  })

  test('a new room probes its name and its host name, asking for unicast answers first', async () => {
    const mark = peer.events.length
    const other = lab.beacon(hostNs, ['host', '--json', '--name', 'Probe check', '--data', lab.tempDir(), '--port', '0'])
    const name = `Probe check.${SERVICE_NAME}`
    const probes = async () => {
      await other.waitFor((e) => e.event === 'advertised', WAIT_MS, 'second room advertised')
      return peer.events
        .slice(mark)
        .filter(
          (e) => e.event === 'packet' && heardOf(e).packet.type === 'query' && (heardOf(e).packet.authorities ?? []).some(is('SRV', name)),
        )
        .map((e) => heardOf(e).packet)
    }
    const seen = await probes()
    assert.equal(seen.length, 3, 'three probes')
    const first = seen[0]!
    const srv = first.authorities!.find(is('SRV', name))!
    const hostName = (srv.data as { target: string }).target
    assert.deepEqual(
      first.questions!.map((q) => [q.name, q.type, q.class]),
      [
        [name, 'ANY', QU_CLASS],
        [hostName, 'ANY', QU_CLASS],
      ],
    )
    assert.ok(first.authorities!.some(is('A', hostName)), 'the proposed address is in the probe')
    assert.ok(first.authorities!.some(is('TXT', name)))
    await other.kill()
    await sleep(RATE_GAP_MS)
  })

  test('another machine claiming the host name makes the room take a new host name, keeping its own name', async () => {
    const mark = peer.events.length
    ask(peer, {
      type: 'response',
      flags: AUTHORITATIVE,
      answers: [{ name: target, type: 'A', ttl: 120, flush: true, data: '198.18.101.99' }],
    })
    const moved = (r: MdnsRecord) => is('SRV', INSTANCE)(r) && (r.ttl ?? 0) > 0 && (r.data as { target: string }).target !== target
    const srv = recordsIn(await answerWith(peer, HOST, mark, moved, 'SRV with a new host name')).find(moved)!
    const newTarget = (srv.data as { target: string }).target
    assert.equal(newTarget, target.replace(/\.local$/, '-2.local'))
    const heard = (await responsesWithin(peer, HOST, mark, 0)).flatMap(recordsIn)
    assert.ok(
      heard.some((r) => is('A', target)(r) && r.ttl === 0),
      'goodbye for the old host name',
    )
    assert.ok(heard.some((r) => is('A', newTarget)(r) && r.data === HOST))
    assert.deepEqual([...new Set(host.events.filter((e) => e.event === 'advertised').map((e) => e.name))], [ROOM])
    target = newTarget
    await sleep(ANNOUNCED_MS)
  })

  test('a real conflict renames the room and says goodbye to the old name', async () => {
    const mark = peer.events.length
    ask(peer, {
      type: 'response',
      flags: AUTHORITATIVE,
      answers: [
        { name: INSTANCE, type: 'SRV', ttl: 120, flush: true, data: { priority: 0, weight: 0, port: 9, target: 'impostor.local' } },
      ],
    })
    const renamed = await host.waitFor((e) => e.event === 'advertised' && e.name !== ROOM, WAIT_MS, 'renamed')
    assert.equal(renamed.name, `${ROOM} (2)`)
    const goodbye = (await responsesWithin(peer, HOST, mark, 0)).flatMap(recordsIn).filter((r) => r.ttl === 0)
    assert.ok(
      goodbye.some((r) => r.type === 'PTR' && r.data === INSTANCE),
      'goodbye for the old PTR',
    )
    assert.ok(goodbye.some(is('SRV', INSTANCE)))
  })
})
