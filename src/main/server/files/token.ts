// Member tokens for the file routes: `<member id>.<HMAC>` under a secret made fresh by each host process, so a
// token cannot be forged, names its member without a lookup table, and dies with the process. Whether the
// member may still use it (in the room, or recently) is the room's to say (Room.present).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export class FileTokens {
  #secret = randomBytes(32)

  issue(memberId: string): string {
    return `${memberId}.${this.#mac(memberId)}`
  }

  /** The member a token was issued to, or undefined when it was not issued by this process. */
  member(token: string): string | undefined {
    const dot = token.lastIndexOf('.')
    if (dot <= 0) return undefined
    const id = token.slice(0, dot)
    const given = Buffer.from(token.slice(dot + 1))
    const expected = Buffer.from(this.#mac(id))
    return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined
  }

  #mac(memberId: string): string {
    return createHmac('sha256', this.#secret).update(memberId).digest('base64url')
  }
}
