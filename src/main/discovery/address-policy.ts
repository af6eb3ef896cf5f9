// Which announced addresses a browser believes: an mDNS packet can name any address, and the browser would
// then send HTTP probes there (and list it as the room's). Kept: unicast IPv4, loopback only for a browser
// that itself listens on loopback, and only on a subnet of one of this machine's interfaces or equal to the
// packet's source. IPv6 is not kept: Beacon's mDNS runs over IPv4, so no IPv6 source can vouch for one.
import { isIPv4 } from 'node:net'
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os'
import { ipv4ToInt, sameSubnet } from './interfaces.ts'

/** Not 0/8 ("this network"), not multicast, reserved or broadcast (224/3), not loopback. */
export function isRoutableUnicastV4(address: string): boolean {
  const n = ipv4ToInt(address)
  if (n === undefined) return false
  const first = n >>> 24
  return first !== 0 && first !== 127 && first < 224
}

export const isLoopbackV4 = (address: string) => isIPv4(address) && address.startsWith('127.')

/** May a packet from `source` speak for a room at all? */
export function acceptableSource(source: string, onLoopback: boolean): boolean {
  return isRoutableUnicastV4(source) || (onLoopback && isLoopbackV4(source))
}

/** May the browser list, and probe, `address` for a room announced from `source`? */
export function acceptableAddress(
  address: string,
  source: string,
  onLoopback: boolean,
  table: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): boolean {
  if (isLoopbackV4(address)) return onLoopback && isLoopbackV4(source)
  if (!isRoutableUnicastV4(address)) return false
  if (address === source) return true
  for (const list of Object.values(table)) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal && sameSubnet(address, a)) return true
  }
  return false
}
