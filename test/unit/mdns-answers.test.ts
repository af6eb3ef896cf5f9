// The responder's decisions (RFC 6762 §5-9) and the believability of announced addresses, without sockets
// (nothing is sent, so no network namespace is needed).
// Queries go through dns-packet's encoder and decoder first, so each case is a packet as it would arrive.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { acceptableAddress, acceptableSource } from '../../src/main/discovery/address-policy.ts'
import { compareRecordSets } from '../../src/main/discovery/advertiser.ts'
import { planAnswer, type OwnRecords } from '../../src/main/discovery/answers.ts'
import { dnsPacket, isQu, QU_CLASS, type MdnsPacket, type MdnsQuestion, type MdnsRecord } from '../../src/main/discovery/mdns.ts'
import { fqdn, metaRecord, sameRdata, serviceRecords } from '../../src/main/discovery/records.ts'
import { SERVICE_NAME, encodeTxt } from '../../src/shared/discovery.ts'

const codec = dnsPacket()
const wire = (p: MdnsPacket): MdnsPacket => codec.decode(codec.encode(p))

function own(instance = 'v1.2 Lunch'): OwnRecords {
  const txt = encodeTxt({ id: 'room-1', room: instance, host: 'Ann', passwordRequired: false, members: 2 })
  const r = serviceRecords({ instance, target: 'ann-room1.local', port: 4646, txt }, '198.18.0.1')
  const [srv, txtRecord, a] = r.additionals
  return { ptr: r.answers[0]!, srv: srv!, txt: txtRecord!, a, meta: metaRecord() }
}

/** Plan the answer to a query that went over the wire; `since` says when each record was last multicast. */
function answer(
  questions: MdnsQuestion[],
  known: MdnsRecord[] = [],
  since: (r: MdnsRecord) => number | undefined = () => undefined,
  probe = false,
) {
  const q = wire({ type: 'query', questions, answers: known })
  return planAnswer({ own: own(), questions: q.questions!, known: q.answers!, probe, sinceMulticast: since })
}
const types = (rs: MdnsRecord[]) => rs.map((r) => r.type)

describe('what the host answers', () => {
  const o = own()
  const instance = fqdn('v1.2 Lunch')

  test('a dotted instance name travels as one label and reads back the same', () => {
    const buf = codec.encode({ type: 'response', answers: [o.ptr] })
    assert.ok(buf.includes(Buffer.from('\x0av1.2 Lunch', 'latin1')), 'one 10-byte label')
    assert.equal(wire({ type: 'response', answers: [o.ptr] }).answers![0]!.data, instance)
  })

  test('a QU question keeps its unicast bit through the encoder and decoder', () => {
    const [q] = wire({ type: 'query', questions: [{ name: instance, type: 'TXT', class: QU_CLASS }] }).questions!
    assert.ok(isQu(q!))
    assert.ok(!isQu(wire({ type: 'query', questions: [{ name: instance, type: 'TXT' }] }).questions![0]!))
  })

  test('each record type asked for alone gets just that record', () => {
    assert.deepEqual(types(answer([{ name: instance, type: 'SRV' }]).multicast.answers), ['SRV'])
    assert.deepEqual(types(answer([{ name: instance, type: 'TXT' }]).multicast.answers), ['TXT'])
    assert.deepEqual(types(answer([{ name: 'ann-room1.local', type: 'A' }]).multicast.answers), ['A'])
    assert.deepEqual(types(answer([{ name: instance, type: 'ANY' }]).multicast.answers), ['SRV', 'TXT'])
  })

  test('a PTR answer brings SRV, TXT, A and the host’s NSEC along, and is marked shared', () => {
    const plan = answer([{ name: SERVICE_NAME, type: 'PTR' }])
    assert.deepEqual(types(plan.multicast.answers), ['PTR'])
    assert.deepEqual(types(plan.multicast.additionals), ['SRV', 'TXT', 'A', 'NSEC'])
    assert.ok(plan.shared)
  })

  test('a type the host does not have is answered with an NSEC naming the types it has', () => {
    const v6 = answer([{ name: 'ann-room1.local', type: 'AAAA' }]).multicast.answers
    assert.deepEqual(
      v6.map((r) => [r.type, (r.data as { rrtypes: string[] }).rrtypes]),
      [['NSEC', ['A']]],
    )
    const a = answer([{ name: instance, type: 'A' }]).multicast.answers
    assert.deepEqual((a[0]!.data as { rrtypes: string[] }).rrtypes, ['TXT', 'SRV'])
    assert.deepEqual(answer([{ name: 'someone-else.local', type: 'AAAA' }]).multicast.answers, [])
  })

  test('a known answer with at least half its TTL left suppresses that record, of any type', () => {
    for (const r of [o.ptr, o.srv, o.txt, o.a!]) {
      const q = r === o.ptr ? { name: SERVICE_NAME, type: 'PTR' } : { name: r.name, type: r.type }
      assert.deepEqual(answer([q], [r]).multicast.answers, [], `${r.type} at full TTL`)
      const stale = { ...r, ttl: Math.floor((r.ttl ?? 0) / 2) - 1 }
      assert.deepEqual(types(answer([q], [stale]).multicast.answers), [r.type], `${r.type} below half its TTL`)
    }
    const otherTxt = { ...o.txt, data: [Buffer.from('v=1'), Buffer.from('id=room-1'), Buffer.from('n=9')] }
    assert.deepEqual(types(answer([{ name: instance, type: 'TXT' }], [otherTxt]).multicast.answers), ['TXT'], 'different rdata')
  })

  test('a record multicast less than a second ago is not multicast again, unless defending against a probe', () => {
    const recent = () => 300
    assert.deepEqual(answer([{ name: instance, type: 'SRV' }], [], recent).multicast.answers, [])
    assert.deepEqual(types(answer([{ name: instance, type: 'SRV' }], [], () => 1500).multicast.answers), ['SRV'])
    assert.deepEqual(types(answer([{ name: instance, type: 'ANY' }], [], recent, true).multicast.answers), ['SRV', 'TXT'])
  })

  test('QU questions are answered by unicast while the record was multicast within a quarter of its TTL', () => {
    const qu = [{ name: instance, type: 'SRV', class: QU_CLASS }]
    const fresh = answer(qu, [], () => 5_000) // SRV TTL 120 s: a quarter is 30 s
    assert.deepEqual(types(fresh.unicast.answers), ['SRV'])
    assert.deepEqual(fresh.multicast.answers, [])
    const old = answer(qu, [], () => 60_000)
    assert.deepEqual(types(old.multicast.answers), ['SRV'])
    assert.deepEqual(types(answer(qu).multicast.answers), ['SRV'], 'never multicast yet: multicast')
  })
})

describe('telling our records from someone else’s', () => {
  test('records that came back over the wire are identical to ours; other data is not', () => {
    const o = own()
    const back = wire({ type: 'response', answers: [o.srv, o.txt, o.a!] }).answers!
    assert.ok(back.every((r, i) => sameRdata(r, [o.srv, o.txt, o.a!][i]!)))
    assert.ok(!sameRdata({ ...o.srv, data: { ...(o.srv.data as object), port: 9 } }, o.srv))
    assert.ok(!sameRdata({ ...o.a!, data: '198.18.0.2' }, o.a!))
  })

  test('simultaneous probes: identical sets tie, otherwise the lexicographically later set wins', () => {
    const mine = [own().srv, own().txt]
    assert.equal(compareRecordSets(mine, wire({ type: 'response', answers: mine }).answers!), 0)
    const theirs = [{ ...own().srv, data: { priority: 0, weight: 0, port: 4647, target: 'ann-room1.local' } }, own().txt]
    assert.ok(compareRecordSets(mine, theirs) < 0)
    assert.ok(compareRecordSets(theirs, mine) > 0)
  })
})

describe('which announced addresses a browser believes', () => {
  const lo = {
    address: '127.0.0.1',
    netmask: '255.0.0.0',
    family: 'IPv4',
    mac: '00:00:00:00:00:00',
    internal: true,
    cidr: '127.0.0.1/8',
  } as const
  const eth = { ...lo, address: '198.18.7.2', netmask: '255.255.255.0', internal: false, cidr: '198.18.7.2/24' } as const
  const table = { lo: [lo], eth0: [eth] }
  const ok = (address: string, source = '198.18.7.1', onLoopback = false) => acceptableAddress(address, source, onLoopback, table)

  test('on-link unicast and the packet’s own source are kept', () => {
    assert.ok(ok('198.18.7.1'))
    assert.ok(ok('198.18.7.99'))
    assert.ok(ok('198.18.9.5', '198.18.9.5'), 'a routed peer vouching for itself')
  })

  test('loopback, this-network, broadcast, multicast, reserved and far-away addresses are refused', () => {
    for (const bad of ['127.0.0.1', '0.0.0.0', '255.255.255.255', '224.0.0.251', '239.1.2.3', '240.0.0.1', '203.0.113.9', 'fe80::1', 'x'])
      assert.ok(!ok(bad), bad)
  })

  test('loopback counts only for a browser on loopback, from a loopback source', () => {
    assert.ok(ok('127.0.0.1', '127.0.0.1', true))
    assert.ok(!ok('127.0.0.1', '198.18.7.1', true))
    assert.ok(acceptableSource('127.0.0.1', true))
    assert.ok(!acceptableSource('127.0.0.1', false))
    assert.ok(!acceptableSource('0.0.0.0', false))
  })
})
