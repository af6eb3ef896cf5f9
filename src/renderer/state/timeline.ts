// What the message list renders: day separators, messages grouped by sender and time (a header only where
// a new group starts), the outbox's unacknowledged sends and then the files still uploading at the end. Pure.
import type { OutboxEntry } from '../../shared/room-client.ts'
import type { ChatMessage, FileRef, Member } from '../../shared/protocol.ts'
import { dayKey } from './format.ts'
import { identities, type Who } from './identity.ts'
import { mentionNames, mentionsYou, type MentionName } from './mentions.ts'
import type { UploadItem } from './uploads.ts'

/** Consecutive messages of one sender closer than this share one header. */
export const GROUP_WINDOW_MS = 5 * 60_000

export type TimelineItem =
  | { kind: 'day'; key: string; ts: number }
  | {
      kind: 'message'
      key: string
      id: string
      from: Member
      /** How the sender is named: their current name, tagged when another member shares it. */
      who: Who
      text: string
      ts: number
      /** A file with the message (`text` is its caption). */
      file?: FileRef
      /** The members it mentions that the UI can name: their "@Name" in `text` shows as a chip. */
      mentions: readonly MentionName[]
      /** Someone else's message that mentions the reader: highlighted. */
      mentionsYou: boolean
      /** Starts a group: shows the sender's name and avatar. */
      head: boolean
      own: boolean
      /** Unacknowledged send: still in the outbox. */
      status?: OutboxEntry['status']
      error?: OutboxEntry['error']
    }
  | { kind: 'upload'; key: string; upload: UploadItem }

export interface TimelineInput {
  messages: readonly ChatMessage[]
  outbox: readonly OutboxEntry[]
  you?: Member
  /** Who is in the room now: their current names label their earlier messages too. */
  members?: readonly Member[]
  /** When the outbox entries are drawn (they have no timestamp of their own). */
  now: number
  /** Files this page is still uploading: shown last. */
  uploads?: readonly UploadItem[]
}

export function buildTimeline({ messages, outbox, you, members = [], now, uploads = [] }: TimelineInput): TimelineItem[] {
  const present = you ? [...members, you] : members
  const senders = messages.map((m) => m.from)
  const whoOf = identities(present, senders)
  const names = new Map<string, string>()
  for (const m of [...senders, ...present]) names.set(m.id, m.name)
  const nameOf = (id: string) => names.get(id)
  const items: TimelineItem[] = []
  let prevDay = ''
  let prevFrom = ''
  let prevTs = -Infinity
  const add = (
    m: { id: string; from: Member; text: string; ts: number; file?: FileRef; mentions?: readonly string[] },
    extra: Partial<Extract<TimelineItem, { kind: 'message' }>>,
  ) => {
    const day = dayKey(m.ts)
    let newDay = false
    if (day !== prevDay) {
      items.push({ kind: 'day', key: `day:${day}`, ts: m.ts })
      prevDay = day
      newDay = true
    }
    const head = newDay || m.from.id !== prevFrom || m.ts - prevTs > GROUP_WINDOW_MS || m.ts < prevTs
    items.push({
      kind: 'message',
      key: `m:${m.id}`,
      id: m.id,
      from: m.from,
      who: whoOf(m.from),
      text: m.text,
      ts: m.ts,
      ...(m.file ? { file: m.file } : {}),
      mentions: mentionNames(m.mentions, nameOf, you?.id),
      mentionsYou: mentionsYou(m, you?.id),
      head,
      own: you !== undefined && m.from.id === you.id,
      ...extra,
    })
    prevFrom = m.from.id
    prevTs = m.ts
  }
  const seen = new Set<string>()
  for (const m of messages) {
    seen.add(m.id)
    add(m, {})
  }
  const me: Member = you ?? { id: '', name: 'You' }
  for (const e of outbox) {
    if (seen.has(e.id)) continue // acknowledged and delivered; the outbox update is on its way
    add(
      {
        id: e.id,
        from: me,
        text: e.text,
        ts: Math.max(now, prevTs),
        ...(e.file ? { file: e.file } : {}),
        ...(e.mentions ? { mentions: e.mentions } : {}),
      },
      { own: true, status: e.status, ...(e.error ? { error: e.error } : {}) },
    )
  }
  for (const upload of uploads) items.push({ kind: 'upload', key: `u:${upload.id}`, upload })
  return items
}
