// One mDNS socket per IPv4 interface, on the multicast-dns package that bonjour-service is built on.
//
// Why not bonjour-service's own publisher and browser: they send on the default interface only and put
// every interface's address in one A record set (#52, #66), cannot update a TXT record in place, stop on a
// name conflict with no event, never report a crashed host (#45), and do not expose a packet's source
// address (needed when a host's only interface is loopback). Speaking DNS-SD over its socket layer closes
// those holes. multicast-dns is declared at the version bonjour-service depends on, so one copy is installed.
import { createRequire } from 'node:module'
import type { LinkAddress } from './interfaces.ts'

export const MDNS_PORT = 5353
export const MDNS_GROUP = '224.0.0.251'

export interface MdnsRecord {
  name: string
  type: string
  ttl?: number
  class?: string
  flush?: boolean
  data?: unknown
}

export interface MdnsQuestion {
  name: string
  type: string
  class?: string
}

export interface MdnsPacket {
  type?: 'query' | 'response'
  id?: number
  flags?: number
  questions?: MdnsQuestion[]
  answers?: MdnsRecord[]
  authorities?: MdnsRecord[]
  additionals?: MdnsRecord[]
}

export interface RemoteInfo {
  address: string
  port: number
}

/** The part of multicast-dns's API Beacon uses. */
interface MulticastDns {
  on(event: 'packet', fn: (packet: MdnsPacket, rinfo: RemoteInfo) => void): void
  on(event: 'error' | 'warning', fn: (err: Error) => void): void
  on(event: 'ready', fn: () => void): void
  send(packet: MdnsPacket, rinfo: RemoteInfo | null, cb: (err?: Error | null) => void): void
  destroy(cb?: () => void): void
}

type MulticastDnsFactory = (opts: Record<string, unknown>) => MulticastDns

let factory: MulticastDnsFactory | undefined
function multicastDns(): MulticastDnsFactory {
  if (!factory) {
    factory = createRequire(import.meta.url)('multicast-dns') as MulticastDnsFactory // CommonJS, untyped
  }
  return factory
}

/** An mDNS socket that joins the group on one interface and sends out of it. */
export class MdnsLink {
  readonly link: LinkAddress
  #mdns: MulticastDns
  #closed = false

  constructor(
    link: LinkAddress,
    onPacket: (packet: MdnsPacket, rinfo: RemoteInfo, from: MdnsLink) => void,
    onWarning: (message: string) => void,
  ) {
    this.link = link
    // bind to the wildcard: bound to the interface's own address the socket would never see multicast.
    this.#mdns = multicastDns()({ interface: link.address, bind: '0.0.0.0', port: MDNS_PORT, reuseAddr: true, loopback: true, ttl: 255 })
    this.#mdns.on('packet', (packet, rinfo) => {
      if (this.#closed || typeof packet !== 'object' || packet === null) return
      onPacket(packet, rinfo, this)
    })
    // multicast-dns emits 'error' for bind failures: without a listener that would crash the process.
    this.#mdns.on('error', (e) => onWarning(`mDNS on ${link.name} (${link.address}): ${e.message}`))
    this.#mdns.on('warning', () => {}) // undecodable packets and per-send hiccups: expected on a LAN
  }

  /** Multicast on this link, or unicast to `to`; resolves once sent or failed (never rejects). */
  send(packet: MdnsPacket, to?: RemoteInfo): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false)
    return new Promise((resolve) => {
      try {
        this.#mdns.send(packet, to ? { address: to.address, port: to.port } : null, (err) => resolve(!err))
      } catch {
        resolve(false) // an unencodable record (never expected): drop it, not the process
      }
    })
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    this.#closed = true
    return new Promise((resolve) => {
      try {
        this.#mdns.destroy(() => resolve())
      } catch {
        resolve()
      }
    })
  }
}
