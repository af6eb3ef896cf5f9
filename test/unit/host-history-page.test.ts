// Scrollback reads by the primary key: a page of older messages is one index range read, so its cost does
// not grow with the log. Prints what a page costs in a 100,000-message log (a figure, not a pass/fail).
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { History } from '../../src/main/server/history.ts'
import { LIMITS } from '../../src/shared/protocol.ts'

describe('History.before (scrollback)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-history-page-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('returns the latest messages older than a seq, ascending, from a 100,000-message log', () => {
    const h = new History(dir)
    const total = 100_000
    const text = 'a message of ordinary length, about as long as people write in a chat'
    // One open transaction: commit would prune to the retention, and this measures a log of this size.
    for (let seq = 1; seq <= total; seq++)
      h.append('c', { type: 'message', seq, id: `m${seq}`, from: { id: 'a', name: 'Ann' }, text, ts: seq })
    const page = h.before(50_001, LIMITS.historyPage)
    assert.deepEqual(
      page.map((m) => m.seq),
      Array.from({ length: LIMITS.historyPage }, (_, i) => 50_001 - LIMITS.historyPage + i),
    )
    assert.deepEqual(
      h.before(3, 100).map((m) => m.seq),
      [1, 2],
    )
    const rounds = 200
    const t0 = performance.now()
    for (let i = 0; i < rounds; i++) h.before(1 + Math.floor(Math.random() * total), LIMITS.historyPage)
    const ms = (performance.now() - t0) / rounds
    console.log(`a page of ${LIMITS.historyPage} older messages from a ${total}-message log: ${ms.toFixed(3)} ms`)
    h.close()
  })
})
