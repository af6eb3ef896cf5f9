// The desktop app's "Your rooms": every room it is in, in join order, each with its state (connecting, host
// offline, needs the password), its unread count and its "@N" of mentions and direct messages to the reader.
// The room shown is marked current and lists its conversations under it; each room can be left from here.
// Ctrl+1…9 (⌘ on a Mac) show the first nine.
import { useId } from 'react'
import type { JoinedRoom } from '../../shared/bridge.ts'
import { Conversations, RoomName, type ConversationsNav } from './RoomList.tsx'
import { Icon } from './Icon.tsx'

/** What a room's state is called, in the row's name and its second line; nothing while it is live. */
const STATUS_TEXT: Record<JoinedRoom['status'], string | undefined> = {
  live: undefined,
  connecting: 'Connecting…',
  offline: 'Host offline',
  password: 'Needs the password',
}

export function JoinedRooms(props: {
  joined: readonly JoinedRoom[]
  shownId: string | undefined
  /** The modifier key's name for aria-keyshortcuts ("Control" or "Meta"). */
  modifier: string
  onOpen: (room: JoinedRoom) => void
  onLeave: (room: JoinedRoom) => void
  conversations?: ConversationsNav
}) {
  const headingId = useId()
  if (props.joined.length === 0) return null
  return (
    <section className="rooms joined-rooms" aria-labelledby={headingId}>
      <h2 id={headingId} className="panel-title">
        Your rooms
      </h2>
      {/* Named by its section ("Your rooms"): the list named "Rooms" stays the network's, as in the browser client. */}
      <ul className="room-list">
        {props.joined.map((room, i) => (
          <JoinedRow
            key={room.id}
            room={room}
            shown={room.id === props.shownId}
            shortcut={i < 9 ? `${props.modifier}+${i + 1}` : undefined}
            onOpen={() => props.onOpen(room)}
            onLeave={() => props.onLeave(room)}
            {...(room.id === props.shownId && props.conversations ? { conversations: props.conversations } : {})}
          />
        ))}
      </ul>
    </section>
  )
}

function JoinedRow(props: {
  room: JoinedRoom
  shown: boolean
  shortcut: string | undefined
  onOpen: () => void
  onLeave: () => void
  conversations?: ConversationsNav
}) {
  const { room } = props
  const status = STATUS_TEXT[room.status]
  const meta = [status, room.hosted ? 'Hosting' : undefined].filter(Boolean).join(' · ')
  const unread = room.unread > 0 ? `${room.unread}${room.unreadMore ? '+' : ''}` : undefined
  const mentions = room.mentions > 0 ? mentionsText(room.mentions) : undefined
  const classes = ['room', 'joined', props.shown ? 'current' : '', props.conversations ? 'with-conversations' : '', `status-${room.status}`]
  return (
    <li className={classes.filter(Boolean).join(' ')}>
      {/* Named by what it shows: "Lunch, password required, Host offline, 1 mention or direct message, 3 unread". */}
      <button
        type="button"
        className="room-open"
        aria-current={props.shown ? 'true' : undefined}
        aria-keyshortcuts={props.shortcut}
        onClick={props.onOpen}
      >
        <span className="room-info">
          <RoomName room={room} />
          {meta ? (
            <span className="room-meta">
              <span className="sr-only">, </span>
              {meta}
            </span>
          ) : null}
        </span>
        {mentions ? (
          <span className="mention-count" title={mentions}>
            <span aria-hidden="true">@{room.mentions}</span>
            <span className="sr-only">, {mentions}</span>
          </span>
        ) : null}
        {unread ? (
          <span className="unread-badge">
            <span className="sr-only">, </span>
            {unread}
            <span className="sr-only"> unread</span>
          </span>
        ) : null}
      </button>
      <button
        type="button"
        className="icon-button small room-leave"
        aria-label={`Leave ${room.name}`}
        title="Leave"
        onClick={props.onLeave}
      >
        <Icon name="close" size={14} />
      </button>
      {props.conversations ? <Conversations nav={props.conversations} roomName={room.name} /> : null}
    </li>
  )
}

/** "@N" counts mentions of the reader and direct messages to them. */
const mentionsText = (n: number) => (n === 1 ? '1 mention or direct message' : `${n} mentions or direct messages`)
