// The frames every member gets in one flush of the room (Room's flush window). Each is JSON-encoded once
// (Outbound); each transport frames the whole batch once (`encoded`) and writes the same bytes to all of its
// members.
import type { Outbound } from './outbound.ts'

export class Batch {
  readonly frames: Outbound[] = []
  #encoded = new Map<string, unknown>()
  #tails = new Map<number, Batch>()

  push(o: Outbound): void {
    this.frames.push(o)
  }

  get size(): number {
    return this.frames.length
  }

  /** The frames from index `start` on, as a batch of their own (shared by every peer that starts there). */
  from(start: number): Batch {
    let tail = this.#tails.get(start)
    if (!tail) {
      tail = new Batch()
      tail.frames.push(...this.frames.slice(start))
      this.#tails.set(start, tail)
    }
    return tail
  }

  encoded<T>(kind: string, encode: (frames: readonly Outbound[]) => T): T {
    let v = this.#encoded.get(kind) as T | undefined
    if (v === undefined) this.#encoded.set(kind, (v = encode(this.frames)))
    return v
  }
}
