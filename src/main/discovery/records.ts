// DNS-SD records of one room (PTR, SRV, TXT, A), and reading them back from untrusted packets.
import { DISCOVERY, SERVICE_NAME, SERVICES_META_NAME } from '../../shared/discovery.ts'
import type { MdnsRecord } from './mdns.ts'

export interface ServiceDescription {
  /** Instance label, e.g. `Lunch (2)`. */
  instance: string
  /** Host name the SRV record points at (ours alone: see advertiser.ts). */
  target: string
  port: number
  txt: Record<string, string>
}

/** A DNS-SD instance label as dns-packet writes and reads it here: a dot inside the label is `\\.` (mdns.ts). */
export const escapeLabel = (label: string) => label.replace(/\\/g, '').replace(/\./g, '\\.')
export const unescapeLabel = (label: string) => label.replace(/\\\./g, '.')

export const fqdn = (instance: string) => `${escapeLabel(instance)}.${SERVICE_NAME}`

/** DNS names compare case-insensitively (ASCII). */
export const sameName = (a: unknown, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase()

/**
 * The records of a service as seen on one link: its A record carries that link's address only, so a peer
 * on each network learns the address it can reach. SRV/TXT/A are unique to this host (cache-flush bit);
 * the PTRs are shared.
 */
export function serviceRecords(
  s: ServiceDescription,
  address: string | undefined,
  ttlScale = 1,
): { answers: MdnsRecord[]; additionals: MdnsRecord[] } {
  const host = DISCOVERY.hostTtlSeconds * ttlScale
  const other = DISCOVERY.otherTtlSeconds * ttlScale
  const name = fqdn(s.instance)
  const additionals: MdnsRecord[] = [
    { name, type: 'SRV', ttl: host, flush: true, data: { priority: 0, weight: 0, port: s.port, target: s.target } },
    { name, type: 'TXT', ttl: other, flush: true, data: encodeTxtData(s.txt) },
  ]
  if (address) additionals.push({ name: s.target, type: 'A', ttl: host, flush: true, data: address })
  return { answers: [{ name: SERVICE_NAME, type: 'PTR', ttl: other, data: name }], additionals }
}

export function metaRecord(ttlScale = 1): MdnsRecord {
  return { name: SERVICES_META_NAME, type: 'PTR', ttl: DISCOVERY.otherTtlSeconds * ttlScale, data: SERVICE_NAME }
}

export function encodeTxtData(txt: Record<string, string>): Buffer[] {
  return Object.entries(txt).map(([k, v]) => Buffer.from(`${k}=${v}`, 'utf8'))
}

/** TXT strings to key/value pairs (RFC 6763 §6: keys case-insensitive, first one wins); junk yields {}. */
export function decodeTxtData(data: unknown): Record<string, string> {
  const out = new Map<string, string>() // a Map: a key like __proto__ must stay plain data
  if (!Array.isArray(data)) return {}
  for (const item of data) {
    const s = Buffer.isBuffer(item) ? item.toString('utf8') : typeof item === 'string' ? item : undefined
    if (!s) continue
    const eq = s.indexOf('=')
    const key = (eq === -1 ? s : s.slice(0, eq)).toLowerCase()
    if (!key || out.has(key)) continue
    out.set(key, eq === -1 ? '' : s.slice(eq + 1))
  }
  return Object.fromEntries(out)
}

/** The records of a packet, in the sections that carry answers. */
export function recordsOf(sections: (MdnsRecord[] | undefined)[]): MdnsRecord[] {
  const out: MdnsRecord[] = []
  for (const list of sections) {
    if (!Array.isArray(list)) continue
    for (const r of list) if (r && typeof r === 'object' && typeof r.name === 'string' && typeof r.type === 'string') out.push(r)
  }
  return out
}

/** The room id in a set of records' TXT for `name`, if any. */
export function txtIdOf(records: MdnsRecord[], name: string): string | undefined {
  const txt = records.find((r) => r.type === 'TXT' && sameName(r.name, name))
  return txt ? decodeTxtData(txt.data).id : undefined
}

/** The negative answer of RFC 6762 §6.1: `name` exists and has exactly these types. */
export function nsecRecord(name: string, types: string[], ttl: number): MdnsRecord {
  return { name, type: 'NSEC', ttl, flush: true, data: { nextDomain: name, rrtypes: types } }
}

const txtStrings = (data: unknown): string[] =>
  Array.isArray(data)
    ? data.map((b) => (Buffer.isBuffer(b) ? b.toString('latin1') : typeof b === 'string' ? Buffer.from(b).toString('latin1') : '?'))
    : []

/** Same rdata (RFC 6762 §9: identical records are never a conflict); names compare case-insensitively. */
export function sameRdata(a: MdnsRecord, b: MdnsRecord): boolean {
  if (a.type !== b.type) return false
  const x = a.data as Record<string, unknown> | string | undefined
  const y = b.data as Record<string, unknown> | string | undefined
  switch (a.type) {
    case 'A':
    case 'AAAA':
      return typeof x === 'string' && typeof y === 'string' && x.toLowerCase() === y.toLowerCase()
    case 'PTR':
      return typeof y === 'string' && sameName(x, y)
    case 'SRV': {
      if (typeof x !== 'object' || typeof y !== 'object' || !x || !y) return false
      return (
        x.port === y.port &&
        (x.priority ?? 0) === (y.priority ?? 0) &&
        (x.weight ?? 0) === (y.weight ?? 0) &&
        sameName(x.target, String(y.target))
      )
    }
    case 'TXT':
      return txtStrings(x).join('\u0000') === txtStrings(y).join('\u0000') && txtStrings(x).length === txtStrings(y).length
    default:
      return JSON.stringify(x) === JSON.stringify(y)
  }
}

/** Same name, type and rdata. */
export const sameRecord = (a: MdnsRecord, b: MdnsRecord) => a.type === b.type && sameName(a.name, b.name) && sameRdata(a, b)

/** A key for "this record" (name, type, rdata) in rate-limit tables. */
export function recordKey(r: MdnsRecord): string {
  const data = r.type === 'TXT' ? txtStrings(r.data) : r.data
  return `${r.name.toLowerCase()}|${r.type}|${JSON.stringify(data)}`
}
