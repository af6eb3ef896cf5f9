// The message list: virtualized (react-virtuoso), so a room of 10,000 messages opens at the bottom and
// scrolls smoothly. It sticks to the bottom when new messages arrive while the reader is there, and
// offers "Jump to latest" otherwise. Scrolling to the top loads older pages (the reader's place is kept
// through `firstItemIndex`) down to "Beginning of the room". A "New messages" line stands before the first
// unread message, and "Jump to first unread" (or Escape) takes the reader there while it is above the view,
// loading older pages until it is held. Each conversation opens where the reader left it (ScrollPlaces), and a
// message asked for (a clicked notification) is scrolled to and highlighted for a moment.
import { forwardRef, memo, use, useCallback, useEffect, useMemo, useRef, useState, type HTMLAttributes } from 'react'
import { Virtuoso, type ListRange, type VirtuosoHandle } from 'react-virtuoso'
import { dayLabel, fullTimeLabel, timeLabel } from '../state/format.ts'
import { whoLabel } from '../state/identity.ts'
import type { Divider } from '../state/read-position.ts'
import { FIRST_ITEM_INDEX, nextFirstItemIndex } from '../state/scrollback.ts'
import { openingPlace } from '../state/scroll-places.ts'
import type { TimelineItem } from '../state/timeline.ts'
import type { WindowState } from '../../shared/bridge.ts'
import { errorText } from '../state/connection.ts'
import { useBridge } from '../state/use-app.ts'
import { Avatar } from './Avatar.tsx'
import { FileView } from './FileView.tsx'
import { Icon } from './Icon.tsx'
import { RoomMemoryContext } from './memory-context.ts'
import { ScrollIntentReader } from './scroll-intent.ts'
import { MessageText } from './MessageText.tsx'
import { UploadRow } from './UploadRow.tsx'

type MessageItem = Extract<TimelineItem, { kind: 'message' }>

/** The scroll container is the "Messages" log: focusable, so the keyboard can scroll it. */
const Scroller = forwardRef<HTMLDivElement, HTMLAttributes<HTMLDivElement>>(function Scroller(props, ref) {
  return <div {...props} ref={ref} role="log" aria-label="Messages" tabIndex={0} className="message-scroller" />
})
/** What every row and the header need besides their item. */
interface ListContext {
  held: WindowState
  /** The message the "New messages" line stands before. */
  dividerId: string | undefined
  /** The message just scrolled to on request, highlighted for a moment. */
  highlightId: string | undefined
}
/** The top of the list: the room's beginning, or where older messages appear as they load. */
function Header({ context }: { context?: ListContext }) {
  return <p className="history-start muted">{context?.held.start ? 'Beginning of the room' : 'Loading earlier messages…'}</p>
}
const components = { Scroller, Header }
// Stable props: Virtuoso re-applies a changed initialTopMostItemIndex, which would yank the reader to the end.
const START_AT_END = { index: 'LAST', align: 'end' } as const
const OVERSCAN = { top: 600, bottom: 300 }

/** How long after the reader's own input (a key, a press, a wheel turn) a move of the list counts as theirs. */
const INPUT_MS = 1500
/** How long after the reader heads away the list's own moves do not count as them coming back to the bottom. */
const UP_INTENT_MS = 300
/** Scrolled all the way down (a pixel of rounding allowed). */
const atVeryBottom = (el: HTMLElement) => el.scrollHeight - el.scrollTop - el.clientHeight < 1.5

/** How long a message scrolled to on request stays highlighted. */
const HIGHLIGHT_MS = 2500

interface MessageListProps {
  items: TimelineItem[]
  /** The conversation shown (room and partner): where it was left is kept under this key. */
  roomKey: string
  scrollToEndSignal: number
  /** Told whether the reader is at the bottom (following) or scrolled up. */
  onAtBottom?: (atBottom: boolean) => void
  /** Whether the room's beginning and its latest message are among the messages held. */
  window: WindowState
  /** Where the "New messages" line goes. */
  divider?: Divider
  /** Told the keys of the items in view, last first, whenever they change. */
  onSeen?: (keys: readonly string[]) => void
  /** Another room's history is on its way: an empty list is not "no messages". */
  waiting?: boolean
  /** A message to scroll to and highlight; `done` once it is. */
  target?: { id: string; done: () => void }
}

/** Each conversation's list is its own (keyed by it): its place, its jumps and what it saw start afresh. */
export function MessageList(props: MessageListProps) {
  if (props.items.length > 0) return <Messages key={props.roomKey} {...props} />
  return (
    <div className="message-scroller message-empty" role="log" aria-label="Messages" aria-busy={props.waiting || undefined} tabIndex={0}>
      {props.waiting ? null : <p className="muted">No messages yet. Say hello!</p>}
    </div>
  )
}

function Messages(props: MessageListProps) {
  const { items, roomKey, onAtBottom: reportAtBottom, window: held, divider = NO_DIVIDER, onSeen, target } = props
  const ref = useRef<VirtuosoHandle>(null)
  const beacon = useBridge()
  const { places } = use(RoomMemoryContext)
  // Where this conversation was left: scrolled up at a message (still held), or at its latest.
  const [opening] = useState(() => openingPlace(places.get(roomKey), items))
  const [initialAt] = useState(() => (opening ? ({ index: opening.index, align: 'start', offset: opening.offset } as const) : START_AT_END))
  // Older pages go in front: move the first index by as many items, so the reader stays where they were.
  const [first, setFirst] = useState({ items, index: FIRST_ITEM_INDEX })
  if (first.items !== items) setFirst({ items, index: nextFirstItemIndex(first, items) })
  const loadOlder = useCallback(() => {
    if (!held.start) void beacon.loadOlder()
  }, [beacon, held.start])
  const loadNewer = useCallback(() => {
    if (!held.end) void beacon.loadNewer()
  }, [beacon, held.end])
  // Whether the view follows new messages. Only the reader's own scrolling (wheel, keys, touch, the
  // scrollbar) turns it off, the moment it heads up: a burst of messages can momentarily push the bottom out of
  // view, which must not count as "the reader scrolled up".
  const stick = useRef(opening === undefined)
  const lastUserScroll = useRef(-Infinity)
  // The reader's last input that may take the list away from the bottom (anything but a move down).
  const lastLeave = useRef(-Infinity)
  // The last item when the reader scrolled away (older pages loading in front do not count as new);
  // undefined while following.
  const [leftAt, setLeftAt] = useState<string | undefined>(opening?.lastKey)
  const following = leftAt === undefined
  const unseen = following ? 0 : countAfter(items, leftAt)
  const lastKey = useRef(items.at(-1)?.key ?? '')
  useEffect(() => {
    lastKey.current = items.at(-1)?.key ?? ''
  })
  useEffect(() => {
    reportAtBottom?.(following)
  }, [following, reportAtBottom])

  const scroller = useRef<HTMLElement>(null)
  // Virtuoso's word that the list is at its end (its last item in view, give or take the bottom margin).
  const atBottom = useRef(opening === undefined)
  // What is in view is measured after the list moved or changed, once per frame.
  const measureSoon = useRef(() => {})
  const scrollerRef = useCallback((el: HTMLElement | Window | null) => {
    if (!(el instanceof HTMLElement)) return
    scroller.current = el
    const reader = new ScrollIntentReader()
    const mark = (e: Event) => {
      const intent = reader.intent(e)
      lastUserScroll.current = Date.now()
      lastLeave.current = intent === 'down' ? -Infinity : Date.now()
      // Heading up where the list can go up: it stops following now, not when it has been seen to move.
      if (intent === 'up' && el.scrollTop > 0) stick.current = false
    }
    for (const type of ['wheel', 'keydown', 'pointerdown', 'touchstart', 'touchmove'] as const)
      el.addEventListener(type, mark, { passive: true })
    el.addEventListener(
      'scroll',
      () => {
        if (!stick.current) {
          // Back at the very bottom by the reader's own doing follows again, also after a move too small for the
          // list to report leaving its bottom; not in the moments right after heading up, before the move shows.
          // Anywhere else the reader has left the latest, whether or not the list noticed the bottom go.
          if (!atVeryBottom(el)) setLeftAt((k) => k ?? lastKey.current)
          else if (Date.now() - lastLeave.current > UP_INTENT_MS) {
            stick.current = true
            setLeftAt(undefined)
          }
        }
        measureSoon.current()
      },
      { passive: true },
    )
  }, [])

  const onAtBottom = useCallback((bottom: boolean) => {
    atBottom.current = bottom
    measureSoon.current()
    if (bottom) {
      // Unless the reader has just headed away and the list is no longer at its very bottom (word of the bottom
      // can come a moment late).
      const el = scroller.current
      if (el && !atVeryBottom(el) && Date.now() - lastLeave.current < UP_INTENT_MS) return
      stick.current = true
      setLeftAt(undefined)
    } else if (!stick.current || Date.now() - lastLeave.current < INPUT_MS) {
      stick.current = false
      setLeftAt((k) => k ?? lastKey.current)
    } else {
      ref.current?.scrollToIndex({ index: 'LAST', align: 'end' })
    }
  }, [])

  // Sending always brings the list to the bottom.
  const [signal, setSignal] = useState(props.scrollToEndSignal)
  if (signal !== props.scrollToEndSignal) {
    setSignal(props.scrollToEndSignal)
    setLeftAt(undefined)
  }
  // Only a send while this list is shown: a list opening (another room, back to this one) keeps its place.
  const signalSeen = useRef(props.scrollToEndSignal)
  useEffect(() => {
    if (props.scrollToEndSignal === signalSeen.current) return
    signalSeen.current = props.scrollToEndSignal
    stick.current = true
    ref.current?.scrollToIndex({ index: 'LAST', align: 'end' })
  }, [props.scrollToEndSignal])

  const jump = () => {
    stick.current = true
    setLeftAt(undefined)
    ref.current?.scrollToIndex({ index: 'LAST', align: 'end', behavior: 'auto' })
  }

  const dividerId = divider.kind === 'before' ? divider.id : undefined
  const dividerAt = dividerId === undefined ? -1 : items.findIndex((i) => i.kind === 'message' && i.id === dividerId)
  // The line the reader has had in view by their own scrolling (or a jump): they know where the new messages
  // start, so no more offer to jump there. Coming into the room, the list passes over it on its way to the latest.
  const [shownLine, setShownLine] = useState<string>()

  // The items in view (indexes count from `first.index`), for the read position and "Jump to first unread".
  // Measured in the page: Virtuoso's own range counts the items rendered beyond the view too.
  const [range, setRange] = useState<ListRange>()
  const latest = useRef({ items, firstIndex: first.index, dividerId, leftAt })
  useEffect(() => {
    latest.current = { items, firstIndex: first.index, dividerId, leftAt }
  })
  const measure = useCallback(() => {
    const el = scroller.current
    const { items: list, firstIndex, dividerId, leftAt } = latest.current
    const r = el ? inView(el, atBottom.current ? firstIndex + list.length - 1 : undefined) : undefined
    setRange((old) => (old?.startIndex === r?.startIndex && old?.endIndex === r?.endIndex ? old : r))
    if (!r) return
    // Where the reader is, for coming back to this conversation: at the latest, or at the top item in view.
    const topKey = list[r.top.index - firstIndex]?.key
    places.set(
      roomKey,
      stick.current || topKey === undefined ? undefined : { topKey, offset: r.top.offset, lastKey: leftAt ?? lastKey.current },
    )
    const from = Math.max(0, r.startIndex - firstIndex)
    const to = Math.min(list.length - 1, r.endIndex - firstIndex)
    const keys: string[] = []
    for (let i = to; i >= from; i--) keys.push(list[i]!.key)
    onSeen?.(keys)
    if (dividerId !== undefined && keys.includes(`m:${dividerId}`) && Date.now() - lastUserScroll.current < INPUT_MS)
      setShownLine(dividerId)
  }, [onSeen, places, roomKey])
  useEffect(() => {
    let frame = 0
    measureSoon.current = () => {
      cancelAnimationFrame(frame)
      frame = requestAnimationFrame(measure)
    }
    return () => cancelAnimationFrame(frame)
  }, [measure])
  const onRange = useCallback(() => measureSoon.current(), [])
  // Following new messages (and a picture that loads at the bottom) is done here rather than by Virtuoso's
  // followOutput: for a moment after each change that also takes the reader's move up, when it meets a taller
  // list, for growth, and scrolls them back down.
  const onHeight = useCallback(() => {
    if (stick.current) ref.current?.scrollToIndex({ index: 'LAST', align: 'end' })
    measureSoon.current()
  }, [])
  const unreadAbove =
    divider.kind === 'older' ||
    (dividerAt >= 0 && shownLine !== dividerId && range !== undefined && first.index + dividerAt < range.startIndex)
  // "Jump to first unread": asked for (seeking) until the line is held and scrolled to, loading older pages
  // one at a time meanwhile; each page that arrives runs the effect again.
  const seeking = useRef(false)
  const [seekAsked, setSeekAsked] = useState(0)
  // Scrolling right after a page went in front can be undone by Virtuoso keeping the reader's place: scroll
  // again at each change of the view until the line is in it (a few times at most).
  const tries = useRef(0)
  const jumpToUnread = useCallback(() => {
    seeking.current = true
    tries.current = 0
    setSeekAsked((n) => n + 1)
  }, [])
  const loading = useRef(false)
  const lineAt = dividerAt >= 0 ? first.index + dividerAt : undefined
  const lineInView = lineAt !== undefined && range !== undefined && lineAt >= range.startIndex && lineAt <= range.endIndex
  useEffect(() => {
    if (!seeking.current) return
    if (divider.kind === 'before' && dividerAt >= 0) {
      if (lineInView || tries.current++ >= SEEK_TRIES) {
        seeking.current = false
        return
      }
      // Counts as the reader's own move away from the bottom: the list stops following new messages.
      stick.current = false
      lastUserScroll.current = Date.now()
      const frame = requestAnimationFrame(() => ref.current?.scrollToIndex({ index: dividerAt, align: 'start', behavior: 'auto' }))
      return () => cancelAnimationFrame(frame)
    } else if (divider.kind === 'older' && !held.start) {
      if (loading.current) return
      loading.current = true
      void beacon.loadOlder().then((r) => {
        loading.current = false
        if (!r.ok) seeking.current = false
      })
    } else seeking.current = false
  }, [seekAsked, divider, dividerAt, held.start, beacon, lineInView, range])
  useEscape(unreadAbove, jumpToUnread)

  // A message asked for: scrolled to (the reader's own move away from the latest), then highlighted a moment.
  // Scrolled to again at each change of the view until it is in it (the list's own first positioning may undo the
  // first scroll), a few times at most.
  const [highlightId, setHighlightId] = useState<string>()
  const targetAt = target ? items.findIndex((i) => i.kind === 'message' && i.id === target.id) : -1
  const targetInView =
    targetAt >= 0 && range !== undefined && first.index + targetAt >= range.startIndex && first.index + targetAt <= range.endIndex
  const aimTries = useRef(0)
  useEffect(() => {
    aimTries.current = 0
  }, [target])
  useEffect(() => {
    if (!target || targetAt < 0) return
    if (targetInView && aimTries.current > 0) {
      setHighlightId(target.id)
      return target.done()
    }
    if (aimTries.current++ >= SEEK_TRIES) return target.done()
    const frame = requestAnimationFrame(() => {
      stick.current = false
      lastUserScroll.current = Date.now()
      ref.current?.scrollToIndex({ index: targetAt, align: 'center', behavior: 'auto' })
    })
    return () => cancelAnimationFrame(frame)
  }, [target, targetAt, targetInView, range])
  useEffect(() => {
    if (highlightId === undefined) return
    const t = setTimeout(() => setHighlightId(undefined), HIGHLIGHT_MS)
    return () => clearTimeout(t)
  }, [highlightId])

  const context = useMemo(() => ({ held, dividerId, highlightId }), [held, dividerId, highlightId])
  return (
    <div className="message-list">
      <Virtuoso
        ref={ref}
        data={items}
        firstItemIndex={first.index}
        context={context}
        startReached={loadOlder}
        endReached={loadNewer}
        components={components}
        computeItemKey={itemKey}
        initialTopMostItemIndex={initialAt}
        alignToBottom
        atBottomStateChange={onAtBottom}
        scrollerRef={scrollerRef}
        atBottomThreshold={48}
        increaseViewportBy={OVERSCAN}
        itemContent={renderItem}
        rangeChanged={onRange}
        totalListHeightChanged={onHeight}
      />
      {unreadAbove ? (
        <button type="button" className="jump-unread button small" onClick={jumpToUnread} aria-keyshortcuts="Escape">
          <Icon name="up" size={14} />
          Jump to first unread
        </button>
      ) : null}
      {!following ? (
        <button type="button" className="jump-latest button small" onClick={jump}>
          <Icon name="down" size={14} />
          {unseen > 0 ? `${unseen} new` : 'Jump to latest'}
        </button>
      ) : null}
    </div>
  )
}

/** Messages after the item keyed `key` (none when it is gone from the list). */
function countAfter(items: readonly TimelineItem[], key: string): number {
  let n = 0
  for (let i = items.length - 1; i >= 0; i--) {
    if (items[i]!.key === key) return n
    if (items[i]!.kind === 'message') n++
  }
  return 0
}

const NO_DIVIDER: Divider = { kind: 'none' }
/** Scrolls "Jump to first unread" makes before it gives up (each after the view changed). */
const SEEK_TRIES = 5
/** How much of an item must be in view to count as seen: about a line of text. */
const SEEN_PX = 20

/**
 * The items of the list in `scroller`'s view, by Virtuoso's index: from the first that shows at all to the last
 * whose first SEEN_PX are in view (its first line: a message is read once that was in view), or `last` when the
 * list is at its end; and the place to come back to: the first item whose top is in view (else the first that
 * shows), with how far its top sits above the view's top (negative: below it).
 */
function inView(scroller: HTMLElement, last?: number): (ListRange & { top: { index: number; offset: number } }) | undefined {
  const view = scroller.getBoundingClientRect()
  let startIndex = Infinity
  let endIndex = -Infinity
  let top: { index: number; offset: number } | undefined
  let first: { index: number; offset: number } | undefined
  for (const el of scroller.querySelectorAll<HTMLElement>('[data-item-index]')) {
    const box = el.getBoundingClientRect()
    if (box.bottom <= view.top || box.top >= view.bottom) continue
    const index = Number(el.dataset.itemIndex)
    const at = { index, offset: view.top - box.top }
    if (index < startIndex) {
      startIndex = index
      first = at
    }
    if (box.top >= view.top - 0.5 && (!top || index < top.index)) top = at
    if (box.top + Math.min(box.height, SEEN_PX) <= view.bottom) endIndex = Math.max(endIndex, index)
  }
  if (last !== undefined) endIndex = last
  return endIndex >= startIndex ? { startIndex, endIndex, top: (top ?? first)! } : undefined
}

/** Escape (not taken by anything else, and not in a dialog) calls `action` while `active`. */
function useEscape(active: boolean, action: () => void) {
  useEffect(() => {
    if (!active) return
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return
      if (e.target instanceof Element && e.target.closest('[role="dialog"], [role="alertdialog"], dialog')) return
      e.preventDefault()
      action()
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [active, action])
}

const itemKey = (_: number, item: TimelineItem) => item.key
const renderItem = (_: number, item: TimelineItem, context: ListContext) =>
  item.kind === 'day' ? (
    <DaySeparator ts={item.ts} />
  ) : item.kind === 'upload' ? (
    <UploadRow upload={item.upload} />
  ) : item.id === context.dividerId ? (
    <>
      <NewMessagesLine />
      <MessageRow item={item} highlight={item.id === context.highlightId} />
    </>
  ) : (
    <MessageRow item={item} highlight={item.id === context.highlightId} />
  )

function NewMessagesLine() {
  return (
    <div className="new-messages" role="separator" aria-label="New messages">
      <span>New messages</span>
    </div>
  )
}

function DaySeparator({ ts }: { ts: number }) {
  const label = dayLabel(ts)
  return (
    <div className="day-separator" role="separator" aria-label={label}>
      <span>{label}</span>
    </div>
  )
}

const MessageRow = memo(function MessageRow({ item, highlight }: { item: MessageItem; highlight: boolean }) {
  const beacon = useBridge()
  const classes = [
    'message',
    highlight ? 'highlight' : '',
    item.head ? 'message-head' : 'message-cont',
    item.own ? 'own' : '',
    item.mentionsYou ? 'mentions-you' : '',
    item.status ? `status-${item.status}` : '',
  ]
    .filter(Boolean)
    .join(' ')
  const time = timeLabel(item.ts)
  return (
    <div className={classes} data-own={item.own || undefined} aria-busy={item.status === 'sending' || undefined}>
      <div className="message-gutter" aria-hidden={!item.head || undefined}>
        {item.head ? (
          <Avatar name={item.who.name} id={item.from.id} self={item.own} />
        ) : (
          <time className="message-time-hover" dateTime={new Date(item.ts).toISOString()}>
            {time}
          </time>
        )}
      </div>
      <div className="message-body">
        {item.head ? (
          <div className="message-meta">
            <span className="message-sender">{item.who.name}</span>
            {item.who.tag ? <span className="member-tag">· {item.who.tag}</span> : null}
            {item.own ? <span className="you-badge">you</span> : null}
            {item.mentionsYou ? <span className="mention-badge">Mentions you</span> : null}
            <time dateTime={new Date(item.ts).toISOString()} title={fullTimeLabel(item.ts)}>
              {time}
            </time>
          </div>
        ) : (
          <span className="sr-only">
            {whoLabel(item.who)}
            {item.mentionsYou ? ', mentions you' : ''}:{' '}
          </span>
        )}
        {item.file ? <FileView file={item.file} /> : null}
        {item.text !== '' || !item.file ? <MessageText text={item.text} mentions={item.mentions} /> : null}
        {item.status === 'sending' ? <span className="message-state">Sending…</span> : null}
        {item.status === 'failed' ? (
          <div className="message-state failed" role="group" aria-label="Message not sent">
            <Icon name="alert" size={14} />
            <span>Not sent{item.error ? `: ${errorText(item.error)}` : '.'}</span>
            <button type="button" className="button small" onClick={() => void beacon.retry(item.id)}>
              Retry
            </button>
            <button type="button" className="button small ghost" onClick={() => void beacon.discard(item.id)}>
              Discard
            </button>
          </div>
        ) : null}
      </div>
    </div>
  )
})
