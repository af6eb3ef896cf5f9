// Which way the reader's own input is about to move the message list, read from the input event itself. The
// list stops following new messages the moment the reader heads up: a message arriving before the list has
// reported leaving the bottom would otherwise pull them back down mid-scroll (one wheel turn in seven, in a
// room that talks every second).

export type ScrollIntent = 'up' | 'down' | undefined

const UP_KEYS = new Set(['ArrowUp', 'PageUp', 'Home'])
const DOWN_KEYS = new Set(['ArrowDown', 'PageDown', 'End'])

/**
 * Follows one scroller's input; `intent` tells what an event means for it. A press (on the scroll bar, say) says
 * nothing of where it goes: the list takes its leaving the bottom soon after as the reader's doing.
 */
export class ScrollIntentReader {
  #touchY: number | undefined

  intent(e: Event): ScrollIntent {
    if (e instanceof WheelEvent) return e.deltaY < 0 ? 'up' : e.deltaY > 0 ? 'down' : undefined
    if (e instanceof KeyboardEvent) {
      if (UP_KEYS.has(e.key) || (e.key === ' ' && e.shiftKey)) return 'up'
      return DOWN_KEYS.has(e.key) || e.key === ' ' ? 'down' : undefined
    }
    // By type, not `instanceof`: a desktop browser without a touch screen may have no TouchEvent at all.
    if (e.type === 'touchstart' || e.type === 'touchmove') {
      const y = (e as TouchEvent).touches[0]?.clientY
      if (e.type === 'touchstart' || y === undefined || this.#touchY === undefined) {
        this.#touchY = y
        return undefined
      }
      // A finger moving down the screen drags the content down: the reader goes up the list.
      const moved = y - this.#touchY
      this.#touchY = y
      return moved > 0 ? 'up' : moved < 0 ? 'down' : undefined
    }
    return undefined
  }
}
