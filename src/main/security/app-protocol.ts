// The `app://beacon/` scheme that serves the renderer build in the packaged app (instead of file://, so
// the page has an origin of its own that the checks above can name). Maps a request URL to a file inside
// the renderer folder and nothing outside it.
import { extname, join, normalize, sep } from 'node:path'

export const APP_SCHEME = 'app'
export const APP_HOST = 'beacon'
export const APP_BASE = `${APP_SCHEME}://${APP_HOST}/`

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
}

/** The file under `root` that `url` names, or undefined (wrong host, traversal, odd characters). */
export function resolveAppFile(root: string, url: string): string | undefined {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return undefined
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return undefined
  let path: string
  try {
    path = decodeURIComponent(u.pathname)
  } catch {
    return undefined
  }
  if (path.includes('\0') || path.includes('\\')) return undefined
  if (path === '/' || path === '') path = '/index.html'
  const file = normalize(join(root, path))
  const base = normalize(root.endsWith(sep) ? root : root + sep)
  return file.startsWith(base) ? file : undefined
}

export function contentType(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
}
