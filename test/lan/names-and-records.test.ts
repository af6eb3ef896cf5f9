// The pure parts of discovery: names, TXT records, addresses. No network needed.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { encodeTxt, instanceName, listedName, parseTxt, truncateUtf8 } from '../../src/shared/discovery.ts'
import { parseRoomAddress } from '../../src/main/discovery/by-address.ts'
import { sameSubnet, usableLinks } from '../../src/main/discovery/interfaces.ts'
import { rankAddresses } from '../../src/main/discovery/probe.ts'
import { decodeTxtData, encodeTxtData } from '../../src/main/discovery/records.ts'

describe('room names on the network', () => {
  test('a second room with a taken name is listed as "Name (2)", and the suffix shows with the real name', () => {
    assert.equal(instanceName('Lunch', 1), 'Lunch')
    assert.equal(instanceName('Lunch', 2), 'Lunch (2)')
    assert.equal(listedName('Lunch (2)', 'Lunch'), 'Lunch (2)')
    assert.equal(listedName('Lunch', 'Lunch'), 'Lunch')
    assert.equal(listedName('Team (2)', 'Team (2)'), 'Team (2)', 'a name that already ends in (2) is not taken for a rename')
    assert.equal(instanceName('v1.2', 3), 'v1.2 (3)', 'dots stay in the instance name (RFC 6763 §4.3)')
    assert.equal(listedName('v1.2 (3)', 'v1.2'), 'v1.2 (3)')
    assert.equal(listedName('Evil twin', 'Lunch'), 'Lunch', 'an instance label that is not the room’s name is never shown')
  })

  test('long and non-Latin names fit one DNS label without splitting a character', () => {
    const name = '午餐'.repeat(16)
    const label = instanceName(name, 12)
    assert.ok(Buffer.byteLength(label) <= 63)
    assert.ok(label.endsWith(' (12)'))
    assert.equal(truncateUtf8('a😀b', 5), 'a😀')
    assert.equal(truncateUtf8('a😀b', 4), 'a')
  })
})

describe('TXT records', () => {
  test('what a host publishes reads back as the same room', () => {
    const pairs = encodeTxt({ id: 'r1', room: 'Lunch', host: 'Ann’s laptop', passwordRequired: true, members: 3 })
    assert.deepEqual(pairs, { v: '1', id: 'r1', room: 'Lunch', host: 'Ann’s laptop', path: '/ws', pw: '1', n: '3' })
    assert.deepEqual(parseTxt(decodeTxtData(encodeTxtData(pairs))), pairs)
  })

  test('malformed TXT data is not a room, and never throws', () => {
    for (const junk of [undefined, null, 'v=1', 42, [{}], [Buffer.from('=x')], [Buffer.alloc(0)]]) assert.deepEqual(decodeTxtData(junk), {})
    assert.equal(parseTxt({ v: '2', id: 'x', room: 'y' }), undefined)
    assert.equal(parseTxt({ v: '1', room: 'y' }), undefined)
    assert.equal(parseTxt({ v: '1', id: 'x', room: 'y', n: '-1' }), undefined)
    const proto = decodeTxtData([Buffer.from('__proto__=x'), Buffer.from('ID=a'), Buffer.from('id=b')])
    assert.equal(Object.getPrototypeOf(proto), Object.prototype)
    assert.equal(proto.id, 'a', 'keys are case-insensitive and the first one wins')
  })

  test('an oversized host name is cut to one TXT string', () => {
    const pairs = encodeTxt({ id: 'r', room: 'R', host: 'é'.repeat(300), passwordRequired: false, members: 0 })
    assert.ok(encodeTxtData(pairs).every((b) => b.length <= 255))
  })
})

describe('addresses', () => {
  test('join by address accepts host:port and http URLs, and refuses the rest', () => {
    assert.deepEqual(parseRoomAddress('198.18.0.1:4646'), { address: '198.18.0.1', port: 4646 })
    assert.deepEqual(parseRoomAddress(' http://198.18.0.1:5000/ '), { address: '198.18.0.1', port: 5000 })
    assert.deepEqual(parseRoomAddress('[fe80::1]:80'), { address: 'fe80::1', port: 80 })
    assert.deepEqual(parseRoomAddress('lunch.local'), { address: 'lunch.local', port: 4646 })
    for (const bad of ['', 'ftp://x:1', 'a b:1', 'x:99999', 'u:p@h:1']) assert.equal(parseRoomAddress(bad), undefined, bad)
  })

  test('same-subnet IPv4 is tried first, link-local IPv6 last', () => {
    assert.ok(sameSubnet('198.18.1.7', { address: '198.18.1.1', netmask: '255.255.255.0' }))
    assert.ok(!sameSubnet('198.18.2.7', { address: '198.18.1.1', netmask: '255.255.255.0' }))
    const ranked = rankAddresses([
      { address: 'fe80::1', port: 1 },
      { address: '2001:db8::1', port: 1 },
      { address: '203.0.113.9', port: 1 },
    ])
    assert.deepEqual(
      ranked.map((a) => a.address),
      ['203.0.113.9', '2001:db8::1', 'fe80::1'],
    )
  })

  test('loopback is used only when a machine has no other interface, unless pinned', () => {
    const lo = {
      address: '127.0.0.1',
      netmask: '255.0.0.0',
      family: 'IPv4',
      mac: '00:00:00:00:00:00',
      internal: true,
      cidr: '127.0.0.1/8',
    } as const
    const eth = { ...lo, address: '198.18.0.5', netmask: '255.255.255.0', internal: false, cidr: '198.18.0.5/24' } as const
    const v6 = { ...lo, family: 'IPv6', address: '::1', scopeid: 0, cidr: '::1/128' } as const
    assert.deepEqual(
      usableLinks(undefined, { lo: [lo, v6], eth0: [eth] }).map((l) => l.name),
      ['eth0'],
    )
    assert.deepEqual(
      usableLinks(undefined, { lo: [lo, v6] }).map((l) => l.name),
      ['lo'],
    )
    assert.deepEqual(
      usableLinks('lo', { lo: [lo], eth0: [eth] }).map((l) => l.name),
      ['lo'],
    )
    assert.deepEqual(
      usableLinks('198.18.0.5', { lo: [lo], eth0: [eth] }).map((l) => l.name),
      ['eth0'],
    )
  })
})
