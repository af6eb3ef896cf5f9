// The part of a room's log a member holds: a run of the messages it may see (none missing, though seqs skip
// direct messages between others), at most LIMITS.messageWindow long, with whether it reaches the room's first
// kept message (`start`) and its latest (`end`). RoomSession and the UI apply the same rules, so both hold the
// same window. Pure, and free of zod (the UI imports it).
import { LIMITS } from './limits.ts'

export interface WindowMessage {
  seq: number
}

export interface MessageWindow<M extends WindowMessage> {
  messages: readonly M[]
  /** Nothing older is kept by the host: "Beginning of the room". */
  start: boolean
  /** The latest message is in the window, so live messages are appended to it. */
  end: boolean
}

export function emptyWindow<M extends WindowMessage>(): MessageWindow<M> {
  return { messages: [], start: false, end: true }
}

/** A live message: appended when the window reaches the end; the oldest fall out past the bound. */
export function appendLive<M extends WindowMessage>(w: MessageWindow<M>, m: M, bound: number = LIMITS.messageWindow): MessageWindow<M> {
  if (!w.end || (w.messages.at(-1)?.seq ?? -1) >= m.seq) return w
  const messages = [...w.messages, m]
  if (messages.length <= bound) return { ...w, messages }
  return { messages: messages.slice(messages.length - bound), start: false, end: true }
}

/** Messages in seq order, without duplicates. */
function merged<M extends WindowMessage>(a: readonly M[], b: readonly M[]): M[] {
  const out: M[] = []
  for (const m of [...a, ...b].sort((x, y) => x.seq - y.seq)) if (out.at(-1)?.seq !== m.seq) out.push(m)
  return out
}

/** An older page in front; past the bound the newest fall out (and the window no longer reaches the end). */
export function prependPage<M extends WindowMessage>(
  w: MessageWindow<M>,
  page: readonly M[],
  start: boolean,
  bound: number = LIMITS.messageWindow,
): MessageWindow<M> {
  const messages = merged(page, w.messages)
  if (messages.length <= bound) return { messages, start, end: w.end }
  return { messages: messages.slice(0, bound), start, end: false }
}

/** A newer page behind (back towards the live end); past the bound the oldest fall out. */
export function appendPage<M extends WindowMessage>(
  w: MessageWindow<M>,
  page: readonly M[],
  end: boolean,
  bound: number = LIMITS.messageWindow,
): MessageWindow<M> {
  const messages = merged(w.messages, page)
  if (messages.length <= bound) return { messages, start: w.start, end }
  return { messages: messages.slice(messages.length - bound), start: false, end }
}
