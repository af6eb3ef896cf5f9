// Which IPv4 interfaces mDNS runs on, and whether an address is on the same subnet as one of them.
// bonjour-service builds its A records once from every interface and sends on the default one only
// (#52, #66); Beacon instead opens one mDNS link per usable interface and watches them change.
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os'
import { isIPv4 } from 'node:net'

export interface LinkAddress {
  /** Interface name, e.g. eth0. */
  name: string
  address: string
  netmask: string
  internal: boolean
}

/**
 * Every up IPv4 interface; loopback only when there is nothing else (a machine or test namespace without
 * a network still sees its own rooms). `pin` keeps only the interface of that name, or with that address.
 */
export function usableLinks(pin?: string, table: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): LinkAddress[] {
  const all: LinkAddress[] = []
  for (const [name, list] of Object.entries(table)) {
    for (const a of list ?? []) {
      if (a.family !== 'IPv4' || !isIPv4(a.address)) continue
      all.push({ name, address: a.address, netmask: a.netmask, internal: a.internal })
    }
  }
  if (pin !== undefined) return all.filter((l) => l.name === pin || l.address === pin)
  const external = all.filter((l) => !l.internal)
  return external.length > 0 ? external : all
}

/** A stable key of a link set: it changes exactly when a link is added, removed or re-addressed. */
export function linkKey(l: LinkAddress): string {
  return `${l.name}/${l.address}/${l.netmask}`
}

export function ipv4ToInt(address: string): number | undefined {
  if (!isIPv4(address)) return undefined
  return address.split('.').reduce((n, part) => ((n << 8) | Number(part)) >>> 0, 0)
}

export function sameSubnet(address: string, link: Pick<LinkAddress, 'address' | 'netmask'>): boolean {
  const a = ipv4ToInt(address)
  const b = ipv4ToInt(link.address)
  const m = ipv4ToInt(link.netmask)
  if (a === undefined || b === undefined || m === undefined) return false
  return (a & m) >>> 0 === (b & m) >>> 0
}

/** Calls `onChange` with the new link set whenever it differs from the last one; returns a stop function. */
export function watchLinks(pin: string | undefined, intervalMs: number, onChange: (links: LinkAddress[]) => void): () => void {
  let last = usableLinks(pin).map(linkKey).sort().join(',')
  const timer = setInterval(() => {
    const links = usableLinks(pin)
    const key = links.map(linkKey).sort().join(',')
    if (key === last) return
    last = key
    onChange(links)
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
