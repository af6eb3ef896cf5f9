// One mDNS socket per IPv4 interface, on the multicast-dns package that bonjour-service is built on.
//
// Why not bonjour-service's own publisher and browser: they send on the default interface only and put
// every interface's address in one A record set (#52, #66), cannot update a TXT record in place, stop on a
// name conflict with no event, never report a crashed host (#45), and do not expose a packet's source
// address (needed when a host's only interface is loopback). Speaking DNS-SD over its socket layer closes
// those holes. bonjour-service stays a devDependency, used only by the interop tests (test/lan/interop.test.ts).
import { createRequire } from 'node:module'
import type { LinkAddress } from './interfaces.ts'

export const MDNS_PORT = 5353
export const MDNS_GROUP = '224.0.0.251'
/** Header flags (RFC 6762 §18.4: every response is authoritative; §7.2: TC on a query means more follows). */
export const AUTHORITATIVE = 1 << 10
export const TRUNCATED = 1 << 9

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

/** The class of a QU question (RFC 6762 §5.4: IN with the top bit set), as dns-packet spells it. */
export const QU_CLASS = 'UNKNOWN_32769'

/** Does this question ask for a unicast answer? dns-packet reports such a class as `UNKNOWN_32769`. */
export const isQu = (q: MdnsQuestion): boolean => /^UNKNOWN_(\d+)$/.test(q.class ?? '') && (Number(q.class!.slice(8)) & 0x8000) !== 0

interface NameCodec {
  encode: ((name: string, buf?: Buffer, offset?: number, opts?: { mail?: boolean }) => Buffer) & { bytes?: number }
  decode: ((buf: Buffer, offset?: number, opts?: { mail?: boolean }) => string) & { bytes?: number }
  encodingLength: (name: string) => number
}

/**
 * Two gaps in dns-packet, closed once for this process (both are module objects it reads at call time):
 * - Dots inside a label (RFC 6763 §4.3 allows `v1.2` as an instance name): its encoder splits on every dot.
 *   Its `mail` mode already treats `\.` as a dot inside the first label, both ways; Beacon names are always
 *   written that way (see records.ts `fqdn`), so that mode is made the default.
 * - QU questions: its class table has no name for IN|0x8000 and encodes unknown names as 0, so
 *   `UNKNOWN_<n>` (what its decoder produces) is taught to encode back to n.
 */
function patchDnsPacket(req: NodeJS.Require): void {
  const name = req('dns-packet').name as NameCodec
  const classes = req('dns-packet/classes') as { toClass: (n: string) => number }
  const { encode, decode } = name
  name.encode = (n, buf, offset, opts) => encode(n, buf, offset, { mail: true, ...opts })
  name.decode = (buf, offset, opts) => decode(buf, offset, { mail: true, ...opts })
  name.encodingLength = (n) => (n === '.' || n === '..' ? 1 : Buffer.byteLength(n.replace(/^\.|\.$/gm, '').replace(/\\\./g, '.')) + 2)
  const toClass = classes.toClass
  classes.toClass = (n) => (/^UNKNOWN_\d+$/.test(n) ? Number(n.slice(8)) & 0xffff : toClass(n))
}

let factory: MulticastDnsFactory | undefined
function multicastDns(): MulticastDnsFactory {
  if (!factory) {
    const req = createRequire(import.meta.url)
    patchDnsPacket(createRequire(req.resolve('multicast-dns')))
    factory = req('multicast-dns') as MulticastDnsFactory // CommonJS, untyped
  }
  return factory
}

/** dns-packet as this module patched it: for tests and tools that encode packets themselves. */
export function dnsPacket(): { encode: (p: MdnsPacket) => Buffer; decode: (b: Buffer) => MdnsPacket } {
  multicastDns()
  return createRequire(createRequire(import.meta.url).resolve('multicast-dns'))('dns-packet') as ReturnType<typeof dnsPacket>
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
