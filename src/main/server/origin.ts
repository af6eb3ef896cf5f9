// Who may open a WebSocket to the host. Browsers always send Origin, so a page from another site is
// refused (cross-site WebSocket hijacking); clients without Origin (desktop app, Node, CLI) are allowed.
// The Host header must also name this machine, or DNS rebinding would make evil.example same-origin.
import { isIP } from 'node:net'

export function isAllowedHost(hostHeader: string | undefined, ownNames: ReadonlySet<string>): boolean {
  if (!hostHeader) return false
  let hostname: string
  try {
    hostname = new URL(`http://${hostHeader}`).hostname.toLowerCase()
  } catch {
    return false
  }
  const bare = hostname.replace(/^\[|\]$/g, '')
  return isIP(bare) !== 0 || bare === 'localhost' || bare.endsWith('.local') || ownNames.has(bare)
}

export function isAllowedOrigin(origin: string | undefined, hostHeader: string | undefined, ownNames: ReadonlySet<string>): boolean {
  if (origin === undefined) return true
  if (!isAllowedHost(hostHeader, ownNames)) return false
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.host.toLowerCase() === hostHeader!.toLowerCase()
}
