// When a message gets the user's attention, Electron-free: whether it notifies (per room level, do-not-disturb,
// mentions and direct messages), what the notification says, and the badge's count of unread mentions and DMs.
// Everything is keyed by room id, so several rooms at once need no change here.
import type { NotificationLevel, NotificationSettings } from '../../shared/bridge.ts'
import type { ChatMessage } from '../../shared/protocol.ts'

export const DEFAULT_LEVEL: NotificationLevel = 'all'
/** A notification's preview of the message, in characters (a desktop notification shows about two lines). */
export const PREVIEW_CHARS = 120

export interface RoomInfo {
  id: string
  name: string
  passwordRequired: boolean
}

export interface Notice {
  /** One notification per room: the next one from the same room replaces it. */
  tag: string
  title: string
  body: string
  /** Where a click opens. */
  roomId: string
  seq: number
}

/** The message is addressed to you: a direct message to you, or it mentions you. */
export function isForYou(m: ChatMessage, you: string): boolean {
  return m.to === you || (m.mentions?.includes(you) ?? false)
}

export function levelOf(settings: NotificationSettings, roomId: string): NotificationLevel {
  return settings.rooms[roomId] ?? DEFAULT_LEVEL
}

/**
 * Whether a live message notifies: never your own, never while you look at that room, never under
 * do-not-disturb or in a room set to `nothing`; in a room set to `mentions` only a mention of you or a DM to you.
 */
export function notifies(
  m: ChatMessage,
  ctx: { you: string | undefined; roomId: string; settings: NotificationSettings; lookingAtRoom: boolean },
): boolean {
  if (ctx.you === undefined || m.from.id === ctx.you || ctx.lookingAtRoom || ctx.settings.doNotDisturb) return false
  const level = levelOf(ctx.settings, ctx.roomId)
  if (level === 'nothing') return false
  return level === 'all' || isForYou(m, ctx.you)
}

/** The notification's text: "Sender: preview"; a password room's text stays hidden unless the user allowed previews. */
export function noticeFor(m: ChatMessage, room: RoomInfo, previewsInPasswordRooms: boolean): Notice {
  const hidden = room.passwordRequired && !previewsInPasswordRooms
  const text = m.text.trim() || (m.file ? m.file.name : '')
  const preview = text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text
  return {
    tag: `room:${room.id}`,
    title: room.name,
    body: hidden ? `${m.from.name}: New message` : `${m.from.name}: ${preview}`,
    roomId: room.id,
    seq: m.seq,
  }
}

/** Unread mentions of you and DMs to you, per room, until you look at the room: the dock/taskbar badge. */
export class BadgeCount {
  #perRoom = new Map<string, number>()
  #onChange: (total: number) => void

  constructor(onChange: (total: number) => void) {
    this.#onChange = onChange
  }

  get total(): number {
    let n = 0
    for (const c of this.#perRoom.values()) n += c
    return n
  }

  /** A live message arrived in a room you are not looking at. */
  message(m: ChatMessage, roomId: string, you: string | undefined, lookingAtRoom: boolean): void {
    if (you === undefined || lookingAtRoom || m.from.id === you || !isForYou(m, you)) return
    this.#perRoom.set(roomId, (this.#perRoom.get(roomId) ?? 0) + 1)
    this.#onChange(this.total)
  }

  /** You looked at the room (or left it): its mentions are read. */
  clear(roomId: string): void {
    if (!this.#perRoom.delete(roomId)) return
    this.#onChange(this.total)
  }
}
