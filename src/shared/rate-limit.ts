// Token bucket and sliding-window counter: the host's rate limit, abuse and lockout meters.
// Shared: the host meters members with it, and RoomClient paces its own sends to stay under the limit.
export type Clock = () => number
const wallClock: Clock = () => Date.now()

/** `rate` tokens per second, at most `burst` saved up; starts full. */
export class TokenBucket {
  #tokens: number
  #at: number
  #rate: number
  #burst: number
  #now: Clock
  constructor(rate: number, burst: number, now: Clock = wallClock) {
    this.#rate = rate
    this.#burst = burst
    this.#now = now
    this.#tokens = burst
    this.#at = now()
  }

  take(): boolean {
    const t = this.#now()
    this.#tokens = Math.min(this.#burst, this.#tokens + ((t - this.#at) * this.#rate) / 1000)
    this.#at = t
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}

/** How many events happened in the last `windowMs`. */
export class WindowCounter {
  #times: number[] = []
  #windowMs: number
  #now: Clock
  constructor(windowMs: number, now: Clock = wallClock) {
    this.#windowMs = windowMs
    this.#now = now
  }

  add(): number {
    this.#times.push(this.#now())
    return this.count()
  }

  count(): number {
    const floor = this.#now() - this.#windowMs
    while (this.#times.length && this.#times[0]! <= floor) this.#times.shift()
    return this.#times.length
  }
}
