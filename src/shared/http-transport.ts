// The HTTP fall-back transports and the STOMP gateway: routes, limits and names, one place for the host,
// the clients and the docs (docs/PROTOCOL-HTTP.md).
import { LIMITS } from './protocol.ts'

/** Routes of the HTTP transports (same port as `/ws`). `member` is a query parameter on all but join. */
export const HTTP_ROUTES = {
  join: '/api/join',
  auth: '/api/auth',
  send: '/api/send',
  typing: '/api/typing',
  leave: '/api/leave',
  events: '/api/events',
  poll: '/api/poll',
  /** Scrollback: `GET ?member=&before=&limit=` answers `{"frames":[history page]}`. */
  history: '/api/history',
  /** The answer to a `ping` (any request of the member also counts as a sign of life). */
  pong: '/api/pong',
} as const

export const HTTP_LIMITS = {
  /** Largest request body; a larger one is answered 413 (same as the WebSocket frame limit). */
  maxBodyBytes: LIMITS.maxFrameBytes,
  /** `retry:` sent at the start of every SSE stream (ms). */
  sseRetryMs: 2000,
  /** A comment line on every SSE stream this often, so proxies and clients see it is alive. */
  sseHeartbeatMs: 15_000,
  /** A long poll is answered at once when there is news, else after this long with no frames. */
  longPollMs: 25_000,
  /** An HTTP member with neither a stream nor a poll open this long leaves the room. */
  absentMs: 30_000,
  /** Streams plus polls (long or short) open at once from one address; one more is answered 503 `busy`. */
  maxOpenPerAddress: 32,
  /** HTTP members (joined or joining) from one address at once; one more join is answered 503 `busy`. */
  maxMembersPerAddress: 64,
  /**
   * Frames waiting for a stream that does not drain, or for a poll that does not come, in bytes (each frame
   * counted with a small overhead) and in frames; beyond either the queue is dropped and the member closed
   * (1013 `too_slow`): it rejoins with resume, like a WebSocket member too slow to read.
   */
  maxQueuedBytes: LIMITS.sendHighWaterBytes,
  maxQueuedFrames: 4096,
  /** Bytes of messages one poll answer, or one SSE write, replays from the log; the client asks on for the rest. */
  maxReplayBytes: 256 * 1024,
  /** An SSE stream of a member that asked for pings and made no request (a pong) this long is ended. */
  deadStreamMs: LIMITS.heartbeatTimeoutMs,
  /** How long a POST waits for the room's answer (ack or welcome) before 503. */
  replyTimeoutMs: 10_000,
  /** A closed member's id answers 410 with its reason this long, then 404. */
  tombstoneMs: 60_000,
} as const

/** STOMP over WebSocket: subprotocols, best first, and the version each one names. */
export const STOMP_SUBPROTOCOLS = ['v12.stomp', 'v11.stomp', 'v10.stomp'] as const
export const STOMP_VERSIONS = ['1.2', '1.1', '1.0'] as const
export type StompVersion = (typeof STOMP_VERSIONS)[number]

export const STOMP_LIMITS = {
  /** The only destination: the room. */
  destination: '/topic/room',
  /** Largest STOMP frame (headers + body), across however many WebSocket messages it arrives in. */
  maxFrameBytes: LIMITS.maxFrameBytes,
  maxHeaders: 64,
  /** What the host offers in CONNECTED `heart-beat: sx,sy` (ms); the larger of each pair is used. */
  heartBeatSendMs: 1000,
  heartBeatReceiveMs: 1000,
  /** A client silent for this many negotiated intervals is dropped. */
  heartBeatGrace: 2,
  /** No CONNECT this long after the upgrade: closed, as a WebSocket member without hello is. */
  connectTimeoutMs: LIMITS.helloTimeoutMs,
  /** Subscriptions per connection. */
  maxSubscriptions: 16,
  /** Passcode checks (each a PBKDF2 derivation) started per address per minute: as many as wrong proofs lock out. */
  passcodeChecksPerMinute: LIMITS.wrongProofsPerMinute,
  /** Passcode derivations running at once on the host (one per core of a small machine). */
  passcodeChecksAtOnce: 2,
  /** Passcode checks waiting for a slot; one more CONNECT is refused `busy` (close 1013). */
  passcodeChecksWaiting: 16,
  /** Scrollback is not offered over STOMP: a SEND or SUBSCRIBE here gets an ERROR that says so. */
  historyDestination: '/app/history',
} as const
