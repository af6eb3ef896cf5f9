// GET and HEAD of a stored file: single byte ranges (a cut download resumes; If-Range makes that safe), always
// as an attachment unless the member asks for one of the inline image or video types, and under headers that
// let no browser run, sniff or embed it elsewhere. The bytes stream from disk at the member's rate.
import { open, type FileHandle } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { isInlineImage, isInlineVideo } from '../../../shared/files.ts'
import { LIMITS } from '../../../shared/limits.ts'
import { cleanFileName } from '../../../shared/text.ts'
import type { Throttle } from './throttle.ts'

/** What every file answer carries: nothing in it runs, is sniffed into a page, or loads from another site. */
const SAFE_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; sandbox",
  'Cross-Origin-Resource-Policy': 'same-origin',
}

/**
 * Bytes per read from disk. A FileHandle stream reads through one promise per chunk: at its default 64 KiB that
 * caps a download near 400 MiB/s on the bench machine; 256 KiB doubles it (on par with a plain Node server) while
 * a reader that stops reading still holds at most about two chunks of the host's memory.
 */
const READ_CHUNK_BYTES = 256 * 1024

export interface DownloadAsk {
  name: string | null
  inline: boolean
  type: string | null
}

/** Serve `path` (a stored file, `sha256` its ETag); a missing file answers false so the caller can say 404. */
export async function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  sha256: string,
  ask: DownloadAsk,
  rate: Throttle,
): Promise<boolean> {
  let file: FileHandle
  try {
    file = await open(path, 'r')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw e
  }
  try {
    const { size } = await file.stat()
    const etag = `"${sha256}"`
    const inline = ask.inline && ask.type !== null && (isInlineImage(ask.type) || isInlineVideo(ask.type))
    const headers: Record<string, string> = {
      ...SAFE_HEADERS,
      'Content-Type': inline ? ask.type! : 'application/octet-stream',
      'Content-Disposition': disposition(inline ? 'inline' : 'attachment', ask.name),
      'Accept-Ranges': 'bytes',
      ETag: etag,
      // Content-addressed: these bytes never change under this URL (the file may go, but never differ).
      'Cache-Control': 'private, max-age=31536000, immutable',
    }
    const ifRange = req.headers['if-range']
    const range = ifRange === undefined || ifRange === etag ? parseRange(req.headers.range, size) : undefined
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...SAFE_HEADERS, 'Content-Range': `bytes */${size}`, 'Cache-Control': 'no-store' })
      res.end()
      return true
    }
    const [start, end] = range ?? [0, size - 1]
    res.writeHead(range ? 206 : 200, {
      ...headers,
      'Content-Length': String(end - start + 1),
      ...(range ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
    })
    if (req.method === 'HEAD' || end < start) {
      res.end()
      return true
    }
    const paced = new Transform({
      transform(chunk: Buffer, _enc, done) {
        const wait = rate.take(chunk.length)
        if (wait) wait.then(() => done(null, chunk), done)
        else done(null, chunk)
      },
    })
    // A reader that goes away ends the pipeline with an error: nothing to answer, the socket is gone.
    await pipeline(file.createReadStream({ start, end, autoClose: false, highWaterMark: READ_CHUNK_BYTES }), paced, res).catch(() =>
      res.destroy(),
    )
    return true
  } finally {
    await file.close()
  }
}

/**
 * One `bytes=` range as [first, last], 'unsatisfiable' (416), or undefined to send the whole file (no Range,
 * several ranges, or one that does not parse: RFC 9110 lets a server ignore those).
 */
export function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const m = header === undefined ? null : /^bytes=(\d{0,16})-(\d{0,16})$/.exec(header.trim())
  if (!m || (m[1] === '' && m[2] === '')) return undefined
  if (m[1] === '') {
    const suffix = Number(m[2])
    if (suffix === 0 || size === 0) return 'unsatisfiable'
    return [Math.max(0, size - suffix), size - 1]
  }
  const start = Number(m[1])
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  if (m[2] !== '' && Number(m[2]) < start) return undefined
  if (start >= size) return 'unsatisfiable'
  return [start, end]
}

/** `attachment; filename="plan.png"; filename*=UTF-8''plan.png` (RFC 6266, RFC 5987) from the member's cleaned name. */
export function disposition(kind: 'inline' | 'attachment', raw: string | null): string {
  const name =
    cleanFileName(raw ?? '')
      .slice(0, LIMITS.maxFileNameChars)
      .replace(/[\uD800-\uDBFF]$/, '') || 'file' // a pair cut in two would make encodeURIComponent throw
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_')
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`
}
