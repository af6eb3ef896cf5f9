// The browser client: files of the renderer's web build, never anything outside its folder (symlinks included:
// a file is served only when its real path is inside the root's real path).
import { createReadStream, realpathSync, statSync } from 'node:fs'
import { pipeline } from 'node:stream'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'
import { CONTENT_SECURITY_POLICY } from '../../shared/csp.ts'

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

export const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
} as const

/**
 * The security headers for a page requested by `req`. Cross-Origin-Opener-Policy only on origins a browser
 * trusts (https, loopback): on a plain-http LAN address Chromium ignores it and logs an error on every load.
 */
export function securityHeaders(req: IncomingMessage | undefined): Record<string, string> {
  const trusted = req !== undefined && ((req.socket as { encrypted?: boolean }).encrypted === true || isLoopbackHost(req.headers.host))
  return trusted ? { ...SECURITY_HEADERS, 'Cross-Origin-Opener-Policy': 'same-origin' } : { ...SECURITY_HEADERS }
}

/** Whether a Host header names this machine's loopback (localhost, 127.0.0.0/8, ::1), which browsers trust. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '')
  return name === 'localhost' || name.endsWith('.localhost') || name === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)
}

const PLACEHOLDER = `<!doctype html><meta charset="utf-8"><title>Beacon</title>
<p>This Beacon room host has no browser client built. Run <code>npm run build</code>, or join from the Beacon app.</p>`

export const contentType = (file: string): string => TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'

/**
 * Serve `pathname` from `root`; answers 404 for anything missing or outside it, the app shell for `/`, and
 * 204 for a missing /favicon.ico (browsers ask on every load; the page names no icon).
 */
export function serveStatic(root: string | undefined, pathname: string, res: ServerResponse): void {
  const file = root && existingFile(root, resolveInside(root, pathname))
  if (!file) {
    if (pathname === '/') {
      res.writeHead(200, { ...securityHeaders(res.req), 'Content-Type': TYPES['.html']! })
      res.end(PLACEHOLDER)
      return
    }
    if (pathname === '/favicon.ico') {
      res.writeHead(204, { 'Cache-Control': 'public, max-age=86400' })
      res.end()
      return
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' })
    res.end('not found')
    return
  }
  res.writeHead(200, {
    ...securityHeaders(res.req),
    'Content-Type': contentType(file),
    'Cache-Control': file.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
  })
  // A read error (file removed meanwhile, I/O) ends this response, never the process.
  pipeline(createReadStream(file), res, () => {})
}

/** The file under `root` that a URL path names (`/` is index.html), or undefined for anything that would leave it. */
export function resolveInside(root: string, pathname: string): string | undefined {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    return undefined
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined
  if (decoded === '/' || decoded === '') decoded = '/index.html'
  const file = normalize(join(root, decoded))
  return file.startsWith(normalize(root.endsWith(sep) ? root : root + sep)) ? file : undefined
}

/** The real path of `file` when it is a regular file whose real path is inside the real `root` (symlinks included). */
export function existingFile(root: string, file: string | undefined): string | undefined {
  if (!file) return undefined
  try {
    const real = realpathSync(file)
    const realRoot = realpathSync(root)
    if (!real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) return undefined
    return statSync(real).isFile() ? real : undefined
  } catch {
    return undefined
  }
}
