// The address to give other people: this machine's first private IPv4 on a real interface (skipping
// loopback, link-local and common virtual adapters), else any IPv4, else loopback.
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os'

const VIRTUAL = /^(docker|br-|veth|virbr|vmnet|vboxnet|zt|tailscale|utun|tun|tap|wg)/i

function isPrivate(a: string): boolean {
  const [x, y] = a.split('.').map(Number) as [number, number]
  return x === 10 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168)
}

export function lanAddress(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string {
  const candidates: Array<{ address: string; score: number }> = []
  for (const [name, list] of Object.entries(interfaces)) {
    for (const a of list ?? []) {
      if (a.family !== 'IPv4' || a.internal || a.address.startsWith('169.254.')) continue
      const score = (VIRTUAL.test(name) ? 0 : 2) + (isPrivate(a.address) ? 1 : 0)
      candidates.push({ address: a.address, score })
    }
  }
  candidates.sort((a, b) => b.score - a.score)
  return candidates[0]?.address ?? '127.0.0.1'
}

/** `host:port`, with brackets around an IPv6 host. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
