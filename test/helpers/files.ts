// Raw tus 1.0.0 and download requests over node:http for tests (docs/PROTOCOL-FILES.md): exactly the headers and
// bytes a test asks for, answered with status, headers and body bytes.
import { createHash } from 'node:crypto'
import { request, type IncomingHttpHeaders } from 'node:http'
import { FILES_PATH, TUS_VERSION, UPLOADS_PATH } from '../../src/shared/files.ts'
import type { FileRef } from '../../src/shared/protocol.ts'

export interface FileAnswer {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  /** The body as JSON, when it is (error answers). */
  json?: { type: string; code: string; message: string }
}

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')
const b64 = (s: string) => Buffer.from(s).toString('base64')

/** `Upload-Metadata` for a file's declared name, type and hash. */
export const metadata = (m: { name: string; type: string; sha256: string }): string =>
  `filename ${b64(m.name)},filetype ${b64(m.type)},sha256 ${b64(m.sha256)}`

/** A FileRef for bytes already uploaded. */
export const fileRef = (bytes: Buffer, name = 'notes.txt', mime = 'text/plain'): FileRef => ({
  fileId: sha256(bytes),
  sha256: sha256(bytes),
  name,
  size: bytes.length,
  mime,
})

export interface FileRequestOptions {
  /** Sent as `Authorization: Bearer`; omitted when undefined. */
  token?: string
  headers?: Record<string, string>
  body?: Buffer
  timeoutMs?: number
}

/** One request to the host; tus requests (under /api/files/uploads) carry Tus-Resumable unless `headers` override it. */
export function fileRequest(port: number, method: string, path: string, opts: FileRequestOptions = {}): Promise<FileAnswer> {
  const headers: Record<string, string> = {
    ...(path.startsWith(UPLOADS_PATH) ? { 'Tus-Resumable': TUS_VERSION } : {}),
    ...(opts.token !== undefined ? { Authorization: `Bearer ${opts.token}` } : {}),
    ...opts.headers,
  }
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        let json: FileAnswer['json']
        if (body.length > 0 && String(res.headers['content-type']).startsWith('application/json'))
          json = JSON.parse(body.toString()) as FileAnswer['json']
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json })
      })
      res.on('error', reject)
    })
    req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error(`${method} ${path}: no answer in time`)))
    req.on('error', reject)
    req.end(opts.body)
  })
}

/** POST a new upload for `bytes` (declared hash and name may be overridden); answers with its Location. */
export async function createUpload(
  port: number,
  token: string,
  bytes: Buffer,
  declare: { name?: string; type?: string; sha256?: string; length?: number } = {},
): Promise<FileAnswer & { location?: string }> {
  const a = await fileRequest(port, 'POST', UPLOADS_PATH, {
    token,
    headers: {
      'Upload-Length': String(declare.length ?? bytes.length),
      'Upload-Metadata': metadata({
        name: declare.name ?? 'notes.txt',
        type: declare.type ?? 'text/plain',
        sha256: declare.sha256 ?? sha256(bytes),
      }),
    },
  })
  return { ...a, location: a.headers.location }
}

/** PATCH `body` at `offset`. */
export function patchUpload(
  port: number,
  token: string,
  location: string,
  offset: number,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<FileAnswer> {
  return fileRequest(port, 'PATCH', location, {
    token,
    body,
    headers: { 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(offset), ...headers },
  })
}

/** The upload's offset (HEAD), or the status when the host does not answer 200. */
export async function uploadOffset(port: number, token: string, location: string): Promise<number> {
  const a = await fileRequest(port, 'HEAD', location, { token })
  if (a.status !== 200) throw new Error(`HEAD ${location}: ${a.status}`)
  return Number(a.headers['upload-offset'])
}

/** Upload `bytes` whole (create, one PATCH) and return its FileRef; throws unless the host stored it. */
export async function uploadFile(port: number, token: string, bytes: Buffer, name = 'notes.txt', mime = 'text/plain'): Promise<FileRef> {
  const created = await createUpload(port, token, bytes, { name, type: mime })
  if (created.status !== 201 || !created.location) throw new Error(`create: ${created.status} ${created.body.toString()}`)
  const done = await patchUpload(port, token, created.location, 0, bytes)
  if (done.status !== 204) throw new Error(`patch: ${done.status} ${done.body.toString()}`)
  return fileRef(bytes, name, mime)
}

/** GET (or HEAD) a stored file by id, with the token in the query as an `<img>` would send it. */
export function downloadFile(
  port: number,
  token: string | undefined,
  fileId: string,
  opts: { method?: string; query?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<FileAnswer> {
  const q = new URLSearchParams({ ...(token !== undefined ? { t: token } : {}), ...opts.query })
  return fileRequest(port, opts.method ?? 'GET', `${FILES_PATH}/${fileId}?${q}`, { headers: opts.headers })
}

/** Wait until an async check holds (a request's answer), at most `ms`. */
export async function eventually(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** A PATCH whose body the test writes by hand: `send` gets the request to write to, and its result resolves on close. */
export function rawPatch(
  port: number,
  token: string,
  location: string,
  headers: Record<string, string>,
  send: (req: ReturnType<typeof request>) => void,
): Promise<number | 'closed'> {
  return new Promise((resolve) => {
    const req = request({
      host: '127.0.0.1',
      port,
      method: 'PATCH',
      path: location,
      agent: false,
      headers: {
        'Tus-Resumable': TUS_VERSION,
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/offset+octet-stream',
        'Upload-Offset': '0',
        ...headers,
      },
    })
    req.on('response', (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', () => resolve('closed'))
    req.on('close', () => resolve('closed'))
    send(req)
  })
}
