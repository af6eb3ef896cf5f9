// Generated hostile inputs for every transport (fast-check): odd and huge strings, JSON of every shape with
// wrong types, beacon.v1 frames near and far from valid, STOMP frames whole, split and truncated, raw HTTP
// request lines and headers, hand-made WebSocket frames, RSocket frames whole, cut short and bit-flipped.
import fc from 'fast-check'
import { LIMITS } from '../../src/shared/limits.ts'
import { HTTP_ROUTES, STOMP_LIMITS } from '../../src/shared/http-transport.ts'
import { Flags, FrameTypes, serializeFrame, type Frame } from 'rsocket-core'
import { encodeCompositeMetadata, encodeRoute, WellKnownMimeType } from 'rsocket-composite-metadata'

/** Strings people and attackers type: controls, lone surrogates, bidi overrides, zero-width, combining runs. */
const ODD_PIECES = [
  '\u0000',
  '\u0007',
  '\r\n',
  '\n',
  '\ud800',
  '\udfff',
  '\u202e',
  '\u200b',
  '\ufeff',
  '\u0301'.repeat(50),
  '😀',
  '👩‍👩‍👧',
  'ﷺ',
  '%00',
  '%zz',
  '\\',
  '"',
  ':',
  '{}',
  '[',
  '__proto__',
  'constructor',
  ' ',
  '\t',
]

/** Sizes around the limits, and beyond them. */
const EDGES = [
  0,
  1,
  LIMITS.maxNameChars,
  LIMITS.maxNameChars + 1,
  LIMITS.maxTextChars,
  LIMITS.maxTextChars + 1,
  LIMITS.maxClientIdChars + 1,
]

export const oddString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
  { arbitrary: fc.array(fc.constantFrom(...ODD_PIECES), { maxLength: 12 }).map((a) => a.join('')), weight: 3 },
  {
    arbitrary: fc.tuple(fc.constantFrom(...EDGES), fc.constantFrom('x', '€', '😀', ' ', '\u0301')).map(([n, c]) => c.repeat(n)),
    weight: 2,
  },
  { arbitrary: fc.integer({ min: 0, max: 20 }).map((k) => '€'.repeat(LIMITS.maxTextBytes / 3 + k)), weight: 1 },
)

/** Any JSON value, and values of the wrong type for a field. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(-1),
  fc.constant(Number.MAX_SAFE_INTEGER + 2),
  fc.constant(1e308),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.jsonValue({ maxDepth: 3 }),
  oddString,
)

const field = <T>(good: fc.Arbitrary<T>) => fc.oneof({ arbitrary: good, weight: 3 }, { arbitrary: wrongValue, weight: 1 })
const seqish = fc.oneof(fc.nat({ max: 20_000 }), fc.integer({ min: -5, max: 5 }), fc.constant(2 ** 53), fc.double())

const HEX = [...'0123456789abcdef']
/** 64 hex digits (a SHA-256), and near misses: upper case, one short, one long, a path. */
export const sha256ish: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.array(fc.constantFrom(...HEX), { minLength: 64, maxLength: 64 }).map((a) => a.join('')), weight: 4 },
  { arbitrary: fc.array(fc.constantFrom(...HEX), { minLength: 63, maxLength: 65 }).map((a) => a.join('')), weight: 1 },
  { arbitrary: fc.constantFrom('A'.repeat(64), '../'.repeat(21) + 'x', `${'0'.repeat(63)}\u0000`, '%2e%2e%2f', '.', ''), weight: 1 },
)
/** File names meant to escape a directory or confuse a UI. */
const FILE_NAMES = [
  '../../etc/passwd',
  '..\\..\\boot.ini',
  'CON',
  'a\u0000b.png',
  'photo\u202egnp.exe',
  '.',
  '..',
  ' ',
  'x'.repeat(300),
  'plan.png',
]
const MIMES = ['image/png', 'image/svg+xml', 'text/html', 'video/mp4', 'application/octet-stream', 'image/png; charset=x', 'a/b/c', '']
const THUMBS = [
  'data:image/png;base64,iVBORw0KGgo=',
  'data:image/svg+xml;base64,PHN2Zz4=',
  'javascript:alert(1)',
  'data:image/webp;base64,' + 'A'.repeat(LIMITS.maxThumbChars),
]

/** A FileRef as a send frame carries it: every field right, wrong, missing or hostile. */
export const fileRefish: fc.Arbitrary<unknown> = fc.record(
  {
    fileId: field(sha256ish),
    name: field(fc.oneof(fc.constantFrom(...FILE_NAMES), oddString)),
    size: field(fc.oneof(fc.nat({ max: 10_000 }), fc.constantFrom(-1, 0, 2 ** 31, 2 ** 53, 1.5))),
    mime: field(fc.oneof(fc.constantFrom(...MIMES), oddString)),
    sha256: field(sha256ish),
    width: field(fc.integer({ min: -1, max: 70_000 })),
    height: field(fc.integer({ min: -1, max: 70_000 })),
    thumb: field(fc.oneof(fc.constantFrom(...THUMBS), oddString)),
  },
  { requiredKeys: [] },
)

/** beacon.v1 client frames: mostly the right shape with some fields wrong, some far from any shape. */
export const beaconFrame: fc.Arbitrary<unknown> = fc.oneof(
  {
    arbitrary: fc.record(
      {
        type: fc.constant('hello'),
        protocol: field(fc.constantFrom(1, 2, 0)),
        name: field(oddString),
        client: field(oddString),
        resume: field(fc.record({ epoch: field(oddString), after: field(seqish) }, { requiredKeys: [] })),
        heartbeat: field(fc.boolean()),
      },
      { requiredKeys: ['type'] },
    ),
    weight: 3,
  },
  {
    arbitrary: fc.record({ type: fc.constant('send'), id: field(oddString), text: field(oddString) }, { requiredKeys: ['type'] }),
    weight: 4,
  },
  {
    arbitrary: fc.record(
      { type: fc.constant('send'), id: field(oddString), text: field(oddString), file: field(fileRefish) },
      { requiredKeys: ['type', 'file'] },
    ),
    weight: 2,
  },
  { arbitrary: fc.record({ type: fc.constant('auth'), proof: field(oddString) }, { requiredKeys: ['type'] }), weight: 1 },
  {
    arbitrary: fc.record(
      { type: fc.constant('history'), before: field(seqish), limit: field(fc.integer({ min: -1, max: 300 })) },
      { requiredKeys: ['type'] },
    ),
    weight: 2,
  },
  { arbitrary: fc.constantFrom({ type: 'typing' }, { type: 'pong' }, { type: 'ping' }, { type: 'welcome' }, { type: 'ack' }), weight: 1 },
  { arbitrary: fc.dictionary(oddString, wrongValue, { maxKeys: 5 }), weight: 1 },
  { arbitrary: fc.record({ type: oddString, id: wrongValue, text: wrongValue }), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 4 }), weight: 1 },
)

/** The text of one WebSocket message: JSON of a frame, JSON cut short, or not JSON at all. */
export const beaconText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: beaconFrame.map((f) => JSON.stringify(f) ?? 'undefined'), weight: 8 },
  {
    arbitrary: fc.tuple(beaconFrame, fc.nat()).map(([f, cut]) => {
      const s = JSON.stringify(f) ?? ''
      return s.slice(0, cut % (s.length + 1))
    }),
    weight: 1,
  },
  { arbitrary: fc.json({ maxDepth: 3 }), weight: 1 },
  { arbitrary: oddString, weight: 1 },
  { arbitrary: fc.nat({ max: 5 }).map((d) => '['.repeat(1000 * (d + 1)) + ']'.repeat(1000 * (d + 1))), weight: 1 },
)

// STOMP

const STOMP_COMMANDS = ['CONNECT', 'STOMP', 'SEND', 'SUBSCRIBE', 'UNSUBSCRIBE', 'ACK', 'NACK', 'BEGIN', 'COMMIT', 'ABORT', 'DISCONNECT']
const STOMP_HEADERS = [
  'destination',
  'id',
  'ack',
  'receipt',
  'content-type',
  'content-length',
  'transaction',
  'accept-version',
  'host',
  'login',
  'passcode',
  'heart-beat',
  'message-id',
]
const headerValue = fc.oneof(
  fc.constantFrom(
    '/topic/room',
    '/queue/x',
    'auto',
    'client',
    'client-individual',
    'text/plain',
    'application/json',
    '1.2',
    '1.0,1.1,1.2',
    '0,0',
    '-1,5',
    'x,y',
    '1',
    '0',
    '-1',
    '99999999999',
  ),
  oddString,
)

/** One STOMP frame's bytes: a command, headers (escaped or not, possibly broken), a body, NUL or not. */
export const stompFrameBytes: fc.Arbitrary<Buffer> = fc
  .record({
    command: fc.oneof({ arbitrary: fc.constantFrom(...STOMP_COMMANDS), weight: 5 }, { arbitrary: oddString, weight: 1 }),
    headers: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...STOMP_HEADERS), oddString), headerValue), { maxLength: 8 }),
    body: fc.oneof(
      fc.string({ maxLength: 60 }).map((s) => Buffer.from(s)),
      fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b)),
      fc.constantFrom(Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xff, 0xfe]), Buffer.from('ok\0inside')),
      // a file message's JSON body (content-type application/json), right or wrong
      fc.record({ text: field(oddString), file: field(fileRefish) }, { requiredKeys: [] }).map((o) => Buffer.from(JSON.stringify(o))),
      // around the frame size limit
      fc.integer({ min: STOMP_LIMITS.maxFrameBytes - 100, max: STOMP_LIMITS.maxFrameBytes + 100 }).map((n) => Buffer.alloc(n, 0x61)),
    ),
    contentLength: fc.option(fc.oneof(fc.constantFrom('exact'), fc.integer({ min: -2, max: 100_000 }).map(String), oddString), {
      nil: undefined,
    }),
    crlf: fc.boolean(),
    nul: fc.oneof({ arbitrary: fc.constant(true), weight: 5 }, { arbitrary: fc.constant(false), weight: 1 }),
  })
  .map(({ command, headers, body, contentLength, crlf, nul }) => {
    const eol = crlf ? '\r\n' : '\n'
    const lines = [command, ...headers.map(([k, v]) => `${k}:${v}`)]
    if (contentLength !== undefined) lines.push(`content-length:${contentLength === 'exact' ? body.length : contentLength}`)
    return Buffer.concat([Buffer.from(lines.join(eol) + eol + eol), body, nul ? Buffer.from([0]) : Buffer.alloc(0)])
  })

/** A frame's bytes cut into the pieces it arrives in (one WebSocket message each), sometimes cut short. */
export const stompChunks: fc.Arbitrary<Buffer[]> = fc
  .tuple(fc.array(stompFrameBytes, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 6 }), fc.nat({ max: 9 }), fc.boolean())
  .map(([frames, cuts, truncate, heartbeats]) => {
    let all = Buffer.concat(frames.flatMap((f) => (heartbeats ? [Buffer.from('\n'), f] : [f])))
    if (truncate === 0) all = all.subarray(0, Math.floor(all.length / 2))
    const at = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b)
    const parts: Buffer[] = []
    let from = 0
    for (const c of [...at, all.length]) {
      if (c > from) parts.push(all.subarray(from, c))
      from = Math.max(from, c)
    }
    return parts
  })

// HTTP

const ROUTES = [
  ...Object.values(HTTP_ROUTES),
  '/api/history',
  '/api/room',
  '/ws',
  '/',
  '/index.html',
  '/../etc/passwd',
  '/%2e%2e/x',
  '/assets/x.js',
]
const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT_', 'TRACE', 'get', 'X']

/** An HTTP request as a client library can send it: known routes with random query, headers and body. */
export const httpRequestInput = fc.record({
  method: fc.constantFrom(...METHODS.filter((m) => /^[A-Z]+$/.test(m))),
  path: fc.constantFrom(...ROUTES),
  query: fc.array(
    fc.tuple(fc.constantFrom('member', 'after', 'wait', 'before', 'limit', 'x'), fc.oneof(oddString, fc.integer().map(String))),
    { maxLength: 3 },
  ),
  contentType: fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/JSON',
    'multipart/form-data',
    '',
  ),
  lastEventId: fc.option(fc.oneof(fc.nat().map(String), fc.constantFrom('-1', '1e3', '', '00000000000000000001')), { nil: undefined }),
  body: fc.oneof(
    beaconText,
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
  ),
})

const TARGETS = [
  '/',
  '/ws',
  '/api/room',
  '/api/join',
  'http://[',
  'http://[ ',
  'http://a b/',
  'http://%zz/',
  '//[',
  '*',
  'ws://[/ws',
  'http://[::1/',
  '/%',
  '/%%',
  '/\u0000',
  '?',
  '#',
  'http://127.0.0.1:99999/',
  '/' + 'a'.repeat(9000),
]

/** Bytes of one HTTP request written by hand: odd methods, targets, versions and header lines. */
export const rawHttpRequest = (port: number): fc.Arbitrary<Buffer> =>
  fc
    .record({
      method: fc.oneof(fc.constantFrom(...METHODS, '', 'G ET'), oddString),
      target: fc.oneof({ arbitrary: fc.constantFrom(...TARGETS), weight: 3 }, { arbitrary: oddString, weight: 1 }),
      version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', '', 'HTTP/9'),
      // mostly the host's own name, or the request stops at the Host check
      host: fc.oneof(
        { arbitrary: fc.constant(`127.0.0.1:${port}`), weight: 4 },
        { arbitrary: fc.constantFrom('', '127.0.0.1', 'evil.example', '[::1', 'localhost:0'), weight: 1 },
        { arbitrary: oddString, weight: 1 },
      ),
      upgrade: fc.boolean(),
      headers: fc.array(
        fc.oneof(
          fc.tuple(oddString, oddString).map(([k, v]) => `${k}: ${v}`),
          fc.constantFrom(
            'no colon here',
            ' folded: continuation',
            'Content-Length: -1',
            'Content-Length: 99999999999',
            'Transfer-Encoding: chunked',
            'Content-Length: 5\r\nContent-Length: 6',
            'X: \u0000',
            'Origin: null',
            'Sec-WebSocket-Protocol: v12.stomp, beacon.v1',
          ),
        ),
        { maxLength: 5 },
      ),
      body: fc.string({ maxLength: 40 }),
      eol: fc.constantFrom('\r\n', '\n', '\r'),
    })
    .map(({ method, target, version, host, upgrade, headers, body, eol }) => {
      const lines = [`${method} ${target} ${version}`.trimEnd(), `Host: ${host}`, ...headers]
      if (upgrade)
        lines.push(
          'Upgrade: websocket',
          'Connection: Upgrade',
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
          'Sec-WebSocket-Version: 13',
          'Sec-WebSocket-Protocol: beacon.v1',
        )
      return Buffer.from(lines.join(eol) + eol + eol + body, 'utf8')
    })

// WebSocket frames

/** A WebSocket frame's parts: any opcode (reserved ones too), RSV bits, FIN or not, odd payloads. */
export const rawWsFrame = fc.record({
  opcode: fc.oneof(
    { arbitrary: fc.constantFrom(0x1, 0x2, 0x0, 0x8, 0x9, 0xa), weight: 3 },
    { arbitrary: fc.integer({ min: 0, max: 15 }), weight: 1 },
  ),
  rsv: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 7 }), weight: 1 }),
  fin: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 }),
  payload: fc.oneof(
    beaconText.map((s) => Buffer.from(s)),
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
    fc.constantFrom(
      Buffer.from([0xc3, 0x28]),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
      Buffer.from('{"type":"send","id":"a","text":"\xff"}', 'latin1'),
    ),
  ),
})

// RSocket

const RSOCKET_ROUTES = ['room.stream', 'room.send', 'room.auth', 'room.history', 'room.typing', 'room.nope', '', 'x'.repeat(300)]
const REQUEST_TYPES = [FrameTypes.REQUEST_RESPONSE, FrameTypes.REQUEST_FNF, FrameTypes.REQUEST_STREAM, FrameTypes.REQUEST_CHANNEL]

/** Metadata that names a route (composite or bare routing), or garbage. */
const rsocketMetadata: fc.Arbitrary<Buffer> = fc.oneof(
  fc
    .constantFrom(...RSOCKET_ROUTES)
    .map((r) => encodeCompositeMetadata([[WellKnownMimeType.MESSAGE_RSOCKET_ROUTING, encodeRoute(r.slice(0, 255))]])),
  fc.constantFrom(...RSOCKET_ROUTES).map((r) => encodeRoute(r.slice(0, 255))),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
)

/** A well-formed RSocket frame of any type, with routes and beacon.v1-like JSON as data (or odd bytes). */
const rsocketFrame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({
    type: fc.constantFrom(...REQUEST_TYPES),
    streamId: fc.oneof(fc.constant(1), fc.nat({ max: 0x7fffffff })),
    flags: fc.constantFrom(Flags.METADATA, Flags.METADATA | Flags.FOLLOWS, Flags.METADATA | Flags.COMPLETE, Flags.NONE),
    requestN: fc.oneof(fc.constant(1), fc.nat({ max: 0x7fffffff })),
    data: fc.oneof(beaconText, oddString).map((s) => Buffer.from(s)),
    metadata: rsocketMetadata,
  }) as fc.Arbitrary<Frame>,
  fc.record({
    type: fc.constant(FrameTypes.REQUEST_N),
    streamId: fc.nat({ max: 8 }),
    flags: fc.constant(Flags.NONE),
    requestN: fc.oneof(fc.constant(0), fc.nat({ max: 0x7fffffff })),
  }) as fc.Arbitrary<Frame>,
  fc.record({
    type: fc.constantFrom(FrameTypes.CANCEL, FrameTypes.KEEPALIVE, FrameTypes.METADATA_PUSH, FrameTypes.LEASE),
    streamId: fc.nat({ max: 8 }),
    flags: fc.constantFrom(Flags.NONE, Flags.RESPOND, Flags.METADATA),
    lastReceivedPosition: fc.constant(0),
    ttl: fc.nat({ max: 1000 }),
    requestCount: fc.nat({ max: 100 }),
    data: fc.constant(Buffer.alloc(0)),
    metadata: rsocketMetadata,
  }) as fc.Arbitrary<Frame>,
  fc.record({
    type: fc.constant(FrameTypes.ERROR),
    streamId: fc.nat({ max: 8 }),
    flags: fc.constant(Flags.NONE),
    code: fc.nat({ max: 0x300 }),
    message: oddString,
  }) as fc.Arbitrary<Frame>,
)

/** One binary WebSocket message to /rsocket: a frame, a frame cut short or with a byte flipped, or noise. */
export const rsocketMessage: fc.Arbitrary<Buffer> = fc.oneof(
  { arbitrary: rsocketFrame.map((f) => serializeFrame(f)), weight: 6 },
  {
    arbitrary: fc.tuple(rsocketFrame, fc.nat()).map(([f, cut]) => {
      const b = serializeFrame(f)
      return b.subarray(0, cut % (b.length + 1))
    }),
    weight: 1,
  },
  {
    arbitrary: fc.tuple(rsocketFrame, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([f, at, x]) => {
      const b = Buffer.from(serializeFrame(f))
      b[at % b.length]! ^= x
      return b
    }),
    weight: 2,
  },
  { arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), weight: 1 },
)

// File routes (tus uploads and downloads, docs/PROTOCOL-FILES.md)

/** Where a file request goes: the real routes, a real upload or file (filled in by the test), and path tricks. */
const FILE_TARGETS = [
  '/api/files/uploads',
  '<upload>',
  '<stored>',
  '<other-upload>',
  '/api/files/',
  '/api/files',
  '/api/files/uploads/',
  '/api/files/partial',
  '/api/files/uploads/../../room.db',
  '/api/files/%2e%2e/%2e%2e/room.db',
  '/api/files/..%2f..%2froom.db',
  '/api/files/uploads/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '/api/files/partial/<upload-id>',
  '/api/files/uploads/<upload-id>/x',
  '/api/files/<stored>/..',
  '/api/files/%00',
  '/api/files/uploads/' + '0'.repeat(32),
  '/api/files/' + 'f'.repeat(64),
  '/api/files/' + 'a'.repeat(5000),
]
const numberish = fc.oneof(
  fc.nat({ max: 5000 }).map(String),
  fc.constantFrom('-1', '0', '1e3', '0x10', ' 5', '5 ', '+5', '9007199254740993', '99999999999999999999', '1.5', ''),
  oddString,
)
const b64 = (s: string) => Buffer.from(s).toString('base64')
const uploadMetadata = fc.oneof(
  fc
    .record({ name: fc.oneof(fc.constantFrom(...FILE_NAMES), oddString), type: fc.constantFrom(...MIMES), sha: sha256ish })
    .map(({ name, type, sha }) => `filename ${b64(name)},filetype ${b64(type)},sha256 ${b64(sha)}`),
  fc
    .array(fc.tuple(fc.oneof(fc.constantFrom('filename', 'filetype', 'sha256'), oddString), oddString), { maxLength: 5 })
    .map((kv) => kv.map(([k, v]) => `${k} ${b64(v)}`).join(',')),
  oddString,
  fc.constantFrom('filename', 'filename !!!', ',,,', 'sha256 ' + b64('x'.repeat(64)), 'filename ' + b64('a').repeat(2000)),
)
const rangeish = fc.oneof(
  fc.constantFrom(
    'bytes=0-10',
    'bytes=-5',
    'bytes=5-',
    'bytes=10-0',
    'bytes=0-0,2-3',
    'bytes=99999999999-',
    'items=0-1',
    'bytes=-0',
    'bytes=',
  ),
  fc.tuple(fc.integer({ min: -5, max: 5000 }), fc.integer({ min: -5, max: 5000 })).map(([a, b]) => `bytes=${a}-${b}`),
  oddString,
)

/** One request to the file routes: method, target, token, tus headers, Range, body — each right, wrong or absent. */
const FILE_METHODS = ['OPTIONS', 'POST', 'HEAD', 'PATCH', 'DELETE', 'GET', 'PUT']
/** The requests tus and downloads make, method and target together. */
const FILE_ROUTES: [string, string][] = [
  ['POST', '/api/files/uploads'],
  ['PATCH', '<upload>'],
  ['PATCH', '<upload>'],
  ['HEAD', '<upload>'],
  ['DELETE', '<upload>'],
  ['GET', '<stored>'],
  ['HEAD', '<stored>'],
  ['OPTIONS', '/api/files/uploads'],
]

export const fileRequest = fc.record({
  // mostly the requests tus and downloads make, at real uploads and files with a valid token, so most get past the
  // checks at the door to the offsets, lengths, hashes and ranges behind them; the rest anything at anything
  route: fc.oneof(
    { arbitrary: fc.constantFrom(...FILE_ROUTES), weight: 6 },
    { arbitrary: fc.tuple(fc.constantFrom(...FILE_METHODS), fc.constantFrom(...FILE_TARGETS)), weight: 2 },
  ),
  token: fc.oneof(
    { arbitrary: fc.constantFrom('header', 'query'), weight: 6 },
    { arbitrary: fc.constantFrom('both', 'none', 'junk', 'other-member'), weight: 1 },
  ),
  query: fc.array(fc.tuple(fc.constantFrom('name', 'inline', 'type', 't', 'x'), fc.oneof(oddString, fc.constantFrom('1', 'text/html'))), {
    maxLength: 3,
  }),
  tusResumable: fc.oneof(
    { arbitrary: fc.constant('1.0.0'), weight: 8 },
    { arbitrary: fc.constantFrom(undefined, '0.2.2'), weight: 1 },
    { arbitrary: oddString, weight: 1 },
  ),
  uploadLength: fc.option(numberish, { nil: undefined }),
  uploadOffset: fc.option(numberish, { nil: undefined }),
  uploadMetadata: fc.option(uploadMetadata, { nil: undefined }),
  contentType: fc.oneof(
    { arbitrary: fc.constant('application/offset+octet-stream'), weight: 4 },
    { arbitrary: fc.constantFrom(undefined, 'application/octet-stream', 'text/plain', ''), weight: 1 },
  ),
  range: fc.option(rangeish, { nil: undefined }),
  ifRange: fc.option(
    fc.oneof(
      sha256ish.map((s) => `"${s}"`),
      oddString,
    ),
    { nil: undefined },
  ),
  body: fc.option(
    fc.oneof(
      fc.uint8Array({ maxLength: 2048 }),
      fc.integer({ min: 0, max: 64 * 1024 }).map((n) => new Uint8Array(n).fill(0x61)),
    ),
    { nil: undefined },
  ),
  chunked: fc.boolean(),
})
export type FileRequest = typeof fileRequest extends fc.Arbitrary<infer T> ? T : never
