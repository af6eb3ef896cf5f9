// Keeping the reader's place while messages are put in front of the list (scrollback) or taken off its
// front (the window's bound): react-virtuoso's `firstItemIndex` must move by exactly as many items. Pure.

/** Where the first item's index starts: room to prepend many pages before reaching 0. */
export const FIRST_ITEM_INDEX = 1_000_000_000

interface Item {
  key: string
  kind: string
}

/**
 * The first item's index for `items`, given the previous list and its index: the shift of the first message
 * both lists hold (a day separator is no anchor: older messages of the same day go in after it).
 */
export function nextFirstItemIndex(prev: { items: readonly Item[]; index: number }, items: readonly Item[]): number {
  if (prev.items[0]?.key === items[0]?.key && prev.items.length <= items.length) {
    // Only appended (or the same list): unless the first day got earlier messages, nothing moved in front.
    const a = prev.items.find((i) => i.kind === 'message')
    if (!a || items.findIndex((i) => i.key === a.key) === prev.items.indexOf(a)) return prev.index
  }
  const position = new Map(items.map((item, i) => [item.key, i]))
  for (let i = 0; i < prev.items.length; i++) {
    const item = prev.items[i]!
    const now = item.kind === 'message' ? position.get(item.key) : undefined
    if (now !== undefined) return prev.index - (now - i)
  }
  return FIRST_ITEM_INDEX // nothing in common (another room): start over
}
