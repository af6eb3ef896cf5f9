// Serves the real renderer build (out/renderer, from `npm run build`) on loopback, as the app's
// `app://beacon/` protocol does: files inside the folder only. No CSP header on purpose, so tests see
// what the built index.html's own meta tag enforces.
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { contentType } from '../../src/main/server/static-files.ts'

export const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer/', import.meta.url))

export function rendererBuilt(dir = RENDERER_DIR): boolean {
  return existsSync(join(dir, 'index.html'))
}

export interface StaticServer {
  url: string
  close(): Promise<void>
}

export async function serveRenderer(root = RENDERER_DIR): Promise<StaticServer> {
  if (!rendererBuilt(root)) throw new Error(`no renderer build in ${root}: run \`npm run build\` first`)
  const base = normalize(root.endsWith(sep) ? root : root + sep)
  const server: Server = createServer((req, res) => {
    let path: string
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    } catch {
      path = '/'
    }
    if (path === '/') path = '/index.html'
    const file = normalize(join(base, path))
    if (!file.startsWith(base) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      return res.end('not found')
    }
    res.writeHead(200, { 'Content-Type': contentType(file), 'Cache-Control': 'no-store' })
    createReadStream(file).pipe(res)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}
