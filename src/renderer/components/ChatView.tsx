// One room: header with its controls, the connection banner, messages, who is typing, the composer,
// and the member list. Files dropped anywhere on the messages or the composer are sent to the room.
import { useEffect, useMemo, useRef, useState } from 'react'
import type { FileRef } from '../../shared/protocol.ts'
import type { FileSender } from '../files/send-files.ts'
import type { AppState } from '../state/app.ts'
import { composerBlockedReason } from '../state/connection.ts'
import {
  conversationOf,
  conversationReadKey,
  listConversations,
  messagesOf,
  ROOM_CONVERSATION,
  roomConversations,
} from '../state/conversations.ts'
import { draftKey } from '../state/drafts.ts'
import { whoLabel } from '../state/identity.ts'
import { buildTimeline } from '../state/timeline.ts'
import { typingText } from '../state/typing.ts'
import { tabTitle, titleMentions, unreadCount } from '../state/unread.ts'
import { useBridge, useDispatch } from '../state/use-app.ts'
import { Composer, type Attach } from './Composer.tsx'
import { ConnectionBanner } from './ConnectionBanner.tsx'
import { FilesContext, type FilesContextValue } from './files-context.ts'
import { Icon } from './Icon.tsx'
import { Lightbox } from './Lightbox.tsx'
import { MemberList } from './MemberList.tsx'
import { MessageList } from './MessageList.tsx'
import { RoomNotifications } from './RoomNotifications.tsx'
import { useReadPosition } from './use-read-position.ts'

const STATUS_LABEL = {
  open: 'Connected',
  connecting: 'Connecting',
  authenticating: 'Connecting',
  reconnecting: 'Reconnecting',
  closed: 'Disconnected',
} as const

export function ChatView(props: {
  state: AppState
  /** The window's uploads (they go on while another room is shown). */
  sender: FileSender
  fallbackName: string
  onLeave: () => void
  onInvite: () => void
  onStopHosting: () => void
  onEnterPassword: () => void
  /** Phone-sized windows: show the room list (and settings) without leaving the room. */
  onShowRooms: () => void
}) {
  const { session, messages, outbox, members, typing, hosting } = props.state
  const [showMembers, setShowMembers] = useState(() => window.matchMedia('(min-width: 900px)').matches)
  // The panel sits beside the messages on wide windows and over them on narrow ones: follow the width.
  useEffect(() => {
    const mq = window.matchMedia('(min-width: 900px)')
    const follow = () => setShowMembers(mq.matches)
    mq.addEventListener('change', follow)
    return () => mq.removeEventListener('change', follow)
  }, [])
  const [sentSignal, setSentSignal] = useState(0)
  // When the composer last sent: the time shown on messages still in the outbox.
  const [sentAt, setSentAt] = useState(() => Date.now())
  const roomName = session.room?.name ?? props.fallbackName
  // The conversation shown: the room (no direct messages), or the direct messages with one member.
  const youId = session.you?.id
  const roomId = session.room?.id
  const rc = roomConversations(props.state.conversations, roomId)
  const open = rc.open
  const dm = open !== ROOM_CONVERSATION
  // Only this room's uploads: those started in another room go on there, out of sight.
  const uploads = useMemo(() => props.state.uploads.filter((u) => u.roomId === roomId), [props.state.uploads, roomId])
  const shown = useMemo(() => messagesOf(messages, open, youId), [messages, open, youId])
  const shownOutbox = useMemo(() => messagesOf(outbox, open, youId), [outbox, open, youId])
  const partner = useMemo(
    () =>
      dm ? listConversations(messages, { open, opened: [open], seen: {} }, session.you, members).find((c) => c.key === open) : undefined,
    [dm, open, messages, session.you, members],
  )
  const title = partner?.who ? whoLabel(partner.who) : roomName
  const items = useMemo(
    () => buildTimeline({ messages: shown, outbox: shownOutbox, you: session.you, members, now: sentAt, uploads: dm ? [] : uploads }),
    [shown, shownOutbox, session.you, members, sentAt, uploads, dm],
  )
  const files = useFiles(props.state, props.sender)
  const dispatch = useDispatch()
  const beacon = useBridge()
  useFocusComposerOn(open)
  const attach = useRef<Attach>(null)
  const drop = useDropZone((list) => attach.current?.(list))
  const [atBottom, setAtBottom] = useState(true)
  // The read position is the room's: a direct conversation neither shows the line nor moves it.
  const read = useReadPosition({
    roomId: session.room?.id,
    messages: dm ? [] : shown,
    youId: session.you?.id,
    readUpTo: session.room ? props.state.readUpTo[session.room.id] : undefined,
    start: props.state.window.start,
  })
  const unread = useUnread(shown, session.you?.id, atBottom)
  const mentions = titleMentions(props.state.capabilities.severalRooms, props.state.joined, props.state.mentionsUnread)
  // A direct conversation seen is remembered as the room's own position is (its read key), so its messages are not
  // unread again after a restart, and the app's mention count leaves them out.
  const dmSeen = dm ? rc.seen[open] : undefined
  const readUpTo = props.state.readUpTo
  useEffect(() => {
    if (roomId === undefined || dmSeen === undefined) return
    const key = conversationReadKey(roomId, open)
    if ((readUpTo[key] ?? -1) >= dmSeen) return
    dispatch({ type: 'read', key, seq: dmSeen })
    void beacon.markRead(key, dmSeen)
  }, [roomId, open, dmSeen, readUpTo, dispatch, beacon])
  const target = useMessageTarget(props.state, open)
  useEffect(() => {
    document.title = tabTitle(roomName, unread, mentions)
  }, [roomName, unread, mentions])
  useEffect(() => () => void (document.title = tabTitle(undefined, 0)), [])
  const hostingThis = hosting.status === 'on' && hosting.room !== undefined && hosting.room.id === session.room?.id
  const status = session.connection.status
  const typingLine = typingText(typing, session.you?.id)

  return (
    <section
      className={showMembers ? 'chat with-members' : 'chat'}
      aria-label={dm ? `Direct messages with ${title} in ${roomName}` : `Room ${roomName}`}
    >
      <header className="chat-header">
        <button
          type="button"
          className="icon-button nav-rooms"
          aria-label="All rooms"
          title="All rooms and settings"
          onClick={props.onShowRooms}
        >
          <Icon name="back" />
        </button>
        <div className="chat-title">
          <h1>
            {title}
            {dm ? <span className="dm-label"> · direct message</span> : null}
          </h1>
          <p className="connection-details">
            <span className={`status-dot ${status}`} aria-hidden="true" />
            <span>{STATUS_LABEL[status]}</span>
            {session.transport && session.transport !== 'websocket' ? (
              <span className="limited" title={`Connected over ${session.transport} because WebSocket did not get through`}>
                Limited connection: using a slower fallback
              </span>
            ) : null}
            {hostingThis ? <span className="hosting-badge">Hosting</span> : null}
            <span className="sep" aria-hidden="true">
              ·
            </span>
            <span>{members.length === 1 ? '1 member' : `${members.length} members`}</span>
          </p>
        </div>
        <div className="chat-actions">
          <button
            type="button"
            className="button ghost"
            aria-pressed={showMembers}
            aria-controls="members-panel"
            onClick={() => setShowMembers((v) => !v)}
            title="Show or hide members"
          >
            <Icon name="users" />
            <span className="label-wide">People</span>
          </button>
          {session.room ? <RoomNotifications roomId={session.room.id} settings={props.state.notifications} /> : null}
          {session.room ? (
            <button type="button" className="button ghost" onClick={props.onInvite}>
              <Icon name="link" />
              <span>Invite</span>
            </button>
          ) : null}
          {hostingThis ? (
            <button type="button" className="button danger-ghost" onClick={props.onStopHosting}>
              Stop hosting
            </button>
          ) : null}
          <button type="button" className="button ghost" onClick={props.onLeave}>
            <Icon name="leave" />
            <span>Leave</span>
          </button>
        </div>
      </header>
      <ConnectionBanner session={session} onEnterPassword={props.onEnterPassword} onLeave={props.onLeave} />
      <div className="chat-main">
        <FilesContext value={files.context}>
          <div className="chat-column" {...drop.handlers}>
            {drop.over ? (
              <div className="drop-zone" aria-hidden="true">
                <Icon name="upload" size={28} />
                <p>
                  {dm
                    ? `Files go to the whole room: drop them in # ${roomName}`
                    : files.context.access
                      ? `Drop files to send them to ${roomName}`
                      : 'This room does not take files'}
                </p>
              </div>
            ) : null}
            <MessageList
              items={items}
              roomKey={`${roomId ?? 'none'}:${open}`}
              waiting={props.state.awaitingHistory}
              {...(target ? { target } : {})}
              scrollToEndSignal={sentSignal}
              onAtBottom={setAtBottom}
              window={props.state.window}
              {...(dm ? {} : { divider: read.divider, onSeen: read.onSeen })}
            />
            <div className="typing-line" aria-live="polite">
              {typingLine ? (
                <>
                  <span className="typing-dots" aria-hidden="true">
                    <i />
                    <i />
                    <i />
                  </span>
                  {typingLine}
                </>
              ) : null}
            </div>
            <Composer
              key={`${roomId ?? 'none'}:${open}`}
              draftKey={draftKey(roomId ?? '', open)}
              roomName={title}
              {...(dm ? { to: open } : {})}
              blockedReason={composerBlockedReason(session)}
              onSent={() => {
                setSentSignal((n) => n + 1)
                setSentAt(Date.now())
              }}
              attachRef={attach}
              canAttach={files.context.access !== undefined && !dm}
              onFiles={files.send}
              members={members}
              youId={session.you?.id}
            />
          </div>
          {files.lightbox ? <Lightbox file={files.lightbox} onClose={files.closeLightbox} /> : null}
        </FilesContext>
        <MemberList
          id="members-panel"
          hidden={!showMembers}
          members={members}
          you={session.you}
          onMessage={(id) => {
            if (roomId !== undefined) dispatch({ type: 'openConversation', roomId, key: id })
            // Over the messages on narrow windows: out of the way of the conversation just opened.
            if (!window.matchMedia('(min-width: 900px)').matches) setShowMembers(false)
          }}
        />
      </div>
    </section>
  )
}

/** Another conversation opened (from the sidebar or the member list): the reader is there to write. */
function useFocusComposerOn(open: string) {
  const prev = useRef(open)
  useEffect(() => {
    if (open === prev.current) return
    prev.current = open
    document.querySelector<HTMLElement>('.chat textarea:enabled')?.focus()
  }, [open])
}

/**
 * How many messages from others arrived while the reader was away: the tab hidden or the list scrolled up
 * from the bottom. Seen again (visible and at the bottom), the count clears. The app state is told whether
 * the reader is reading, for the mentions it counts.
 */
function useUnread(messages: AppState['messages'], youId: string | undefined, atBottom: boolean): number {
  const dispatch = useDispatch()
  const [hidden, setHidden] = useState(() => document.hidden)
  useEffect(() => {
    const follow = () => setHidden(document.hidden)
    document.addEventListener('visibilitychange', follow)
    return () => document.removeEventListener('visibilitychange', follow)
  }, [])
  const away = hidden || !atBottom
  useEffect(() => dispatch({ type: 'reading', reading: !away }), [dispatch, away])
  const lastSeq = messages.at(-1)?.seq ?? 0
  // The last message the reader had in view when they went away; undefined while they are looking.
  const [seenSeq, setSeenSeq] = useState<number>()
  if (away && seenSeq === undefined) setSeenSeq(lastSeq)
  if (!away && seenSeq !== undefined) setSeenSeq(undefined)
  return unreadCount(messages, away ? (seenSeq ?? lastSeq) : undefined, youId)
}

/**
 * A message to bring into view (a clicked notification): its conversation is opened, older pages are loaded
 * until it is held, then the message list scrolls to it and says when it did (`done`). A message that cannot be
 * found is given up on.
 */
function useMessageTarget(state: AppState, open: string): { id: string; done: () => void } | undefined {
  const dispatch = useDispatch()
  const beacon = useBridge()
  const roomId = state.session.room?.id
  const target = state.target?.roomId === roomId ? state.target : undefined
  const m = target ? state.messages.find((x) => x.seq === target.seq) : undefined
  const conversation = m ? conversationOf(m, state.session.you?.id) : undefined
  const firstSeq = state.messages[0]?.seq
  const start = state.window.start
  const waiting = state.awaitingHistory
  useEffect(() => {
    if (!target || roomId === undefined || conversation !== undefined || waiting) return
    // Only older pages can hold it (each page that arrives runs this again).
    if (start || (firstSeq !== undefined && target.seq > firstSeq)) return dispatch({ type: 'targetDone', n: target.n })
    void beacon.loadOlder().then((r) => {
      if (!r.ok) dispatch({ type: 'targetDone', n: target.n })
    })
  }, [target, roomId, conversation, firstSeq, start, waiting, beacon, dispatch])
  useEffect(() => {
    if (roomId !== undefined && conversation !== undefined && conversation !== open)
      dispatch({ type: 'openConversation', roomId, key: conversation })
  }, [roomId, conversation, open, dispatch])
  const n = target?.n
  return useMemo(
    () => (m && n !== undefined && conversation === open ? { id: m.id, done: () => dispatch({ type: 'targetDone', n }) } : undefined),
    [m, n, conversation, open, dispatch],
  )
}

/** The room's files: what the message list's files need (FilesContext), the lightbox, and sending to this room. */
function useFiles(state: AppState, sender: FileSender) {
  const access = state.session.files
  const roomId = state.session.room?.id
  const [lightbox, setLightbox] = useState<FileRef>()
  const context = useMemo<FilesContextValue>(
    () => ({ access, saveFiles: state.capabilities.saveFiles, downloads: state.downloads, openImage: setLightbox, sender }),
    [access, state.capabilities.saveFiles, state.downloads, sender],
  )
  return {
    context,
    lightbox,
    closeLightbox: () => setLightbox(undefined),
    send: (list: File[], caption?: string) => (roomId !== undefined ? sender.add(roomId, list, caption) : 'Join the room first.'),
  }
}

/** Files dragged over the chat: show where they go while dragging, hand them over when dropped. */
function useDropZone(onDrop: (files: File[]) => void) {
  const [over, setOver] = useState(false)
  // dragenter/dragleave fire for every child crossed: count them, so moving over a message is not leaving.
  const depth = useRef(0)
  const carriesFiles = (e: React.DragEvent) => e.dataTransfer.types.includes('Files')
  const handlers = {
    onDragEnter: (e: React.DragEvent) => {
      if (!carriesFiles(e)) return
      e.preventDefault()
      depth.current++
      setOver(true)
    },
    onDragOver: (e: React.DragEvent) => {
      if (!carriesFiles(e)) return
      e.preventDefault()
      e.dataTransfer.dropEffect = 'copy'
    },
    onDragLeave: (e: React.DragEvent) => {
      if (!carriesFiles(e)) return
      depth.current = Math.max(0, depth.current - 1)
      if (depth.current === 0) setOver(false)
    },
    onDrop: (e: React.DragEvent) => {
      if (!carriesFiles(e)) return
      e.preventDefault()
      depth.current = 0
      setOver(false)
      onDrop([...e.dataTransfer.files])
    },
  }
  return { over, handlers }
}
