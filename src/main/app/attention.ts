// When to get the user's attention: a desktop notification for someone else's new message while the
// window is not focused, and the unread count for the badge/taskbar until the window is focused again.
import type { ChatMessage } from '../../shared/protocol.ts'

export interface Notice {
  title: string
  body: string
}

const BODY_CHARS = 200

export class Attention {
  #unread = 0
  #onUnread: (count: number) => void

  constructor(onUnread: (count: number) => void) {
    this.#onUnread = onUnread
  }

  get unread(): number {
    return this.#unread
  }

  /** A live message arrived; answers the notification to show, if any. */
  message(m: ChatMessage, you: string | undefined, room: string | undefined, windowFocused: boolean): Notice | undefined {
    if (m.from.id === you || windowFocused) return undefined
    this.#set(this.#unread + 1)
    const text = m.text.length > BODY_CHARS ? `${m.text.slice(0, BODY_CHARS - 1)}…` : m.text
    return { title: room ? `${m.from.name} in ${room}` : m.from.name, body: text }
  }

  /** The window got focus, or the user left the room: nothing is unread any more. */
  clear(): void {
    this.#set(0)
  }

  #set(n: number): void {
    if (n === this.#unread) return
    this.#unread = n
    this.#onUnread(n)
  }
}

/** The confirmation shown before stopping a room (or quitting) while others are in it. */
export function stopHostingQuestion(
  others: number,
  quitting: boolean,
): { message: string; detail: string; confirm: string; cancel: string } {
  const people = others === 1 ? '1 person is' : `${others} people are`
  return {
    message: quitting ? `Quit and close your room?` : `Stop hosting your room?`,
    detail: `${people} still in it. They will see that the host left.`,
    confirm: quitting ? 'Quit' : 'Stop hosting',
    cancel: quitting ? 'Keep running' : 'Keep hosting',
  }
}
