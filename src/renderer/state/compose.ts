// A long message split into parts the room accepts, so a big paste is sent whole, in order, instead of
// being cut. Each part stays within LIMITS.maxTextChars (UTF-16 units, as the host counts) and
// LIMITS.maxTextBytes (UTF-8), and ends at the best boundary in reach: a blank line, a line end, a space,
// else anywhere but inside a surrogate pair. Pure.
import { LIMITS } from '../../shared/limits.ts'
import { utf8Length } from '../../shared/text.ts'

/** A boundary earlier than this share of the longest possible part is not worth the extra message. */
const MIN_FILL = 0.5
const BOUNDARIES = [/\n[^\S\n]*\n\s*/g, /\n/g, /\s+/g]

export function splitMessage(text: string, maxChars: number = LIMITS.maxTextChars, maxBytes: number = LIMITS.maxTextBytes): string[] {
  const parts: string[] = []
  let rest = text
  for (;;) {
    const room = longestPrefix(rest, maxChars, maxBytes)
    if (room >= rest.length) break
    const [end, next] = boundary(rest, room)
    const part = rest.slice(0, end).trimEnd()
    if (part !== '') parts.push(part)
    rest = rest.slice(next)
  }
  if (rest.trim() !== '') parts.push(rest)
  return parts
}

/** How many UTF-16 units of `s` fit both limits, never ending between the halves of a surrogate pair. */
function longestPrefix(s: string, maxChars: number, maxBytes: number): number {
  if (s.length <= maxChars && utf8Length(s) <= maxBytes) return s.length
  let bytes = 0
  let i = 0
  while (i < s.length) {
    const c = s.charCodeAt(i)
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    const units = pair ? 2 : 1
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3
    if (i + units > maxChars || bytes + size > maxBytes) break
    bytes += size
    i += units
  }
  return i
}

/** Where the part that may be `room` long ends, and where the next one starts (separators are dropped). */
function boundary(s: string, room: number): [end: number, next: number] {
  const window = s.slice(0, room + 1)
  for (const re of BOUNDARIES) {
    let best: RegExpExecArray | undefined
    re.lastIndex = 0
    for (let m = re.exec(window); m; m = re.exec(window)) if (m.index > 0 && m.index <= room) best = m
    if (best && best.index >= room * MIN_FILL) return [best.index, best.index + best[0].length]
  }
  return [room, room]
}
