// STOMP 1.0/1.1/1.2 frames: an incremental parser (frames split across or batched within WebSocket
// messages, heart-beat EOLs between frames, content-length bodies that contain NUL) and a serializer,
// both with the header escaping of the negotiated version (none in CONNECT/CONNECTED, as 1.2 says).
import type { StompVersion } from '../../../shared/http-transport.ts'

export interface StompFrame {
  command: string
  /** In arrival order; repeated names kept (the first one counts, see `header`). */
  headers: [string, string][]
  body: Uint8Array
}

export type ParseEvent = { kind: 'frame'; frame: StompFrame } | { kind: 'heartbeat' } | { kind: 'error'; message: string }

export function header(frame: StompFrame, name: string): string | undefined {
  for (const [k, v] of frame.headers) if (k === name) return v
  return undefined
}

const LF = 0x0a
const CR = 0x0d
const NUL = 0x00
const NO_ESCAPE = new Set(['CONNECT', 'CONNECTED'])
const utf8 = new TextDecoder('utf-8', { fatal: true })

export interface ParserOptions {
  maxFrameBytes: number
  maxHeaders: number
}

export class StompParser {
  /** The version whose escaping applies to frames other than CONNECT/CONNECTED; set once negotiated. */
  version: StompVersion = '1.2'
  #buf: Buffer = Buffer.alloc(0)
  #opts: ParserOptions
  #failed = false

  constructor(opts: ParserOptions) {
    this.#opts = opts
  }

  /** Feed bytes; returns every complete frame and heart-beat in them. After an error, nothing more. */
  push(chunk: Uint8Array): ParseEvent[] {
    if (this.#failed) return []
    this.#buf = this.#buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buf, chunk])
    const out: ParseEvent[] = []
    for (;;) {
      const r = this.#next()
      if (r === undefined) break
      out.push(r)
      if (r.kind === 'error') {
        this.#failed = true
        this.#buf = Buffer.alloc(0)
        break
      }
    }
    if (!this.#failed && this.#buf.length > this.#opts.maxFrameBytes) {
      this.#failed = true
      this.#buf = Buffer.alloc(0)
      out.push({ kind: 'error', message: `frame larger than ${this.#opts.maxFrameBytes} bytes` })
    }
    return out
  }

  /** One event from the front of the buffer, or undefined when more bytes are needed. */
  #next(): ParseEvent | undefined {
    const buf = this.#buf
    if (buf.length === 0) return undefined
    // EOLs between frames are heart-beats.
    if (buf[0] === LF) {
      this.#buf = buf.subarray(1)
      return { kind: 'heartbeat' }
    }
    if (buf[0] === CR) {
      if (buf.length < 2) return undefined
      if (buf[1] !== LF) return { kind: 'error', message: 'CR not followed by LF' }
      this.#buf = buf.subarray(2)
      return { kind: 'heartbeat' }
    }
    // Command and header lines up to an empty line.
    const lines: string[] = []
    let at = 0
    for (;;) {
      const lf = buf.indexOf(LF, at)
      if (lf < 0) return undefined
      const end = lf > at && buf[lf - 1] === CR ? lf - 1 : lf
      let line: string
      try {
        line = utf8.decode(buf.subarray(at, end))
      } catch {
        return { kind: 'error', message: 'header is not UTF-8' }
      }
      at = lf + 1
      if (line === '') break
      lines.push(line)
      if (lines.length > this.#opts.maxHeaders + 1) return { kind: 'error', message: `more than ${this.#opts.maxHeaders} headers` }
    }
    const command = lines[0]!
    if (!/^[A-Z]+$/.test(command)) return { kind: 'error', message: 'bad command line' }
    const escaped = !NO_ESCAPE.has(command) && this.version !== '1.0'
    const headers: [string, string][] = []
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':')
      if (colon <= 0) return { kind: 'error', message: `bad header line: ${JSON.stringify(line.slice(0, 40))}` }
      const k = escaped ? unescape(line.slice(0, colon), this.version) : line.slice(0, colon)
      const v = escaped ? unescape(line.slice(colon + 1), this.version) : line.slice(colon + 1)
      if (k === undefined || v === undefined) return { kind: 'error', message: 'undefined escape sequence in a header' }
      headers.push([k, v])
    }
    const frame: StompFrame = { command, headers, body: new Uint8Array(0) }
    const lengthHeader = header(frame, 'content-length')
    let bodyEnd: number
    if (lengthHeader !== undefined) {
      if (!/^\d{1,9}$/.test(lengthHeader)) return { kind: 'error', message: 'bad content-length' }
      const n = Number(lengthHeader)
      if (n > this.#opts.maxFrameBytes) return { kind: 'error', message: `body larger than ${this.#opts.maxFrameBytes} bytes` }
      if (buf.length < at + n + 1) return undefined
      if (buf[at + n] !== NUL) return { kind: 'error', message: 'body longer than content-length' }
      bodyEnd = at + n
    } else {
      bodyEnd = buf.indexOf(NUL, at)
      if (bodyEnd < 0) return undefined
    }
    frame.body = new Uint8Array(buf.subarray(at, bodyEnd))
    this.#buf = buf.subarray(bodyEnd + 1)
    return { kind: 'frame', frame }
  }
}

function unescape(s: string, version: StompVersion): string | undefined {
  if (!s.includes('\\')) return s
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (c !== '\\') {
      out += c
      continue
    }
    const n = s[++i]
    if (n === 'n') out += '\n'
    else if (n === 'c') out += ':'
    else if (n === '\\') out += '\\'
    else if (n === 'r' && version === '1.2') out += '\r'
    else return undefined
  }
  return out
}

function escape(s: string, version: StompVersion): string {
  if (version === '1.0') return s.replace(/[\r\n]/g, ' ')
  let out = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/:/g, '\\c')
  out = version === '1.2' ? out.replace(/\r/g, '\\r') : out.replace(/\r/g, ' ')
  return out
}

/** One frame's bytes. Values are escaped for `version` (never in CONNECT/CONNECTED); a body gets content-length. */
export function serializeFrame(
  command: string,
  headers: readonly (readonly [string, string])[],
  body: Uint8Array | string = '',
  version: StompVersion = '1.2',
): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  const raw = NO_ESCAPE.has(command)
  const lines = [command]
  for (const [k, v] of headers) {
    if (k === 'content-length') continue
    lines.push(raw ? `${k.replace(/[\r\n:]/g, ' ')}:${v.replace(/[\r\n]/g, ' ')}` : `${escape(k, version)}:${escape(v, version)}`)
  }
  if (bytes.length > 0 || command === 'MESSAGE' || command === 'ERROR') lines.push(`content-length:${bytes.length}`)
  return Buffer.concat([Buffer.from(lines.join('\n') + '\n\n'), bytes, Buffer.from([NUL])])
}
