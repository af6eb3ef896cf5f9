// The message list: virtualized (react-virtuoso), so a room of 10,000 messages opens at the bottom and
// scrolls smoothly. It sticks to the bottom when new messages arrive while the reader is there, and
// offers "Jump to latest" otherwise. Scrolling to the top loads older pages (the reader's place is kept
// through `firstItemIndex`) down to "Beginning of the room".
import { forwardRef, memo, useCallback, useEffect, useRef, useState, type HTMLAttributes } from 'react'
import { Virtuoso, type VirtuosoHandle } from 'react-virtuoso'
import { dayLabel, fullTimeLabel, timeLabel } from '../state/format.ts'
import { whoLabel } from '../state/identity.ts'
import { FIRST_ITEM_INDEX, nextFirstItemIndex } from '../state/scrollback.ts'
import type { TimelineItem } from '../state/timeline.ts'
import type { WindowState } from '../../shared/bridge.ts'
import { errorText } from '../state/connection.ts'
import { useBridge } from '../state/use-app.ts'
import { Avatar } from './Avatar.tsx'
import { FileView } from './FileView.tsx'
import { Icon } from './Icon.tsx'
import { MessageText } from './MessageText.tsx'
import { UploadRow } from './UploadRow.tsx'

type MessageItem = Extract<TimelineItem, { kind: 'message' }>

/** The scroll container is the "Messages" log: focusable, so the keyboard can scroll it. */
const Scroller = forwardRef<HTMLDivElement, HTMLAttributes<HTMLDivElement>>(function Scroller(props, ref) {
  return <div {...props} ref={ref} role="log" aria-label="Messages" tabIndex={0} className="message-scroller" />
})
/** The top of the list: the room's beginning, or where older messages appear as they load. */
function Header({ context }: { context?: WindowState }) {
  return <p className="history-start muted">{context?.start ? 'Beginning of the room' : 'Loading earlier messages…'}</p>
}
const components = { Scroller, Header }
// Stable props: Virtuoso re-applies a changed initialTopMostItemIndex, which would yank the reader to the end.
const START_AT_END = { index: 'LAST', align: 'end' } as const
const OVERSCAN = { top: 600, bottom: 300 }

export function MessageList(props: {
  items: TimelineItem[]
  roomKey: string
  scrollToEndSignal: number
  /** Told whether the reader is at the bottom (following) or scrolled up. */
  onAtBottom?: (atBottom: boolean) => void
  /** Whether the room's beginning and its latest message are among the messages held. */
  window: WindowState
}) {
  const { items, onAtBottom: reportAtBottom, window: held } = props
  const ref = useRef<VirtuosoHandle>(null)
  const beacon = useBridge()
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
  // scrollbar) turns it off: a burst of messages can momentarily push the bottom out of view, which must
  // not count as "the reader scrolled up".
  const stick = useRef(true)
  const lastUserScroll = useRef(-Infinity)
  // The last item when the reader scrolled away (older pages loading in front do not count as new);
  // undefined while following.
  const [leftAt, setLeftAt] = useState<string>()
  const following = leftAt === undefined
  const unseen = following ? 0 : countAfter(items, leftAt)
  const lastKey = useRef(items.at(-1)?.key ?? '')
  useEffect(() => {
    lastKey.current = items.at(-1)?.key ?? ''
  })
  useEffect(() => {
    reportAtBottom?.(following)
  }, [following, reportAtBottom])

  const scrollerRef = useCallback((el: HTMLElement | Window | null) => {
    if (!(el instanceof HTMLElement)) return
    const mark = () => {
      lastUserScroll.current = Date.now()
    }
    for (const type of ['wheel', 'keydown', 'pointerdown', 'touchmove'] as const) el.addEventListener(type, mark, { passive: true })
  }, [])

  const onAtBottom = useCallback((bottom: boolean) => {
    if (bottom) {
      stick.current = true
      setLeftAt(undefined)
    } else if (Date.now() - lastUserScroll.current < 1500) {
      stick.current = false
      setLeftAt((k) => k ?? lastKey.current)
    } else if (stick.current) {
      ref.current?.scrollToIndex({ index: 'LAST', align: 'end' })
    }
  }, [])

  // Sending always brings the list to the bottom.
  const [signal, setSignal] = useState(props.scrollToEndSignal)
  if (signal !== props.scrollToEndSignal) {
    setSignal(props.scrollToEndSignal)
    setLeftAt(undefined)
  }
  useEffect(() => {
    if (props.scrollToEndSignal === 0) return
    stick.current = true
    ref.current?.scrollToIndex({ index: 'LAST', align: 'end' })
  }, [props.scrollToEndSignal])

  const followOutput = useCallback((): 'auto' | false => (stick.current ? 'auto' : false), [])
  const jump = () => {
    stick.current = true
    setLeftAt(undefined)
    ref.current?.scrollToIndex({ index: 'LAST', align: 'end', behavior: 'auto' })
  }

  if (items.length === 0) {
    return (
      <div className="message-scroller message-empty" role="log" aria-label="Messages" tabIndex={0}>
        <p className="muted">No messages yet. Say hello!</p>
      </div>
    )
  }
  return (
    <div className="message-list">
      <Virtuoso
        key={props.roomKey}
        ref={ref}
        data={items}
        firstItemIndex={first.index}
        context={held}
        startReached={loadOlder}
        endReached={loadNewer}
        components={components}
        computeItemKey={itemKey}
        initialTopMostItemIndex={START_AT_END}
        alignToBottom
        followOutput={followOutput}
        atBottomStateChange={onAtBottom}
        scrollerRef={scrollerRef}
        atBottomThreshold={48}
        increaseViewportBy={OVERSCAN}
        itemContent={renderItem}
      />
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

const itemKey = (_: number, item: TimelineItem) => item.key
const renderItem = (_: number, item: TimelineItem) =>
  item.kind === 'day' ? (
    <DaySeparator ts={item.ts} />
  ) : item.kind === 'upload' ? (
    <UploadRow upload={item.upload} />
  ) : (
    <MessageRow item={item} />
  )

function DaySeparator({ ts }: { ts: number }) {
  const label = dayLabel(ts)
  return (
    <div className="day-separator" role="separator" aria-label={label}>
      <span>{label}</span>
    </div>
  )
}

const MessageRow = memo(function MessageRow({ item }: { item: MessageItem }) {
  const beacon = useBridge()
  const classes = [
    'message',
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
