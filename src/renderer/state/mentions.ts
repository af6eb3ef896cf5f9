// Mentions: "@Name" in a message, carried as data (member ids) beside the text. The composer finds the
// "@query" being typed at the caret, offers the members it matches and inserts the picked one; on send, the
// ids of the picked members whose "@Name" is still in the text go with it. A received message's ids are
// matched back to "@Name" in its text, so the UI can show them as chips. Pure.
import { LIMITS } from '../../shared/limits.ts'
import type { Member } from '../../shared/protocol.ts'

/** How many members the suggestion list shows at once. */
export const MAX_SUGGESTIONS = 8

/** A letter, digit or underscore: part of a word, so "a@b" is no mention and "@Bob" is not "@Bo". */
const WORD = /[\p{L}\p{N}_]/u
const isWord = (c: string | undefined) => c !== undefined && WORD.test(c)
const fold = (s: string) => s.normalize('NFC').toLocaleLowerCase()

/** The "@query" being typed: `start` is where its "@" is, `query` what follows it up to the caret. */
export interface MentionQuery {
  start: number
  query: string
}

/** The "@query" that ends at `caret`, if any: an "@" at a word start, then no space or "@" up to the caret. */
export function mentionQuery(text: string, caret: number): MentionQuery | undefined {
  for (let i = caret - 1; i >= 0 && caret - i <= LIMITS.maxNameChars + 1; i--) {
    const c = text[i]!
    if (c === '@') return isWord(text[i - 1]) ? undefined : { start: i, query: text.slice(i + 1, caret) }
    if (/\s/.test(c)) return undefined
  }
  return undefined
}

/** Members whose name, or a word of it, starts with `query` (any case): name matches first, then by name. */
export function suggestMembers(members: readonly Member[], query: string, youId?: string): Member[] {
  const q = fold(query)
  const rank = (m: Member) => {
    const name = fold(m.name)
    if (name.startsWith(q)) return 0
    return name.split(/\s+/).some((w) => w.startsWith(q)) ? 1 : -1
  }
  return members
    .filter((m) => m.id !== youId)
    .map((m) => ({ m, r: rank(m) }))
    .filter((x) => x.r >= 0)
    .sort((a, b) => a.r - b.r || a.m.name.localeCompare(b.m.name))
    .slice(0, MAX_SUGGESTIONS)
    .map((x) => x.m)
}

/** The text with the "@query" at `at` (up to `caret`) replaced by "@Name ", and where the caret goes. */
export function insertMention(text: string, at: MentionQuery, name: string): { text: string; caret: number } {
  const end = at.start + 1 + at.query.length
  const inserted = `@${name} `
  const rest = text.slice(end).replace(/^ /, '') // a space already there is not doubled
  return { text: text.slice(0, at.start) + inserted + rest, caret: at.start + inserted.length }
}

/** Where "@name" (any case) stands in `text` from `from` on as a whole mention, not inside a word, or -1. */
function findMention(text: string, name: string, from = 0): number {
  const want = fold(name)
  for (let i = text.indexOf('@', from); i >= 0; i = text.indexOf('@', i + 1)) {
    const end = i + 1 + name.length
    if (!isWord(text[i - 1]) && !isWord(text[end]) && fold(text.slice(i + 1, end)) === want) return i
  }
  return -1
}

/** The ids of the picked members whose "@Name" is still in `text`: what a message sends as `mentions`. */
export function mentionIds(text: string, picked: readonly Member[]): string[] {
  const ids = new Set<string>()
  for (const m of picked) if (findMention(text, m.name) >= 0) ids.add(m.id)
  return [...ids].slice(0, LIMITS.maxMentions)
}

/** A piece of message text: plain, or "@Name" standing for the member `id`. */
export type MentionPart = { kind: 'text'; text: string } | { kind: 'mention'; text: string; id: string; you: boolean }

/** A mentioned member as a message shows them: their name and whether they are the reader. */
export interface MentionName {
  id: string
  name: string
  you: boolean
}

const NO_MENTIONS: readonly MentionName[] = Object.freeze([])

/** The names of a message's mentioned ids (ids `nameOf` cannot name are left out: they show as plain text). */
export function mentionNames(
  ids: readonly string[] | undefined,
  nameOf: (id: string) => string | undefined,
  youId?: string,
): readonly MentionName[] {
  if (!ids || ids.length === 0) return NO_MENTIONS // one empty list, so a memoised message text stays memoised
  const out: MentionName[] = []
  for (const id of ids) {
    const name = nameOf(id)
    if (name !== undefined) out.push({ id, name, you: id === youId })
  }
  return out
}

/** Split `text` at every "@Name" of the mentioned members (longest names first, so "@Ann Lee" wins over "@Ann"). */
export function splitMentions(text: string, mentioned: readonly MentionName[]): MentionPart[] {
  const names = [...mentioned].filter((m) => m.name !== '').sort((a, b) => b.name.length - a.name.length)
  const parts: MentionPart[] = []
  let pos = 0
  while (names.length > 0) {
    let best: { at: number; m: MentionName } | undefined
    for (const m of names) {
      const at = findMention(text, m.name, pos)
      if (at >= 0 && (best === undefined || at < best.at)) best = { at, m }
    }
    if (!best) break
    if (best.at > pos) parts.push({ kind: 'text', text: text.slice(pos, best.at) })
    const end = best.at + 1 + best.m.name.length
    parts.push({ kind: 'mention', text: text.slice(best.at, end), id: best.m.id, you: best.m.you })
    pos = end
  }
  if (pos < text.length) parts.push({ kind: 'text', text: text.slice(pos) })
  return parts
}

/** Whether a message from someone else names the reader among its mentions. */
export function mentionsYou(m: { from: Member; mentions?: readonly string[] }, youId: string | undefined): boolean {
  return youId !== undefined && m.from.id !== youId && (m.mentions?.includes(youId) ?? false)
}
