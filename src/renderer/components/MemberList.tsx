// Who is in the room.
import type { Member } from '../../shared/protocol.ts'
import { hueOf, initials } from '../state/format.ts'

export function MemberList(props: { members: readonly Member[]; you?: Member; id?: string }) {
  const sorted = [...props.members].sort((a, b) =>
    a.id === props.you?.id ? -1 : b.id === props.you?.id ? 1 : a.name.localeCompare(b.name),
  )
  return (
    <aside className="members-panel" id={props.id} aria-labelledby="members-title">
      <h2 id="members-title" className="panel-title">
        Members <span className="count">{props.members.length}</span>
      </h2>
      <ul aria-label="Members" className="member-list">
        {sorted.map((m) => (
          <li key={m.id} className="member">
            <span className="avatar small" style={{ '--hue': hueOf(m.id) } as React.CSSProperties} aria-hidden="true">
              {initials(m.name)}
            </span>
            <span className="member-name">{m.name}</span>
            {m.id === props.you?.id ? <span className="you-badge">you</span> : null}
          </li>
        ))}
      </ul>
    </aside>
  )
}
