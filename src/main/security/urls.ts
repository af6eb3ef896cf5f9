// Where the window may go and which links may leave it. Every decision parses the URL (never
// `startsWith`): `https://good.example.attacker.test` is not `https://good.example`.

/** The app's own pages: `app://beacon/` in the packaged app, the dev server or the harness's origin in tests. */
export interface AppOrigin {
  protocol: string
  host: string
}

export function appOrigin(base: string): AppOrigin {
  const u = new URL(base)
  return { protocol: u.protocol, host: u.host }
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url)
  } catch {
    return undefined
  }
}

/** Is `url` one of the app's own pages (same scheme and host:port, no credentials)? */
export function isAppUrl(url: string | undefined | null, origin: AppOrigin): boolean {
  if (typeof url !== 'string') return false
  const u = parse(url)
  if (!u) return false
  return u.protocol === origin.protocol && u.host === origin.host && u.host !== '' && u.username === '' && u.password === ''
}

/**
 * `will-navigate` / `will-frame-navigate`: the single-page app never navigates, so only a reload of its
 * own page is let through; everything else is refused (and links go to the system browser instead).
 */
export function mayNavigate(url: string, origin: AppOrigin): boolean {
  return isAppUrl(url, origin)
}

const EXTERNAL_SCHEMES = new Set(['http:', 'https:', 'mailto:'])

/**
 * The URL to hand to `shell.openExternal`, or undefined when it must not leave the app: only http, https
 * (with a host and no embedded credentials) and mailto.
 */
export function externalUrl(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.length > 2048) return undefined
  const u = parse(url.trim())
  if (!u || !EXTERNAL_SCHEMES.has(u.protocol)) return undefined
  if (u.protocol === 'mailto:') return u.pathname.includes('@') ? u.href : undefined
  if (u.hostname === '' || u.username !== '' || u.password !== '') return undefined
  return u.href
}
