// One room: header with its controls, the connection banner, messages, who is typing, the composer,
// and the member list.
import { useEffect, useMemo, useState } from 'react'
import type { AppState } from '../state/app.ts'
import { composerBlockedReason } from '../state/connection.ts'
import { buildTimeline } from '../state/timeline.ts'
import { typingText } from '../state/typing.ts'
import { Composer } from './Composer.tsx'
import { ConnectionBanner } from './ConnectionBanner.tsx'
import { Icon } from './Icon.tsx'
import { MemberList } from './MemberList.tsx'
import { MessageList } from './MessageList.tsx'

const STATUS_LABEL = {
  open: 'Connected',
  connecting: 'Connecting',
  authenticating: 'Connecting',
  reconnecting: 'Reconnecting',
  closed: 'Disconnected',
} as const

export function ChatView(props: {
  state: AppState
  fallbackName: string
  onLeave: () => void
  onInvite: () => void
  onStopHosting: () => void
  onEnterPassword: () => void
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
  const roomName = session.room?.name ?? props.fallbackName
  const items = useMemo(() => buildTimeline({ messages, outbox, you: session.you, now: Date.now() }), [messages, outbox, session.you])
  const hostingThis = hosting.status === 'on' && hosting.room !== undefined && hosting.room.id === session.room?.id
  const status = session.connection.status
  const typingLine = typingText(typing, session.you?.id)

  return (
    <section className={showMembers ? 'chat with-members' : 'chat'} aria-label={`Room ${roomName}`}>
      <header className="chat-header">
        <div className="chat-title">
          <h1>{roomName}</h1>
          <p className="connection-details">
            <span className={`status-dot ${status}`} aria-hidden="true" />
            <span>{STATUS_LABEL[status]}</span>
            {session.transport ? (
              <span className="transport" title="Transport in use">
                {session.transport}
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
        <div className="chat-column">
          <MessageList items={items} roomKey={session.room?.id ?? 'none'} scrollToEndSignal={sentSignal} window={props.state.window} />
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
          <Composer roomName={roomName} blockedReason={composerBlockedReason(session)} onSent={() => setSentSignal((n) => n + 1)} />
        </div>
        {showMembers ? <MemberList id="members-panel" members={members} you={session.you} /> : null}
      </div>
    </section>
  )
}
