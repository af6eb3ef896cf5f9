// Split message text into plain text and links, safely: a link is only ever an http(s) or mailto URL
// checked with the URL parser; everything else stays text. Rendering these parts as React text nodes and
// anchors means no HTML from a message is ever interpreted. Pure.
import { find } from 'linkifyjs'

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string }

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:'])

/** The URL to open for `href`, or undefined unless it parses and is http, https or mailto. */
export function safeHref(href: string): string | undefined {
  let url: URL
  try {
    url = new URL(href)
  } catch {
    return undefined
  }
  if (!SAFE_PROTOCOLS.has(url.protocol)) return undefined
  if (url.protocol !== 'mailto:' && url.hostname === '') return undefined
  return url.href
}

export function splitLinks(text: string): TextPart[] {
  const parts: TextPart[] = []
  let pos = 0
  const push = (t: string) => {
    if (t === '') return
    const prev = parts.at(-1)
    if (prev?.kind === 'text') prev.text += t
    else parts.push({ kind: 'text', text: t })
  }
  for (const m of find(text)) {
    if (m.start < pos) continue
    push(text.slice(pos, m.start))
    const href = m.isLink ? safeHref(m.href) : undefined
    if (href) parts.push({ kind: 'link', text: text.slice(m.start, m.end), href })
    else push(text.slice(m.start, m.end))
    pos = m.end
  }
  push(text.slice(pos))
  return parts
}
