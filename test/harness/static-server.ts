// Serves the real renderer build (out/renderer, from `npm run build`) on loopback, as the app's
// `app://beacon/` protocol does: files inside the folder only. No CSP header on purpose, so tests see
// what the built index.html's own meta tag enforces. `/room-files/` goes to the app's file proxy, as in
// the app's protocol handler.
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, normalize, sep } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import { fileURLToPath } from 'node:url'
import { isRoomFilesPath } from '../../src/main/files/proxy.ts'
import { contentType } from '../../src/main/server/static-files.ts'

export const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer/', import.meta.url))

export function rendererBuilt(dir = RENDERER_DIR): boolean {
  return existsSync(join(dir, 'index.html'))
}

export interface StaticServer {
  url: string
  close(): Promise<void>
}

/** The app's `/room-files/` handler (AppService.roomFiles): Web Request in, Web Response out. */
export type RoomFilesHandler = (request: Request) => Promise<Response>

export async function serveRenderer(root = RENDERER_DIR, roomFiles?: RoomFilesHandler): Promise<StaticServer> {
  if (!rendererBuilt(root)) throw new Error(`no renderer build in ${root}: run \`npm run build\` first`)
  const base = normalize(root.endsWith(sep) ? root : root + sep)
  const server: Server = createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0]!
    if (roomFiles && isRoomFilesPath(pathname)) return void forward(roomFiles, req, res)
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

/** node:http ↔ Web Request/Response around the proxy, both bodies streamed; a client gone aborts the request. */
async function forward(handler: RoomFilesHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const abort = new AbortController()
  res.on('close', () => {
    if (!res.writableFinished) abort.abort()
  })
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value)
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  try {
    const answer = await handler(
      new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`), {
        method: req.method,
        headers,
        body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null,
        signal: abort.signal,
        ...(hasBody ? { duplex: 'half' } : {}),
      } as RequestInit),
    )
    res.writeHead(answer.status, Object.fromEntries(answer.headers))
    if (answer.body) await pipeline(Readable.fromWeb(answer.body as NodeReadableStream), res)
    else res.end()
  } catch {
    res.destroy()
  }
}
