// What the connection banner and the composer say for a session's state. Pure.
import type { SessionState } from '../../shared/bridge.ts'
import type { ErrorCode } from '../../shared/errors.ts'

export type BannerTone = 'info' | 'warning' | 'error'
export interface Banner {
  tone: BannerTone
  title: string
  detail?: string
  /** Reconnect moment (epoch ms) for a live countdown. */
  retryAt?: number
  /** The banner offers to enter the password again. */
  askPassword?: boolean
}

/** What the desktop app says while the room's host is gone and its messages come from the app's own copy. */
export const HOST_OFFLINE = 'Host is offline — history from this device'

/** The banner for a session, or undefined when all is well (open). */
export function bannerFor(session: SessionState): Banner | undefined {
  const c = session.connection
  if (session.hostOffline) return { tone: 'warning', title: HOST_OFFLINE, ...(c.retryAt ? { retryAt: c.retryAt } : {}) }
  switch (c.status) {
    case 'open':
      return undefined
    case 'connecting':
      return { tone: 'info', title: 'Connecting…' }
    case 'authenticating':
      return { tone: 'info', title: 'Checking the password…' }
    case 'reconnecting':
      if (c.reason === 'host_stopped')
        return { tone: 'warning', title: 'Host left', detail: 'The host stopped this room.', ...(c.retryAt ? { retryAt: c.retryAt } : {}) }
      return {
        tone: 'warning',
        title: 'Connection lost',
        detail: c.retryAt ? undefined : 'Reconnecting…',
        ...(c.retryAt ? { retryAt: c.retryAt } : {}),
      }
    case 'closed':
      switch (c.reason) {
        case 'wrong_password':
          return { tone: 'error', title: 'Wrong password', detail: 'The room refused that password.', askPassword: true }
        case 'password_required':
          return { tone: 'error', title: 'Password required', detail: 'This room is protected by a password.', askPassword: true }
        case 'locked_out':
          return {
            tone: 'error',
            title: 'Too many attempts',
            detail: 'The room refused too many wrong passwords. Try again in a minute.',
            askPassword: true,
          }
        case 'host_stopped':
          return { tone: 'warning', title: 'Host left', detail: 'The host stopped this room.' }
        case 'unsupported_protocol':
          return { tone: 'error', title: 'Incompatible version', detail: 'This room runs a different version of Beacon.' }
        case undefined:
          return { tone: 'info', title: 'Not connected' }
        default:
          return { tone: 'error', title: 'Disconnected', detail: errorText(c.reason) }
      }
  }
}

/** Why the composer is disabled, or undefined when messages can be sent. */
export function composerBlockedReason(session: SessionState): string | undefined {
  const c = session.connection
  if (c.status === 'open') return undefined
  if (session.hostOffline) return HOST_OFFLINE
  if (c.status === 'connecting' || c.status === 'authenticating') return 'Connecting to the room…'
  if (c.status === 'reconnecting')
    return c.reason === 'host_stopped' ? 'Waiting for the room to come back…' : 'Offline: reconnecting to the room…'
  return 'Not connected to this room.'
}

/** Seconds left until `retryAt`, never negative. */
export function secondsUntil(retryAt: number, now: number): number {
  return Math.max(0, Math.ceil((retryAt - now) / 1000))
}

const ERROR_TEXT: Record<ErrorCode, string> = {
  bad_frame: 'The room could not read a message from this app.',
  too_large: 'That message is too long.',
  rate_limited: 'Sending too fast: slow down a little.',
  not_joined: 'You are not in the room yet.',
  wrong_password: 'Wrong password.',
  unsupported_protocol: 'This room runs a different version of Beacon.',
  locked_out: 'Too many wrong passwords. Try again in a minute.',
  password_required: 'This room needs a password.',
  host_stopped: 'The host stopped the room.',
  abuse: 'The room closed this connection after too many refused messages.',
  hello_timeout: 'The room did not hear from this app in time.',
  busy: 'The room is full right now. Trying again shortly.',
  too_slow: 'The connection fell behind. Catching up…',
  storage: 'The room could not save that. Try again.',
  no_such_member: 'That person has never been in this room.',
  bad_argument: 'That input was not accepted.',
  not_connected: 'Not connected to the room.',
  not_hosting: 'You are not hosting a room.',
  already_hosting: 'You are already hosting a room.',
  room_not_found: 'That room is no longer on the network.',
  unreachable: 'The room could not be reached. Check the address and that you are on the same network.',
  internal: 'Something went wrong inside Beacon.',
  not_member: 'The room no longer knows this member: rejoin to send or fetch files.',
  quota_full: 'The room has no space left for files.',
  checksum_mismatch: 'The file changed or was damaged on the way: nothing was stored. Try again.',
  wrong_offset: 'The upload got out of step with the room. Trying again…',
  file_not_found: 'The room does not have that file (any more): send it again.',
}

/** Codes whose message from the app says more than the generic text (which room, which address). */
const SPECIFIC: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['unreachable', 'room_not_found', 'internal', 'already_hosting', 'quota_full'])

/** Words for an error: the app's own message where it is specific, else the text for its code. */
export function errorText(code: ErrorCode | undefined, message?: string): string {
  if (code && message && SPECIFIC.has(code)) return message
  return (code && ERROR_TEXT[code]) || message || 'Something went wrong.'
}
