// The message log of the current room: kept sorted by seq, without duplicates, whether messages come from
// a welcome's history, live, or overlap after a resume. Pure.
import type { ChatMessage } from '../../shared/protocol.ts'

export type MessagesState = readonly ChatMessage[]

/** Merge `incoming` into `current`; `reset` replaces the list (a fresh welcome). */
export function mergeMessages(current: MessagesState, incoming: readonly ChatMessage[], reset = false): MessagesState {
  if (reset) return dedupeSorted([...incoming].sort((a, b) => a.seq - b.seq))
  if (incoming.length === 0) return current
  const last = current.at(-1)
  // The common case: strictly newer messages, in order: append without sorting.
  if (inOrderAfter(incoming, last?.seq ?? -1)) return current.concat(incoming)
  return dedupeSorted([...current, ...incoming].sort((a, b) => a.seq - b.seq))
}

export function appendMessage(current: MessagesState, m: ChatMessage): MessagesState {
  return mergeMessages(current, [m])
}

function inOrderAfter(list: readonly ChatMessage[], after: number): boolean {
  let prev = after
  for (const m of list) {
    if (m.seq <= prev) return false
    prev = m.seq
  }
  return true
}

function dedupeSorted(list: ChatMessage[]): ChatMessage[] {
  const out: ChatMessage[] = []
  for (const m of list) if (out.at(-1)?.seq !== m.seq) out.push(m)
  return out
}
