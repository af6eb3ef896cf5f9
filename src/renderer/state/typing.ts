// Who is typing: a member shows as typing for TYPING_TTL_MS after their last typing notification. Pure.
import type { Member } from '../../shared/protocol.ts'

export const TYPING_TTL_MS = 3000

export interface Typist {
  id: string
  name: string
  until: number
}
export type TypingState = readonly Typist[]

export function noteTyping(state: TypingState, member: Member, now: number): TypingState {
  return [...state.filter((t) => t.id !== member.id), { id: member.id, name: member.name, until: now + TYPING_TTL_MS }]
}

/** Drop expired entries, and anyone whose message just arrived (they stopped typing). */
export function expireTyping(state: TypingState, now: number, sentBy?: string): TypingState {
  const next = state.filter((t) => t.until > now && t.id !== sentBy)
  return next.length === state.length ? state : next
}

/** The earliest moment something in `state` expires, to schedule one timer. */
export function nextExpiry(state: TypingState): number | undefined {
  let min: number | undefined
  for (const t of state) if (min === undefined || t.until < min) min = t.until
  return min
}

/** "Ana is typing…", "Ana and Bo are typing…", "Ana, Bo and 2 others are typing…" */
export function typingText(state: TypingState, selfId?: string): string {
  const names = state.filter((t) => t.id !== selfId).map((t) => t.name)
  if (names.length === 0) return ''
  if (names.length === 1) return `${names[0]} is typing…`
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`
  if (names.length === 3) return `${names[0]}, ${names[1]} and ${names[2]} are typing…`
  return `${names[0]}, ${names[1]} and ${names.length - 2} others are typing…`
}

/** `fn`, called at most once per `intervalMs` (leading edge); `reset()` lets the next call through. */
export function throttle(fn: () => void, intervalMs: number, clock: () => number = Date.now): { (): void; reset(): void } {
  let last = -Infinity
  const call = () => {
    const now = clock()
    if (now - last < intervalMs) return
    last = now
    fn()
  }
  call.reset = () => {
    last = -Infinity
  }
  return call
}
