// One catalogue of error codes, shared by the wire protocol, every transport and the desktop bridge: each
// code's HTTP status (HTTP fall-backs, file routes), the WebSocket close code when the refusal ends the
// connection, and whether a client should try again by itself.
import { CLOSE } from './limits.ts'

export interface ErrorInfo {
  /** HTTP status for this refusal on the HTTP transports. */
  status: number
  /** Close code when this refusal ends the connection; absent when the connection stays open. */
  close?: number
  /** Whether a client should retry on its own (reconnect, resend) rather than tell the user and stop. */
  retry: boolean
}

export const ERRORS = {
  // wire protocol (PROTOCOL.md)
  bad_frame: { status: 400, retry: false },
  too_large: { status: 413, retry: false },
  rate_limited: { status: 429, retry: true },
  not_joined: { status: 409, retry: true },
  wrong_password: { status: 403, close: CLOSE.wrongPassword, retry: false },
  unsupported_protocol: { status: 400, close: CLOSE.unsupportedProtocol, retry: false },
  /** Too many wrong passwords from this address: it waits out the lock before trying again. */
  locked_out: { status: 429, close: CLOSE.lockedOut, retry: false },
  password_required: { status: 401, retry: false },
  host_stopped: { status: 503, close: CLOSE.goingAway, retry: true },
  /** Too many refused frames: this connection is closed for abuse and should not come straight back. */
  abuse: { status: 429, close: CLOSE.policy, retry: false },
  /** No hello in time. */
  hello_timeout: { status: 408, close: CLOSE.policy, retry: true },
  /** Too many connections from this address or in all: try again later. */
  busy: { status: 503, close: CLOSE.tryAgain, retry: true },
  /** The member fell too far behind (send buffer or queue over its bound): resume to catch up. */
  too_slow: { status: 503, close: CLOSE.tryAgain, retry: true },
  /** The host could not store or read the room's log: nothing was stored; try again. */
  storage: { status: 500, close: CLOSE.internal, retry: true },
  /** A direct message to a member id that never joined this room. */
  no_such_member: { status: 404, retry: false },
  // files (docs/PROTOCOL-FILES.md)
  /** No valid member token for a file route: join (again) first. */
  not_member: { status: 401, retry: false },
  /** The room's file storage is full: nothing more fits until files expire or the host raises its quota. */
  quota_full: { status: 507, retry: false },
  /** The bytes received do not hash to the SHA-256 the sender declared: nothing was stored. */
  checksum_mismatch: { status: 460, retry: false },
  /** An upload's Upload-Offset is not where the host is: ask (HEAD) and continue from there. */
  wrong_offset: { status: 409, retry: true },
  /** No such file (never stored, expired with its history, or a cancelled upload). */
  file_not_found: { status: 404, retry: false },
  // bridge and app
  bad_argument: { status: 400, retry: false },
  not_connected: { status: 409, retry: false },
  not_hosting: { status: 409, retry: false },
  already_hosting: { status: 409, retry: false },
  room_not_found: { status: 404, retry: false },
  unreachable: { status: 503, retry: true },
  internal: { status: 500, close: CLOSE.internal, retry: true },
} as const satisfies Record<string, ErrorInfo>

export type ErrorCode = keyof typeof ERRORS
export const ERROR_CODES = Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]]

/** The error code a close code stands for, when it stands for one (the first in the table wins). */
export function codeOfClose(close: number): ErrorCode | undefined {
  for (const [code, info] of Object.entries(ERRORS) as [ErrorCode, ErrorInfo][]) if (info.close === close) return code
  return undefined
}

export class BeaconError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string) {
    super(message)
    this.name = 'BeaconError'
    this.code = code
  }
}
