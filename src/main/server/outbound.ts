// What the room and a session send a member, and the one interface every transport implements to carry it.
// A frame travels as a typed value with its JSON, encoded once where it is made: transports read the typed
// fields (type, error code, ids, seqs) and write the JSON, so none parses what the host just produced.
import type { ErrorCode } from '../../shared/errors.ts'
import type { HostFrame, Welcome } from '../../shared/protocol.ts'
import type { Batch } from './batch.ts'

/** A welcome as transports read it: all but its member list and history, plus the seq history ends at. */
export type WelcomeHead = Omit<Welcome, 'members' | 'history'> & {
  /** Seq of the last message in the welcome's history; undefined when its history is empty. */
  readonly historyEnd: number | undefined
}

/** Every frame the host sends a member (the welcome as its head: see WelcomeOut). */
export type OutFrame = Exclude<HostFrame, Welcome> | WelcomeHead

export interface Outbound {
  readonly frame: OutFrame
  /** `frame` as JSON, byte for byte what the member gets. */
  readonly json: string
}

/**
 * The welcome: its JSON as UTF-8 bytes in parts, whose middle is a slice of the room's member list bytes
 * (see Room.#encodeWelcome), so a join allocates nothing the size of the room.
 */
export interface WelcomeOut {
  readonly frame: WelcomeHead
  readonly parts: readonly Buffer[]
}

/** A frame and its JSON: made once, however many members it goes to. */
export function outbound(frame: Exclude<OutFrame, WelcomeHead>): Outbound {
  return { frame, json: JSON.stringify(frame) }
}

export function errorOut(code: ErrorCode, message: string, id?: string): Outbound {
  return outbound(id === undefined ? { type: 'error', code, message } : { type: 'error', code, message, id })
}

/**
 * What a transport offers: the one interface between the host's protocol logic and a connection's wire,
 * implemented by every transport. The room holds Sessions (Peer: who the member is, its protocol state) and
 * writes a member's frames straight to its session's `transport`; only closing goes through the Session,
 * which must leave the room as it closes. So nothing forwards frames between room and transport (making the
 * transport the peer instead would have every transport forward the member's identity from its Session).
 */
export interface Transport {
  readonly remoteAddress: string
  /** A frame for this member alone, now. */
  send(o: Outbound): void
  sendWelcome(w: WelcomeOut): void
  /** The flush window's room frames, then the frames for this member alone (acks), in one write where possible. */
  deliver(batch: Batch, own: readonly Outbound[] | undefined): void
  close(code: number, reason: string): void
  /**
   * Optional flow control, for a resume's replay: bytes written but not yet sent, and a one-shot callback
   * once they have drained. A transport with both gets the replay page by page as it drains; one without
   * gets it all at once (in pages) and must bound its own queue.
   */
  queuedBytes?(): number
  onDrain?(fn: () => void): void
}
