// Password rooms: the host keeps salt, iterations and the derived key, never the password.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { deriveKey, proofFor } from '../../shared/password.ts'
import { LIMITS } from '../../shared/protocol.ts'
import { WindowCounter } from '../../shared/rate-limit.ts'

export interface RoomSecret {
  salt: Uint8Array
  iterations: number
  key: Uint8Array
}

export async function makeSecret(password: string, iterations: number = LIMITS.pbkdf2Iterations): Promise<RoomSecret> {
  const salt = new Uint8Array(randomBytes(16))
  return { salt, iterations, key: await deriveKey(password, salt, iterations) }
}

export const newNonce = (): string => randomBytes(18).toString('base64')

export async function verifyProof(secret: RoomSecret, nonce: string, proof: string): Promise<boolean> {
  const want = Buffer.from(await proofFor(secret.key, nonce), 'base64')
  const got = Buffer.from(proof, 'base64')
  return got.length === want.length && timingSafeEqual(got, want)
}

/**
 * Wrong passwords per address: after LIMITS.wrongProofsPerMinute wrong proofs within a minute, the address
 * is shut out for LIMITS.lockoutMs, and that is checked where a proof is judged, not only at hello, so
 * challenges collected beforehand cannot be spent after the lock. Outstanding challenges per address are
 * bounded too: one address cannot stockpile them.
 */
export class Lockout {
  #failures = new Map<string, WindowCounter>()
  #lockedUntil = new Map<string, number>()
  #challenges = new Map<string, number>()

  isLocked(address: string): boolean {
    const until = this.#lockedUntil.get(address)
    if (until === undefined) return false
    if (Date.now() < until) return true
    this.#lockedUntil.delete(address)
    return false
  }

  /** Count one wrong proof from `address` (call it when a proof was judged wrong). */
  fail(address: string): void {
    let counter = this.#failures.get(address)
    if (!counter) this.#failures.set(address, (counter = new WindowCounter(60_000)))
    if (counter.add() >= LIMITS.wrongProofsPerMinute) {
      this.#lockedUntil.set(address, Date.now() + LIMITS.lockoutMs)
      this.#failures.delete(address)
    }
  }

  /** Reserve one outstanding challenge for `address`; false when it holds LIMITS.challengesPerAddress already. */
  openChallenge(address: string): boolean {
    const n = this.#challenges.get(address) ?? 0
    if (n >= LIMITS.challengesPerAddress) return false
    this.#challenges.set(address, n + 1)
    return true
  }

  /** The challenge was answered, expired or its connection closed: call exactly once per openChallenge. */
  closeChallenge(address: string): void {
    const n = this.#challenges.get(address) ?? 0
    if (n <= 1) this.#challenges.delete(address)
    else this.#challenges.set(address, n - 1)
  }
}
