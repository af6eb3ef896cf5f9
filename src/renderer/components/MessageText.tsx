// A message's text: React text nodes and anchors only, so nothing in a message is ever parsed as HTML.
// Links are http, https or mailto only (state/links.ts). The desktop app opens them through the bridge
// (the system browser, the mail app); the browser build lets the browser follow them: web links in a new
// tab, mail links in the mail app.
import { memo, use } from 'react'
import { splitLinks } from '../state/links.ts'
import { useBridge } from '../state/use-app.ts'
import { LinkModeContext } from './link-mode.ts'

export const MessageText = memo(function MessageText({ text }: { text: string }) {
  const beacon = useBridge()
  const mode = use(LinkModeContext)
  const parts = splitLinks(text)
  return (
    <p className="message-text">
      {parts.map((p, i) =>
        p.kind === 'text' ? (
          p.text
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
