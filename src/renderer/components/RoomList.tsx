// The rooms on the network (and, in the browser build, the room that served the page). Under the room
// joined, once it has direct messages: its conversations (the room, then each partner) with unread counts.
// The desktop app lists the rooms it is in apart (JoinedRooms.tsx): here, only those it could join.
import { useId } from 'react'
import type { RoomListing } from '../../shared/bridge.ts'
import type { ConversationItem } from '../state/conversations.ts'
import { whoLabel } from '../state/identity.ts'
import { Icon } from './Icon.tsx'

/** The joined room's conversations, the one shown, and how to show another. */
export interface ConversationsNav {
  items: readonly ConversationItem[]
  open: string
  onSelect: (key: string) => void
}

export function RoomList(props: {
  rooms: readonly RoomListing[]
  currentRoomId?: string
  discovery: boolean
  hosting: boolean
  onJoin: (room: RoomListing) => void
  /** Back to the room already joined (phone-sized windows show the list instead of it). */
  onOpen: () => void
  conversations?: ConversationsNav
  /** Some rooms on the network are left out, being listed apart as joined. */
  othersJoined?: boolean
}) {
  const headingId = useId()
  return (
    <section className="rooms" aria-labelledby={headingId}>
      <h2 id={headingId} className="panel-title">
        {props.discovery ? 'On your network' : 'Rooms'}
        {props.discovery ? <span className="live-dot" title="Looking for rooms" aria-hidden="true" /> : null}
      </h2>
      <ul aria-label="Rooms" className="room-list">
        {props.rooms.map((room) => (
          <RoomRow
            key={room.id}
            room={room}
            current={room.id === props.currentRoomId}
            onJoin={() => props.onJoin(room)}
            onOpen={props.onOpen}
            {...(room.id === props.currentRoomId && props.conversations ? { conversations: props.conversations } : {})}
          />
        ))}
        {props.rooms.length === 0 ? (
          // Inside the list so the list is there, and says what to do, even when empty.
          <li className="empty-state">
            {props.othersJoined
              ? 'No other rooms on your network.'
              : props.discovery
                ? props.hosting
                  ? 'No rooms on your network yet. Host one, or join by address.'
                  : 'No rooms on your network yet. Join one by address.'
                : 'No rooms yet. Join one by address.'}
          </li>
        ) : null}
      </ul>
    </section>
  )
}

function RoomRow(props: { room: RoomListing; current: boolean; onJoin: () => void; onOpen: () => void; conversations?: ConversationsNav }) {
  const { room } = props
  const nameId = useId()
  const metaId = useId()
  const members = room.members === 1 ? '1 member' : `${room.members} members`
  return (
    <li
      className={props.current ? (props.conversations ? 'room current with-conversations' : 'room current') : 'room'}
      aria-labelledby={`${nameId} ${metaId}`}
      aria-current={props.current ? 'true' : undefined}
    >
      <div className="room-info">
        <RoomName room={room} id={nameId} />
        <span className="room-meta" id={metaId}>
          <span className="sr-only">hosted by </span>
          {room.host} · {members}
        </span>
      </div>
      {props.current ? (
        <>
          <span className="joined-badge wide-only">Joined</span>
          <button type="button" className="button small primary narrow-only" onClick={props.onOpen} aria-describedby={nameId}>
            Open
          </button>
        </>
      ) : (
        <button type="button" className="button small" onClick={props.onJoin} aria-describedby={nameId}>
          Join
        </button>
      )}
      {props.conversations ? <Conversations nav={props.conversations} roomName={room.name} /> : null}
    </li>
  )
}

export function Conversations({ nav, roomName }: { nav: ConversationsNav; roomName: string }) {
  // Only a room with direct messages has more than one conversation to tell apart.
  if (nav.items.length < 2) return null
  return (
    <ul className="conversation-list" aria-label={`Conversations in ${roomName}`}>
      {nav.items.map((c) => (
        <li key={c.key}>
          <button
            type="button"
            className="conversation"
            aria-current={c.key === nav.open ? 'true' : undefined}
            onClick={() => nav.onSelect(c.key)}
          >
            {/* Named by what it shows, read as "Ann, direct messages, 2 unread". */}
            <span className="conversation-name">
              {c.who ? whoLabel(c.who) : <span aria-hidden="true"># </span>}
              {c.who ? <span className="sr-only">, direct messages</span> : roomName}
            </span>
            {c.unread > 0 ? (
              <span className="unread-badge">
                <span className="sr-only">, </span>
                {c.unread}
                <span className="sr-only"> unread</span>
              </span>
            ) : null}
          </button>
        </li>
      ))}
    </ul>
  )
}

/** A room's name, with a lock (read as "password required") when it needs one: in both of the sidebar's lists. */
export function RoomName({ room, id }: { room: { name: string; passwordRequired: boolean }; id?: string }) {
  return (
    <span className="room-name" id={id}>
      {room.name}
      {room.passwordRequired ? (
        <span className="lock" title="Password required">
          <Icon name="lock" size={13} />
          <span className="sr-only">, password required</span>
        </span>
      ) : null}
    </span>
  )
}
