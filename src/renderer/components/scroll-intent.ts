// Which way the reader's own input is about to move the message list, read from the input event itself. The
// list stops following new messages the moment the reader heads up: a message arriving before the list has
// reported leaving the bottom would otherwise pull them back down mid-scroll (one wheel turn in three, in a
// room that talks every second).

export type ScrollIntent = 'up' | 'down' | undefined

const UP_KEYS = new Set(['ArrowUp', 'PageUp', 'Home'])
const DOWN_KEYS = new Set(['ArrowDown', 'PageDown', 'End'])

/** Follows one scroller's input; `intent` tells what an event means for it. */
export class ScrollIntentReader {
  readonly #scroller: HTMLElement
  #touchY: number | undefined

  constructor(scroller: HTMLElement) {
    this.#scroller = scroller
  }

  intent(e: Event): ScrollIntent {
    if (e instanceof WheelEvent) return e.deltaY < 0 ? 'up' : e.deltaY > 0 ? 'down' : undefined
    if (e instanceof KeyboardEvent) {
      if (UP_KEYS.has(e.key) || (e.key === ' ' && e.shiftKey)) return 'up'
      return DOWN_KEYS.has(e.key) || e.key === ' ' ? 'down' : undefined
    }
    if (e instanceof TouchEvent) {
      const y = e.touches[0]?.clientY
      if (e.type === 'touchstart' || y === undefined || this.#touchY === undefined) {
        this.#touchY = y
        return undefined
      }
      // A finger moving down the screen drags the content down: the reader goes up the list.
      const moved = y - this.#touchY
      this.#touchY = y
      return moved > 0 ? 'up' : moved < 0 ? 'down' : undefined
    }
    // A press on the scroll bar itself (past the content box): dragging it may go either way; call it up, and
    // arriving at the bottom follows again.
    if (e instanceof PointerEvent && e.target === this.#scroller && e.offsetX >= this.#scroller.clientWidth) return 'up'
    return undefined
  }
}
