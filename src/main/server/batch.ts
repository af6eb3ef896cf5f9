// The frames every member gets in one event-loop turn. Each is JSON-encoded once; each transport
// frames the whole batch once (`encoded`) and writes the same bytes to all of its members.
export class Batch {
  readonly frames: string[] = []
  #encoded = new Map<string, unknown>()

  push(json: string): void {
    this.frames.push(json)
  }

  get size(): number {
    return this.frames.length
  }

  encoded<T>(kind: string, encode: (frames: readonly string[]) => T): T {
    let v = this.#encoded.get(kind) as T | undefined
    if (v === undefined) this.#encoded.set(kind, (v = encode(this.frames)))
    return v
  }
}
