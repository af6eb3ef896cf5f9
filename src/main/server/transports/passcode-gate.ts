// STOMP's CONNECT carries the room password itself, so the host derives its PBKDF2 key (tens of ms of CPU)
// to check it. Derivations are the expensive step a guesser can make the host repeat, so they are metered
// BEFORE they run: a few per address per minute, a couple at once for the whole host, a short wait line,
// and beyond that a refusal (`busy`) that costs nothing.
import { deriveKey } from '../../../shared/password.ts'
import { WindowCounter } from '../../../shared/rate-limit.ts'

export interface PasscodeLimits {
  /** Derivations started per address per minute. */
  perAddressPerMinute: number
  /** Derivations running at once, host-wide. */
  atOnce: number
  /** Derivations waiting for a slot, host-wide; one more is refused `busy`. */
  queue: number
}

export type Derived = { key: Uint8Array } | { refused: 'rate_limited' | 'busy' } | { dropped: true }

/** Counters per address are dropped once idle; the map is swept when it grows past this. */
const SWEEP_AT = 1024

export class PasscodeGate {
  /** Keys derived so far (tests assert guessing is bounded by counting them). */
  derivations = 0
  readonly limits: PasscodeLimits
  #running = 0
  #waiting: (() => void)[] = []
  #recent = new Map<string, WindowCounter>()

  constructor(limits: PasscodeLimits) {
    this.limits = limits
  }

  /**
   * Derive `passcode`'s key for the room's salt and iterations, or refuse without deriving. `wanted` is asked
   * again when a slot frees up, so a connection that went away while waiting costs nothing more.
   */
  async derive(address: string, passcode: string, salt: Uint8Array, iterations: number, wanted: () => boolean): Promise<Derived> {
    let counter = this.#recent.get(address)
    if (!counter) {
      if (this.#recent.size >= SWEEP_AT) for (const [a, c] of this.#recent) if (c.count() === 0) this.#recent.delete(a)
      this.#recent.set(address, (counter = new WindowCounter(60_000)))
    }
    if (counter.count() >= this.limits.perAddressPerMinute) return { refused: 'rate_limited' }
    counter.add()
    if (this.#running >= this.limits.atOnce) {
      if (this.#waiting.length >= this.limits.queue) return { refused: 'busy' }
      await new Promise<void>((resolve) => this.#waiting.push(resolve))
    } else this.#running++
    // Here this call holds a slot (a finishing derivation hands its slot over rather than freeing it).
    try {
      if (!wanted()) return { dropped: true }
      this.derivations++
      return { key: await deriveKey(passcode, salt, iterations) }
    } finally {
      const next = this.#waiting.shift()
      if (next) next()
      else this.#running--
    }
  }
}
