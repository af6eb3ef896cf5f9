// Moving between rooms by keyboard: Ctrl+1…9 (⌘ on a Mac) shows the nth joined room, Ctrl+K (⌘K) opens the
// quick switcher, whose list is the joined rooms, then the rooms on the network not joined, filtered by what
// was typed. Pure.
import type { JoinedRoom, RoomListing } from '../../shared/bridge.ts'

export type SwitchKey = { kind: 'nth'; index: number } | { kind: 'switcher' }

interface KeyLike {
  key: string
  ctrlKey: boolean
  metaKey: boolean
  altKey: boolean
  shiftKey: boolean
}

/** What a key press asks for, if it is one of the switching keys (`mac`: ⌘ is the modifier, else Ctrl). */
export function switchKey(e: KeyLike, mac: boolean): SwitchKey | undefined {
  const modifier = mac ? e.metaKey && !e.ctrlKey : e.ctrlKey && !e.metaKey
  if (!modifier || e.altKey || e.shiftKey) return undefined
  if (e.key.length === 1 && e.key >= '1' && e.key <= '9') return { kind: 'nth', index: Number(e.key) - 1 }
  if (e.key.toLowerCase() === 'k') return { kind: 'switcher' }
  return undefined
}

export type SwitcherItem = { kind: 'joined'; room: JoinedRoom } | { kind: 'network'; room: RoomListing }

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase()

/** The joined rooms, then the network's rooms not joined, whose names contain `query` (case and accents aside). */
export function switcherItems(joined: readonly JoinedRoom[], rooms: readonly RoomListing[], query: string): SwitcherItem[] {
  const q = fold(query.trim())
  const matches = (name: string) => q === '' || fold(name).includes(q)
  const ids = new Set(joined.map((r) => r.id))
  return [
    ...joined.filter((r) => matches(r.name)).map((room) => ({ kind: 'joined' as const, room })),
    ...rooms.filter((r) => !ids.has(r.id) && matches(r.name)).map((room) => ({ kind: 'network' as const, room })),
  ]
}
