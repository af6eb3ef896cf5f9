// What a room session receives goes into this device's history: the welcome's messages, live messages (also
// those arriving while the window is scrolled back) and scrollback pages, each with the resume point it leaves.
import type { RoomSession } from '../../shared/room-session.ts'
import type { ChatMessage } from '../../shared/protocol.ts'
import type { LocalHistory } from './store.ts'

/** Messages a room starts with from this device's copy (the browser build keeps as many). */
export const INITIAL_MESSAGES = 200

/** The session's options that pick up from this device's copy of the room: shown at once, resumed after. */
export function fromLocalHistory(
  store: LocalHistory,
  roomId: string,
): { initial?: ChatMessage[]; resume?: { epoch: string; after: number } } {
  const copy = store.latest(roomId, INITIAL_MESSAGES)
  return copy ? { initial: copy.messages, resume: { epoch: copy.epoch, after: copy.after } } : {}
}

/** Keep what `session` receives in `store`; returns the function that stops. */
export function recordSession(store: LocalHistory, session: RoomSession): () => void {
  const c = session.client
  const keep = (messages: readonly ChatMessage[]) => {
    const room = c.room?.id
    const position = c.position
    if (room !== undefined && position && messages.length > 0) store.add(room, position, messages)
  }
  const offs = [
    c.on('history', (h) => keep(h.messages)),
    c.on('message', (m) => keep([m])),
    // Scrollback pages (a resumed welcome's messages come here too: the store keeps each seq once).
    session.on('history', (h) => {
      if (!h.reset) keep(h.messages)
    }),
  ]
  return () => offs.forEach((off) => off())
}
