// The address to give other people (the app's Invite, `beacon host`'s banner): this machine's IPv4 on a
// real interface. Virtual adapters (containers, VMs, VPNs) never win over a real one, whatever their
// addresses; among equals a private address wins over a public one. Loopback when there is nothing else.
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os'

/** Interface names of bridges, container and VM adapters and tunnels (Linux, macOS, Windows). */
const VIRTUAL =
  /^(docker|br-|veth|virbr|vmnet|vboxnet|vnet|lxc|lxdbr|cni|flannel|cali|podman|zt|tailscale|utun|tun|tap|wg|vethernet|virtualbox|vmware|hyper-v)/i

function isPrivate(a: string): boolean {
  const [x, y] = a.split('.').map(Number) as [number, number]
  return x === 10 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168)
}

export function lanAddress(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string {
  let best: { address: string; score: number } | undefined
  for (const [name, list] of Object.entries(interfaces)) {
    for (const a of list ?? []) {
      if (a.family !== 'IPv4' || a.internal || a.address.startsWith('169.254.')) continue
      const score = (VIRTUAL.test(name) ? 0 : 2) + (isPrivate(a.address) ? 1 : 0)
      if (!best || score > best.score) best = { address: a.address, score }
    }
  }
  return best?.address ?? '127.0.0.1'
}
