// What the reader was writing, per room and conversation, kept while they look elsewhere (another room, a
// direct conversation) and given back when they return. In memory only: a restart starts with empty boxes.
import type { Member } from '../../shared/protocol.ts'
import { conversationReadKey } from './conversations.ts'

/** The composer's text and the members picked from its "@" list (their mentions go with the text). */
export interface Draft {
  text: string
  picked: readonly Member[]
}

/** Drafts kept at most: the oldest goes first (nobody switches between this many half-written messages). */
export const DRAFTS_KEPT = 200

const EMPTY: Draft = { text: '', picked: [] }

/** A conversation's draft key: the same as its read key (room id, or room id and partner). */
export const draftKey = conversationReadKey

export class Drafts {
  #drafts = new Map<string, Draft>()

  get(key: string): Draft {
    return this.#drafts.get(key) ?? EMPTY
  }

  /** Keep `draft` for `key` (an empty text forgets it). */
  set(key: string, draft: Draft): void {
    this.#drafts.delete(key)
    if (draft.text === '') return
    this.#drafts.set(key, draft)
    if (this.#drafts.size > DRAFTS_KEPT) this.#drafts.delete(this.#drafts.keys().next().value!)
  }
}
