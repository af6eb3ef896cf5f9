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
  /**
   * Bytes examined while looking for line ends and NULs. Each received byte is examined about once, however
   * the frame is split (a test checks it), so a frame sent byte by byte costs linear, not quadratic, work.
   */
  bytesScanned = 0
  /** Received bytes: the current frame starts at #start; [#end, length) is free room for the next chunks. */
  #buf: Buffer = Buffer.alloc(0)
  #start = 0
  #end = 0
  // The current frame's progress, as offsets from #start: where the search resumes, where the current header
  // line starts, how many lines so far, and once the blank line is seen, its command and headers.
  #scan = 0
  #lineStart = 0
  #lines = 0
  #head: { command: string; headers: [string, string][]; bodyAt: number; length: number | undefined } | undefined
  #opts: ParserOptions
  #failed = false

  constructor(opts: ParserOptions) {
    this.#opts = opts
  }

  /** Feed bytes; returns every complete frame and heart-beat in them. After an error, nothing more. */
  push(chunk: Uint8Array): ParseEvent[] {
    if (this.#failed) return []
    this.#append(chunk)
    const out: ParseEvent[] = []
    for (;;) {
      const r = this.#next()
      if (r === undefined) break
      out.push(r)
      if (r.kind === 'error') return this.#fail(out)
    }
    if (this.#end - this.#start > this.#opts.maxFrameBytes) {
      out.push({ kind: 'error', message: `frame larger than ${this.#opts.maxFrameBytes} bytes` })
      return this.#fail(out)
    }
    return out
  }

  #fail(out: ParseEvent[]): ParseEvent[] {
    this.#failed = true
    this.#buf = Buffer.alloc(0)
    this.#start = this.#end = 0
    return out
  }

  /** Copy `chunk` after the pending bytes, growing the buffer by doubling so copies stay linear overall. */
  #append(chunk: Uint8Array): void {
    const pending = this.#end - this.#start
    if (this.#end + chunk.length > this.#buf.length) {
      const target =
        this.#buf.length >= 2 * (pending + chunk.length) ? this.#buf : Buffer.allocUnsafe(Math.max(1024, 2 * (pending + chunk.length)))
      this.#buf.copy(target, 0, this.#start, this.#end)
      this.#buf = target
      this.#start = 0
      this.#end = pending
    }
    this.#buf.set(chunk, this.#end)
    this.#end += chunk.length
  }

  #consume(n: number): void {
    this.#start += n
    if (this.#start === this.#end) this.#start = this.#end = 0
    this.#scan = this.#lineStart = this.#lines = 0
    this.#head = undefined
  }

  /** Index of `byte` in [from, #end), or -1; counts what it examined. */
  #find(byte: number, from: number): number {
    const at = this.#buf.subarray(0, this.#end).indexOf(byte, from)
    this.bytesScanned += (at < 0 ? this.#end : at + 1) - from
    return at
  }

  /** One event from the front of the pending bytes, or undefined when more bytes are needed. */
  #next(): ParseEvent | undefined {
    const buf = this.#buf
    const s = this.#start
    const pending = this.#end - s
    if (pending === 0) return undefined
    if (!this.#head) {
      // EOLs between frames are heart-beats.
      if (this.#scan === 0 && buf[s] === LF) {
        this.#consume(1)
        return { kind: 'heartbeat' }
      }
      if (this.#scan === 0 && buf[s] === CR) {
        if (pending < 2) return undefined
        if (buf[s + 1] !== LF) return { kind: 'error', message: 'CR not followed by LF' }
        this.#consume(2)
        return { kind: 'heartbeat' }
      }
      // Command and header lines up to an empty line, resuming where the last push stopped.
      for (;;) {
        const lf = this.#find(LF, s + this.#scan)
        if (lf < 0) {
          this.#scan = pending
          return undefined
        }
        this.#scan = lf + 1 - s
        const lineEnd = lf > s + this.#lineStart && buf[lf - 1] === CR ? lf - 1 : lf
        if (lineEnd === s + this.#lineStart) break
        this.#lineStart = this.#scan
        if (++this.#lines > this.#opts.maxHeaders + 1) return { kind: 'error', message: `more than ${this.#opts.maxHeaders} headers` }
      }
      const error = this.#parseHead(buf.subarray(s, s + this.#lineStart), this.#scan)
      if (error) return error
    }
    const head = this.#head!
    const tooLarge = { kind: 'error', message: `frame larger than ${this.#opts.maxFrameBytes} bytes` } as const
    if (head.length !== undefined && head.bodyAt + head.length + 1 > this.#opts.maxFrameBytes) return tooLarge
    let bodyEnd: number
    if (head.length !== undefined) {
      if (pending < head.bodyAt + head.length + 1) return undefined
      if (buf[s + head.bodyAt + head.length] !== NUL) return { kind: 'error', message: 'body longer than content-length' }
      bodyEnd = head.bodyAt + head.length
    } else {
      const nul = this.#find(NUL, s + Math.max(this.#scan, head.bodyAt))
      if (nul < 0) {
        this.#scan = pending
        return undefined
      }
      bodyEnd = nul - s
    }
    // The whole frame counts, however it arrived: one WebSocket message may carry more than a frame's bound.
    if (bodyEnd + 1 > this.#opts.maxFrameBytes) return tooLarge
    // A copy: the buffer is reused for the next frames.
    const frame: StompFrame = {
      command: head.command,
      headers: head.headers,
      body: new Uint8Array(buf.subarray(s + head.bodyAt, s + bodyEnd)),
    }
    this.#consume(bodyEnd + 1)
    return { kind: 'frame', frame }
  }

  /** The command and header lines (`block`, without the blank line); sets #head, or answers the error. */
  #parseHead(block: Buffer, bodyAt: number): ParseEvent | undefined {
    let text: string
    try {
      text = utf8.decode(block)
    } catch {
      return { kind: 'error', message: 'header is not UTF-8' }
    }
    const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
    lines.pop() // the split leaves an empty string after the last line's LF
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
    let length: number | undefined
    const lengthHeader = headers.find(([k]) => k === 'content-length')?.[1]
    if (lengthHeader !== undefined) {
      if (!/^\d{1,9}$/.test(lengthHeader)) return { kind: 'error', message: 'bad content-length' }
      length = Number(lengthHeader)
      if (length > this.#opts.maxFrameBytes) return { kind: 'error', message: `body larger than ${this.#opts.maxFrameBytes} bytes` }
    }
    this.#head = { command, headers, bodyAt, length }
    return undefined
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

/** How header values are written: escaped for a version, or `raw` (CONNECTED, and ERROR before CONNECTED). */
export type Escaping = StompVersion | 'raw'

// NUL has no escape in any version (it ends a frame), so it never reaches a header.
function escape(s: string, version: StompVersion): string {
  const out = s.replace(/\0/g, '')
  if (version === '1.0') return out.replace(/[\r\n]/g, ' ')
  const escaped = out.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/:/g, '\\c')
  return version === '1.2' ? escaped.replace(/\r/g, '\\r') : escaped.replace(/\r/g, ' ')
}

/** Raw headers cannot escape: whatever would end the line or the frame (or the name) is replaced. */
const rawName = (s: string): string => s.replace(/[\r\n\0:]/g, ' ')
const rawValue = (s: string): string => s.replace(/[\r\n\0]/g, ' ')

/**
 * One frame's bytes. Every header name and value is escaped for `escaping`; CONNECT/CONNECTED are always
 * raw, as 1.2 says, and so is an ERROR sent before a version is negotiated. A body gets content-length.
 */
export function serializeFrame(
  command: string,
  headers: readonly (readonly [string, string])[],
  body: Uint8Array | string = '',
  escaping: Escaping = '1.2',
): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  const version = NO_ESCAPE.has(command) ? 'raw' : escaping
  const lines = [command]
  for (const [k, v] of headers) {
    if (k === 'content-length') continue
    lines.push(version === 'raw' ? `${rawName(k)}:${rawValue(v)}` : `${escape(k, version)}:${escape(v, version)}`)
  }
  if (bytes.length > 0 || command === 'MESSAGE' || command === 'ERROR') lines.push(`content-length:${bytes.length}`)
  return Buffer.concat([Buffer.from(lines.join('\n') + '\n\n'), bytes, Buffer.from([NUL])])
}
