// Latency histogram with ~1% relative precision: log-spaced buckets over microseconds, mergeable across
// processes (workers send their counts to the orchestrator).
const GROWTH = Math.log(1.01)
const BUCKETS = 2400 // 1.01^2400 µs ≈ 2.3e10 µs: far past any bounded run

export class Histogram {
  counts: number[]
  total = 0
  max = 0

  constructor(counts?: number[]) {
    this.counts = counts ?? new Array<number>(BUCKETS).fill(0)
  }

  /** Record one sample in milliseconds. */
  add(ms: number): void {
    const us = ms < 0 ? 0 : ms * 1000
    const i = us < 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(us) / GROWTH))
    this.counts[i]!++
    this.total++
    if (ms > this.max) this.max = ms
  }

  merge(other: HistogramData): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i] ?? 0
    this.total += other.total
    if (other.max > this.max) this.max = other.max
  }

  /** The q-quantile in milliseconds (upper edge of its bucket). */
  quantile(q: number): number {
    if (this.total === 0) return NaN
    const rank = Math.ceil(q * this.total)
    let seen = 0
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!
      if (seen >= rank) return Math.min(this.max, Math.exp(i * GROWTH) / 1000)
    }
    return this.max
  }

  toJSON(): HistogramData {
    return { counts: this.counts, total: this.total, max: this.max }
  }
}

export interface HistogramData {
  counts: number[]
  total: number
  max: number
}
