// Who wrote what, as the UI names them: the member's current name (a rename shows on their earlier
// messages too, as in Slack or Signal), and a short tag from the member id when two people share a name,
// so "Ann · 3f2a" and "Ann · 9c1d" can be told apart. Pure.
import type { Member } from '../../shared/protocol.ts'

export interface Who {
  name: string
  /** Set only when another member shown goes by the same name. */
  tag?: string
}

/** Four characters of the member id: stable for a person in a room, short enough to read. */
export function memberTag(id: string): string {
  return id.replace(/^[a-z]+-/i, '').slice(0, 4)
}

const key = (name: string) => name.normalize('NFC').trim().toLocaleLowerCase()

/** Names each member id by, given everyone the UI shows: present members first, then past senders. */
export function identities(members: readonly Member[], senders: readonly Member[] = []): (m: Member) => Who {
  const names = new Map<string, string>()
  for (const m of senders) names.set(m.id, m.name)
  for (const m of members) names.set(m.id, m.name)
  const ids = new Map<string, Set<string>>()
  for (const [id, name] of names) {
    const k = key(name)
    ids.set(k, (ids.get(k) ?? new Set()).add(id))
  }
  return (m) => {
    const name = names.get(m.id) ?? m.name
    return (ids.get(key(name))?.size ?? 0) > 1 ? { name, tag: memberTag(m.id) } : { name }
  }
}

/** "Ann" or "Ann · 3f2a". */
export function whoLabel(who: Who): string {
  return who.tag ? `${who.name} · ${who.tag}` : who.name
}
