// Per-member transfer accounting: a byte rate per direction (shared by all of a member's transfers, so opening
// more does not buy more) and how many uploads and downloads it runs at once.
import { setTimeout as sleep } from 'node:timers/promises'

/** Bytes a member may move ahead of its rate at once: one second's worth. */
const BURST_MS = 1000

export class Throttle {
  #rate: number
  /** When everything taken so far has been paid for at the rate (performance.now() ms). */
  #due = 0

  /** `bytesPerSecond` 0: unlimited. */
  constructor(bytesPerSecond: number) {
    this.#rate = bytesPerSecond
  }

  /** Wait, when needed, until `n` more bytes fit the rate. */
  take(n: number): Promise<void> | undefined {
    if (this.#rate <= 0) return undefined
    const now = performance.now()
    this.#due = Math.max(this.#due, now - BURST_MS) + (n * 1000) / this.#rate
    const wait = this.#due - now
    return wait > 0 ? sleep(wait) : undefined
  }

  /** Whether it holds no debt, so dropping it gives nothing away. */
  get idle(): boolean {
    return this.#due <= performance.now() - BURST_MS
  }
}

export interface MemberTransfers {
  up: Throttle
  down: Throttle
  uploads: number
  downloads: number
}

export class Transfers {
  #rate: number
  #members = new Map<string, MemberTransfers>()

  constructor(bytesPerSecond: number) {
    this.#rate = bytesPerSecond
  }

  of(member: string): MemberTransfers {
    let t = this.#members.get(member)
    if (!t) this.#members.set(member, (t = { up: new Throttle(this.#rate), down: new Throttle(this.#rate), uploads: 0, downloads: 0 }))
    return t
  }

  /** Forget members with nothing under way and no debt (the reaper calls this). */
  sweep(): void {
    for (const [id, t] of this.#members) if (t.uploads === 0 && t.downloads === 0 && t.up.idle && t.down.idle) this.#members.delete(id)
  }
}
