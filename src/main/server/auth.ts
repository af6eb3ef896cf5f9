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

/** After too many wrong proofs from one address within a minute, that address is shut out for a while. */
export class Lockout {
  #failures = new Map<string, WindowCounter>()
  #lockedUntil = new Map<string, number>()

  isLocked(address: string): boolean {
    const until = this.#lockedUntil.get(address)
    if (until === undefined) return false
    if (Date.now() < until) return true
    this.#lockedUntil.delete(address)
    return false
  }

  fail(address: string): void {
    let counter = this.#failures.get(address)
    if (!counter) this.#failures.set(address, (counter = new WindowCounter(60_000)))
    if (counter.add() >= LIMITS.wrongProofsPerMinute) {
      this.#lockedUntil.set(address, Date.now() + LIMITS.lockoutMs)
      this.#failures.delete(address)
    }
  }
}
