// The `app://beacon/` scheme that serves the renderer build in the packaged app (instead of file://, so
// the page has an origin of its own that the checks above can name). Maps a request URL to a file inside
// the renderer folder and nothing outside it.
import { resolveInside } from '../server/static-files.ts'

export const APP_SCHEME = 'app'
export const APP_HOST = 'beacon'
export const APP_BASE = `${APP_SCHEME}://${APP_HOST}/`

/** The file under `root` that `url` names, or undefined (wrong host, traversal, odd characters). */
export function resolveAppFile(root: string, url: string): string | undefined {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return undefined
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return undefined
  return resolveInside(root, u.pathname)
}
