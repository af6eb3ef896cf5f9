// The read position per room id: the last seq the user has seen there. Only ever raised (a late or repeated
// write cannot move it back), and bounded: the rooms read least recently are forgotten first. Shared by the
// desktop app's settings.json and the browser client's localStorage. Pure.
import { LIMITS } from './limits.ts'

export type ReadPositions = Record<string, number>

/** `positions` with `roomId` raised to `seq` (the same object when that is no change), at most `keep` rooms. */
export function raiseReadPosition(
  positions: ReadPositions,
  roomId: string,
  seq: number,
  keep: number = LIMITS.readPositionsKept,
): ReadPositions {
  const had = Object.hasOwn(positions, roomId) ? positions[roomId] : undefined
  if (had !== undefined && had >= seq) return positions
  // Re-inserted last, so the record's order is least recently read first.
  const entries = Object.entries(positions).filter(([id]) => id !== roomId)
  entries.push([roomId, seq])
  // Object.fromEntries defines own properties, so a room id like "__proto__" is a key like any other.
  return Object.fromEntries(entries.slice(Math.max(0, entries.length - keep)))
}

/**
 * The key a conversation's read position is kept under: the room's own is its id (as before direct messages), a
 * direct conversation's names its room and partner unambiguously.
 */
export function readKey(roomId: string, partnerId?: string): string {
  return partnerId === undefined ? roomId : JSON.stringify([roomId, partnerId])
}

/** `positions` without any of `roomId`'s conversations (its log started over: its seqs mean other messages now). */
export function withoutRoom(positions: ReadPositions, roomId: string): ReadPositions {
  const ofRoom = (key: string) => {
    if (key === roomId) return true
    if (!key.startsWith('[')) return false
    try {
      return (JSON.parse(key) as unknown[])[0] === roomId
    } catch {
      return false
    }
  }
  return Object.fromEntries(Object.entries(positions).filter(([key]) => !ofRoom(key)))
}
