// The renderer's same-origin file routes: `/room-files/<room id>/<rest>` is forwarded to that joined room's host's
// `/api/files/<rest>` (docs/PROTOCOL-FILES.md), so the app's CSP stays 'self' and the UI's file code is the
// browser client's. Only the file protocol passes: its paths, its headers both ways, nothing else of the host
// and no other host; bodies stream (a 2 GiB upload is never held in memory). Web Request/Response in and
// out, so Electron's protocol.handle uses it as it is and the test harness converts node:http around it.
import { FILES_PATH } from '../../shared/files.ts'
import { ERRORS, type ErrorCode } from '../../shared/errors.ts'
import { RoomIdText } from '../../shared/protocol.ts'

/** Where the renderer reaches the rooms' file routes. */
export const ROOM_FILES_PATH = '/room-files'

/**
 * One room's file routes (RoomSession's `filesBase` in the app): each joined room has its own, so an upload
 * started in one room keeps going to that room's host while the user looks at another.
 */
export const roomFilesBase = (roomId: string): string => `${ROOM_FILES_PATH}/${encodeURIComponent(roomId)}`

/** `<room id, percent-encoded>/<rest>`: the id is checked once decoded (up to nine characters encode one). */
const ROOM_AND_REST = /^([^/]+)\/(.*)$/s

/** `uploads`, `uploads/<id>` or `<fileId>`: plain segments only, so no encoding or dot segment reaches the host. */
const REST = /^[A-Za-z0-9_-]{1,128}(?:\/[A-Za-z0-9_-]{1,128})?$/
const METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'POST', 'PATCH', 'DELETE'])

/** Request headers the file protocol uses (tus and Range); cookies, origin and the rest stay in the app. */
const REQUEST_HEADERS = [
  'range',
  'if-range',
  'authorization',
  'tus-resumable',
  'upload-offset',
  'upload-length',
  'upload-metadata',
  'content-type',
  'content-length',
]
/** Answer headers passed back; Location is rewritten to the proxy, and Upload-* / Tus-* pass by prefix. */
const ANSWER_HEADERS = ['content-type', 'content-length', 'content-range', 'accept-ranges', 'etag', 'content-disposition', 'cache-control']
const ANSWER_PREFIXES = ['upload-', 'tus-']
/** Whatever the host says: its bytes are never sniffed into a type, nor run as a document. */
const ALWAYS = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; sandbox",
  'Cross-Origin-Resource-Policy': 'same-origin',
}
/** Statuses whose answers carry no body (the Response constructor refuses one). */
const NO_BODY = new Set([101, 103, 204, 205, 304])

/** True when the proxy answers this path (the caller sends everything else to its own files). */
export const isRoomFilesPath = (pathname: string): boolean => pathname.startsWith(`${ROOM_FILES_PATH}/`)

/**
 * Answer one request for `/room-files/<room id>/...`. `hostOf` gives a joined room's HTTP origin
 * (`http://host:port`), or undefined when the app is not in that room (404).
 */
export async function proxyRoomFiles(request: Request, hostOf: (roomId: string) => string | undefined): Promise<Response> {
  const url = new URL(request.url)
  const parts = ROOM_AND_REST.exec(url.pathname.slice(ROOM_FILES_PATH.length + 1))
  const roomSegment = parts?.[1] ?? ''
  const rest = parts?.[2] ?? ''
  const roomId = parts ? decoded(roomSegment) : undefined
  const route = isRoomFilesPath(url.pathname) && REST.test(rest)
  if (!route || roomId === undefined || !RoomIdText.safeParse(roomId).success) return fail('file_not_found', 'No such file route')
  const host = hostOf(roomId)
  if (host === undefined) return fail('not_connected', 'You are not in that room', 404)
  if (!METHODS.has(request.method)) return fail('bad_argument', 'Method not allowed', 405)
  const target = new URL(`${FILES_PATH}/${rest}${url.search}`, host)
  const headers = new Headers({ 'accept-encoding': 'identity' })
  for (const name of REQUEST_HEADERS) {
    const v = request.headers.get(name)
    if (v !== null) headers.set(name, v)
  }
  const hasBody = request.body !== null && request.method !== 'GET' && request.method !== 'HEAD'
  let answer: Response
  try {
    answer = await fetch(target, {
      method: request.method,
      headers,
      body: hasBody ? request.body : null,
      redirect: 'manual',
      signal: request.signal,
      ...(hasBody ? { duplex: 'half' } : {}),
    } as RequestInit)
  } catch (e) {
    if (request.signal.aborted) return new Response(null, { status: 499 })
    return fail('unreachable', `The room's host did not answer: ${e instanceof Error ? e.message : String(e)}`)
  }
  const out = new Headers(ALWAYS)
  for (const [name, value] of answer.headers) {
    if (ANSWER_HEADERS.includes(name) || ANSWER_PREFIXES.some((p) => name.startsWith(p))) out.set(name, value)
  }
  const location = answer.headers.get('location')
  if (location !== null) {
    const path = new URL(location, target)
    if (path.origin === target.origin && path.pathname.startsWith(`${FILES_PATH}/`))
      out.set('location', `${ROOM_FILES_PATH}/${roomSegment}${path.pathname.slice(FILES_PATH.length)}${path.search}`)
  }
  const body = NO_BODY.has(answer.status) || request.method === 'HEAD' ? null : answer.body
  if (body === null) await answer.body?.cancel().catch(() => {})
  return new Response(body, { status: answer.status, statusText: answer.statusText, headers: out })
}

function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

function fail(code: ErrorCode, message: string, status: number = ERRORS[code].status): Response {
  return new Response(JSON.stringify({ type: 'error', code, message }), {
    status,
    headers: { 'Content-Type': 'application/json', ...ALWAYS },
  })
}
