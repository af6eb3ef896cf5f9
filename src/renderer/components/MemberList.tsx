// Who is in the room: you first, then by name; two members with one name are told apart by a tag. Each
// other member has a "Message" button that opens a direct conversation with them.
import { useId } from 'react'
import type { Member } from '../../shared/protocol.ts'
import { identities, whoLabel } from '../state/identity.ts'
import { Avatar } from './Avatar.tsx'

export function MemberList(props: {
  members: readonly Member[]
  you?: Member
  id?: string
  hidden?: boolean
  /** Open the direct conversation with this member id. */
  onMessage?: (id: string) => void
}) {
  const titleId = useId()
  const youId = props.you?.id
  const sorted = [...props.members].sort((a, b) => (a.id === youId ? -1 : b.id === youId ? 1 : a.name.localeCompare(b.name)))
  const whoOf = identities(props.members)
  return (
    <aside className="members-panel" id={props.id} hidden={props.hidden} aria-labelledby={titleId}>
      <h2 id={titleId} className="panel-title">
        Members <span className="count">{props.members.length}</span>
      </h2>
      <ul aria-label="Members" className="member-list">
        {sorted.map((m) => {
          const who = whoOf(m)
          const self = m.id === youId
          return (
            <li key={m.id} className="member">
              <Avatar name={who.name} id={m.id} self={self} small />
              <span className="member-name">{who.name}</span>
              {who.tag ? <span className="member-tag">· {who.tag}</span> : null}
              {self ? <span className="you-badge">you</span> : null}
              {!self && props.onMessage ? (
                <button
                  type="button"
                  className="button small ghost member-message"
                  aria-label={`Message ${whoLabel(who)}`}
                  title={`A direct message to ${whoLabel(who)}, in this room`}
                  onClick={() => props.onMessage?.(m.id)}
                >
                  Message
                </button>
              ) : null}
            </li>
          )
        })}
      </ul>
    </aside>
  )
}
