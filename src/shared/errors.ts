// One catalogue of error codes, shared by the wire protocol and the desktop bridge.
export const ERROR_CODES = [
  // wire protocol (PROTOCOL.md)
  'bad_frame',
  'too_large',
  'rate_limited',
  'not_joined',
  'wrong_password',
  'unsupported_protocol',
  'locked_out',
  'password_required',
  'host_stopped',
  // bridge and app
  'bad_argument',
  'not_connected',
  'not_hosting',
  'already_hosting',
  'room_not_found',
  'unreachable',
  'internal',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

export class BeaconError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string) {
    super(message)
    this.name = 'BeaconError'
    this.code = code
  }
}
