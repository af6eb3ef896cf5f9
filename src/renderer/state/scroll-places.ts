// Where the reader left each conversation's message list, so coming back to a room shows it as they left it:
// scrolled up at the same message, or at the latest (then it follows new messages again). In memory only. Pure
// apart from the Map it keeps.

/** A list left scrolled up: the first item in view, how far its top sat above the view's top, the last item then. */
export interface ScrollPlace {
  topKey: string
  /** Pixels of the top item above the view's top (0: its top at the view's top). */
  offset: number
  /** The last item of the list when the reader left (what came after it is new). */
  lastKey: string
}

/** Places kept at most (the oldest goes first). */
export const PLACES_KEPT = 200

export class ScrollPlaces {
  #places = new Map<string, ScrollPlace>()

  get(key: string): ScrollPlace | undefined {
    return this.#places.get(key)
  }

  /** Remember where `key`'s list is; undefined: at its latest. */
  set(key: string, place: ScrollPlace | undefined): void {
    this.#places.delete(key)
    if (place === undefined) return
    this.#places.set(key, place)
    if (this.#places.size > PLACES_KEPT) this.#places.delete(this.#places.keys().next().value!)
  }
}

/** Where a list opens: at the place kept, when its item is still among `items`; otherwise at the latest. */
export function openingPlace(
  place: ScrollPlace | undefined,
  items: readonly { key: string }[],
): { index: number; offset: number; lastKey: string } | undefined {
  if (!place) return undefined
  const index = items.findIndex((i) => i.key === place.topKey)
  return index < 0 ? undefined : { index, offset: place.offset, lastKey: place.lastKey }
}
