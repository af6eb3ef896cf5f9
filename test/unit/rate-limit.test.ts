import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TokenBucket, WindowCounter } from '../../src/shared/rate-limit.ts'

describe('TokenBucket', () => {
  it('allows the burst at once, then the sustained rate', () => {
    let now = 0
    const b = new TokenBucket(10, 20, () => now)
    assert.equal(Array.from({ length: 25 }, () => b.take()).filter(Boolean).length, 20)
    now += 500 // half a second at 10/s: five more
    assert.equal(Array.from({ length: 10 }, () => b.take()).filter(Boolean).length, 5)
    now += 60_000 // a long pause saves up no more than the burst
    assert.equal(Array.from({ length: 30 }, () => b.take()).filter(Boolean).length, 20)
  })
})

describe('WindowCounter', () => {
  it('forgets events older than its window', () => {
    let now = 0
    const c = new WindowCounter(1000, () => now)
    c.add()
    now = 600
    assert.equal(c.add(), 2)
    now = 1200
    assert.equal(c.count(), 1)
  })
})
