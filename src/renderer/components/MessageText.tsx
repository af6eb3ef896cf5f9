// A message's text: React text nodes and anchors only, so nothing in a message is ever parsed as HTML.
// Links open in the system browser through the bridge (http, https and mailto only).
import { memo } from 'react'
import { splitLinks } from '../state/links.ts'
import { useBridge } from '../state/use-app.ts'

export const MessageText = memo(function MessageText({ text }: { text: string }) {
  const beacon = useBridge()
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
            target="_blank"
            title={p.href}
            onClick={(e) => {
              e.preventDefault()
              void beacon.openExternal(p.href)
            }}
          >
            {p.text}
          </a>
        ),
      )}
    </p>
  )
})
