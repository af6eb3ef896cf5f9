// The address the app's Invite and `beacon host` give out: a real interface's, never a container bridge's.
import assert from 'node:assert/strict'
import type { NetworkInterfaceInfo } from 'node:os'
import { describe, it } from 'node:test'
import { formatAddress } from '../../src/shared/address.ts'
import { lanAddress } from '../../src/main/lan-address.ts'
import { roomDirName } from '../../src/main/room-dir.ts'

const v4 = (address: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask: '255.255.255.0',
  family: 'IPv4',
  mac: '00:00:00:00:00:00',
  internal,
  cidr: `${address}/24`,
})

describe('the address to share', () => {
  it('is the real network card even when docker0 is listed first', () => {
    const interfaces = { lo: [v4('127.0.0.1', true)], docker0: [v4('198.18.7.1')], eth0: [v4('198.19.0.20')] }
    assert.equal(lanAddress(interfaces), '198.19.0.20')
  })
  it('skips Windows and VM adapters, link-local and IPv6', () => {
    const ll: NetworkInterfaceInfo = { ...v4('fe80::1'), family: 'IPv6', scopeid: 1 }
    const interfaces = {
      'vEthernet (WSL)': [v4('198.18.9.1')],
      vboxnet0: [v4('198.18.10.1')],
      'Wi-Fi': [v4('169.254.3.3'), ll, v4('198.19.1.5')],
    }
    assert.equal(lanAddress(interfaces), '198.19.1.5')
  })
  it('falls back to a virtual adapter, then to loopback', () => {
    assert.equal(lanAddress({ docker0: [v4('198.18.7.1')] }), '198.18.7.1')
    assert.equal(lanAddress({ lo: [v4('127.0.0.1', true)] }), '127.0.0.1')
  })
  it('is written host:port, with brackets around IPv6', () => {
    assert.equal(formatAddress('198.18.0.1', 4646), '198.18.0.1:4646')
    assert.equal(formatAddress('fe80::1', 4646), '[fe80::1]:4646')
  })
})

describe('room folders', () => {
  it('differ for names that differ, and stay the same for the same name', () => {
    assert.notEqual(roomDirName('Lunch'), roomDirName('lunch!'))
    assert.notEqual(roomDirName('Lunch'), roomDirName('lunch'))
    assert.equal(roomDirName('Lunch'), roomDirName(' Lunch '), 'names are normalised as the room does')
    assert.match(roomDirName('../../etc'), /^etc-[0-9a-f]{8}$/)
  })
})
