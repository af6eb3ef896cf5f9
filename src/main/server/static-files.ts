// The browser client: files of the renderer's web build, never anything outside its folder.
import { createReadStream, statSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
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
  'Cross-Origin-Opener-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
} as const

const PLACEHOLDER = `<!doctype html><meta charset="utf-8"><title>Beacon</title>
<p>This Beacon room host has no browser client built. Run <code>npm run build</code>, or join from the Beacon app.</p>`

export const contentType = (file: string): string => TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'

/** Serve `pathname` from `root`; answers 404 for anything missing, and the app shell for `/`. */
export function serveStatic(root: string | undefined, pathname: string, res: ServerResponse): void {
  const file = root && existingFile(resolveInside(root, pathname))
  if (!file) {
    if (pathname === '/') {
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': TYPES['.html']! })
      res.end(PLACEHOLDER)
      return
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' })
    res.end('not found')
    return
  }
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': contentType(file),
    'Cache-Control': file.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
  })
  createReadStream(file).pipe(res)
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

function existingFile(file: string | undefined): string | undefined {
  try {
    return file && statSync(file).isFile() ? file : undefined
  } catch {
    return undefined
  }
}
