import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { History } from '../../src/main/server/history.ts'
import { LIMITS, type ChatMessage } from '../../src/shared/protocol.ts'

describe('History', () => {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-history-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const msg = (seq: number): ChatMessage => ({
    type: 'message',
    seq,
    id: `m${seq}`,
    from: { id: 'a', name: 'Ann' },
    text: `t${seq}`,
    ts: seq,
  })

  it('keeps at least the retention, resumes exactly within it, and refuses to pretend beyond it', () => {
    const h = new History(dir)
    const total = LIMITS.retention + 2500
    for (let seq = 1; seq <= total; seq++) {
      h.append('ann', msg(seq))
      if (seq % 500 === 0) h.commit()
    }
    h.commit()
    const keptFrom = total - LIMITS.retention + 1
    assert.equal(h.canResume(keptFrom - 1), true, 'the whole retention can be replayed')
    assert.equal(h.after(keptFrom - 1).length, LIMITS.retention)
    assert.equal(h.canResume(0), false, 'older positions get a fresh welcome, not a partial replay')
    assert.equal(h.canResume(total + 1), false, 'a position from the future (another room epoch) is refused')
    assert.deepEqual(
      h.latest(3).map((m) => m.seq),
      [total - 2, total - 1, total],
    )
    assert.equal(h.find('ann', `m${total}`), total)
    assert.equal(h.find('bob', `m${total}`), undefined, 'ids are per client')
    h.close()
  })

  it('keeps the room id, epoch and seq across a reopen', () => {
    const a = new History(dir)
    const { id, epoch, lastSeq } = a
    a.close()
    const b = new History(dir)
    assert.deepEqual([b.id, b.epoch, b.lastSeq], [id, epoch, lastSeq])
    b.close()
  })
})
