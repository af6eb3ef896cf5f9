// What a responder says to one query (RFC 6762 §5-7), as a pure function of its records, the questions,
// the querier's known answers and when each record was last multicast on that link. No sockets here.
import { SERVICE_NAME, SERVICES_META_NAME } from '../../shared/discovery.ts'
import { isQu, type MdnsQuestion, type MdnsRecord } from './mdns.ts'
import { nsecRecord, recordKey, sameName, sameRecord } from './records.ts'

/** One room's records on one link. */
export interface OwnRecords {
  ptr: MdnsRecord
  srv: MdnsRecord
  txt: MdnsRecord
  /** Absent on a link without an address of ours. */
  a?: MdnsRecord
  meta: MdnsRecord
}

export interface AnswerInput {
  own: OwnRecords
  questions: readonly MdnsQuestion[]
  /** The query's answer section: records the querier already holds. */
  known: readonly MdnsRecord[]
  /** A probe (query with proposed records in its authority section) is answered at once and in full. */
  probe: boolean
  /** Milliseconds since a record was last multicast on this link; undefined if never. */
  sinceMulticast: (r: MdnsRecord) => number | undefined
}

export interface Section {
  answers: MdnsRecord[]
  additionals: MdnsRecord[]
}

export interface AnswerPlan {
  multicast: Section
  unicast: Section
  /** A shared record (PTR) is among the multicast answers: send after a random 20-120 ms (§6). */
  shared: boolean
}

/** A record is not multicast again on a link within this time (§6), except to defend against a probe. */
export const MULTICAST_MIN_INTERVAL_MS = 1000

/** The records that answer one question; an NSEC when the name is ours but the type is not (§6.1). */
function answersTo(q: MdnsQuestion, own: OwnRecords): MdnsRecord[] {
  const any = q.type === 'ANY'
  if (sameName(q.name, SERVICE_NAME)) return any || q.type === 'PTR' ? [own.ptr] : []
  if (sameName(q.name, SERVICES_META_NAME)) return any || q.type === 'PTR' ? [own.meta] : []
  if (sameName(q.name, own.srv.name)) {
    if (any) return [own.srv, own.txt]
    if (q.type === 'SRV') return [own.srv]
    if (q.type === 'TXT') return [own.txt]
    return [nsecRecord(own.srv.name, ['TXT', 'SRV'], own.srv.ttl ?? 0)]
  }
  if (own.a && sameName(q.name, own.a.name)) return any || q.type === 'A' ? [own.a] : [hostNsec(own.a)]
  return []
}

/** "This host has an A record and nothing else", so a querier does not wait for an AAAA. */
const hostNsec = (a: MdnsRecord) => nsecRecord(a.name, ['A'], a.ttl ?? 0)

/** What goes with an answer so the querier needs no second round trip (RFC 6763 §12). */
function additionalsFor(r: MdnsRecord, own: OwnRecords): MdnsRecord[] {
  const host = own.a ? [own.a, hostNsec(own.a)] : []
  if (r === own.ptr) return [own.srv, own.txt, ...host]
  if (r === own.srv) return host
  return []
}

/** Known-answer suppression (§7.1): the querier holds this record with at least half its TTL left. */
const isKnown = (r: MdnsRecord, known: readonly MdnsRecord[]) => known.some((k) => sameRecord(k, r) && (k.ttl ?? 0) >= (r.ttl ?? 0) / 2)

export function planAnswer({ own, questions, known, probe, sinceMulticast }: AnswerInput): AnswerPlan {
  const plan: AnswerPlan = { multicast: { answers: [], additionals: [] }, unicast: { answers: [], additionals: [] }, shared: false }
  const taken = new Set<string>()
  for (const q of questions) {
    if (!q || typeof q.name !== 'string') continue
    for (const r of answersTo(q, own)) {
      const key = recordKey(r)
      if (taken.has(key) || isKnown(r, known)) continue
      const since = sinceMulticast(r)
      // QU (§5.4): unicast, unless the record has not been multicast within a quarter of its TTL.
      const unicast = isQu(q) && since !== undefined && since < ((r.ttl ?? 0) * 1000) / 4
      if (!unicast && !probe && since !== undefined && since < MULTICAST_MIN_INTERVAL_MS) continue // §6 rate limit
      taken.add(key)
      const section = unicast ? plan.unicast : plan.multicast
      section.answers.push(r)
      if (!unicast && r === own.ptr) plan.shared = true
      for (const extra of additionalsFor(r, own)) {
        const k = recordKey(extra)
        if (!taken.has(k) && !isKnown(extra, known)) {
          taken.add(k)
          section.additionals.push(extra)
        }
      }
    }
  }
  return plan
}
