// The set of mDNS links (one per usable interface), following os.networkInterfaces() as it changes.
//
// On Linux every socket bound to 5353 receives every group packet that reaches the machine, whichever
// interface it came in on (IP_MULTICAST_ALL). So each packet is handled by exactly one link: the one whose
// subnet holds the sender, or the first link when no subnet does (a routed or /32 peer).
import { Emitter } from '../../shared/emitter.ts'
import { DISCOVERY } from '../../shared/discovery.ts'
import { linkKey, sameSubnet, usableLinks, watchLinks, type LinkAddress } from './interfaces.ts'
import { MdnsLink, type MdnsPacket, type RemoteInfo } from './mdns.ts'

export interface Received {
  packet: MdnsPacket
  rinfo: RemoteInfo
  link: MdnsLink
}

export class MdnsLinks extends Emitter<{ packet: Received; added: MdnsLink; removed: LinkAddress; warning: string }> {
  #pin: string | undefined
  #links = new Map<string, MdnsLink>()
  #unwatch: (() => void) | undefined
  #closed = false

  constructor(pin?: string) {
    super()
    this.#pin = pin
  }

  start(): void {
    this.#apply(usableLinks(this.#pin))
    this.#unwatch = watchLinks(this.#pin, DISCOVERY.interfacePollMs, (links) => this.#apply(links))
  }

  get links(): MdnsLink[] {
    return [...this.#links.values()]
  }

  /** Send one packet per link (each link gets its own records), waiting for all sends. */
  async sendAll(packetFor: (link: MdnsLink) => MdnsPacket | undefined): Promise<void> {
    await Promise.all(
      this.links.map((l) => {
        const p = packetFor(l)
        return p ? l.send(p) : undefined
      }),
    )
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#unwatch?.()
    const links = this.links
    this.#links.clear()
    await Promise.all(links.map((l) => l.close()))
  }

  #apply(wanted: LinkAddress[]): void {
    if (this.#closed) return
    const keys = new Set(wanted.map(linkKey))
    for (const [key, link] of this.#links) {
      if (keys.has(key)) continue
      this.#links.delete(key)
      void link.close()
      this.emit('removed', link.link)
    }
    if (wanted.length === 0) this.emit('warning', this.#pin ? `no IPv4 address on interface ${this.#pin}` : 'no IPv4 interface')
    for (const l of wanted) {
      const key = linkKey(l)
      if (this.#links.has(key)) continue
      const link = new MdnsLink(
        l,
        (packet, rinfo, from) => this.#receive(packet, rinfo, from),
        (m) => this.emit('warning', m),
      )
      this.#links.set(key, link)
      this.emit('added', link)
    }
  }

  #receive(packet: MdnsPacket, rinfo: RemoteInfo, link: MdnsLink): void {
    if (!this.#owns(link, rinfo.address)) return
    try {
      this.emit('packet', { packet, rinfo, link })
    } catch (e) {
      // A packet that trips a handler is dropped; the links stay up.
      this.emit('warning', `mDNS packet from ${rinfo.address} dropped: ${(e as Error).message}`)
    }
  }

  #owns(link: MdnsLink, source: string): boolean {
    if (sameSubnet(source, link.link)) return true
    const links = this.links
    return links[0] === link && !links.some((l) => sameSubnet(source, l.link))
  }
}
