// A message's text: React text nodes, anchors and mention chips only, so nothing in a message is ever
// parsed as HTML. A mention chip is the "@Name" of a member the message names in its `mentions`.
// Links are http, https or mailto only (state/links.ts). The desktop app opens them through the bridge
// (the system browser, the mail app); the browser build lets the browser follow them: web links in a new
// tab, mail links in the mail app.
import { memo, use } from 'react'
import { splitLinks } from '../state/links.ts'
import { splitMentions, type MentionName } from '../state/mentions.ts'
import { useBridge } from '../state/use-app.ts'
import { LinkModeContext } from './link-mode.ts'

export const MessageText = memo(function MessageText({ text, mentions }: { text: string; mentions: readonly MentionName[] }) {
  const beacon = useBridge()
  const mode = use(LinkModeContext)
  const parts = splitLinks(text)
  return (
    <p className="message-text">
      {parts.map((p, i) =>
        p.kind === 'text' ? (
          mentions.length === 0 ? (
            p.text
          ) : (
            splitMentions(p.text, mentions).map((q, j) =>
              q.kind === 'text' ? (
                q.text
              ) : (
                <span key={`${i}.${j}`} className={q.you ? 'mention you' : 'mention'}>
                  {q.text}
                </span>
              ),
            )
          )
        ) : (
          <a
            key={i}
            href={p.href}
            rel="noreferrer noopener"
            target={p.href.startsWith('mailto:') ? undefined : '_blank'}
            title={p.href}
            onClick={
              mode === 'bridge'
                ? (e) => {
                    e.preventDefault()
                    void beacon.openExternal(p.href)
                  }
                : undefined
            }
          >
            {p.text}
          </a>
        ),
      )}
    </p>
  )
})
