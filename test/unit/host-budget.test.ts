// The connection budget: per address and in all, and never more than the process's descriptors allow.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { ConnectionBudget, descriptorCap, FD_RESERVE } from '../../src/main/server/budget.ts'

describe('ConnectionBudget', () => {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-budget-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('refuses one more per address and in all, and takes back what was released', () => {
    const b = new ConnectionBudget({ perAddress: 2, total: 3 })
    assert.deepEqual([b.take('a'), b.take('a'), b.take('a')], [true, true, false])
    assert.equal(b.has('b'), true)
    assert.equal(b.take('b'), true)
    assert.equal(b.has('c'), false, 'the total is spent')
    b.release('a')
    assert.equal(b.total, 2)
    assert.equal(b.take('c'), true)
  })

  it('caps connections below the soft open-file limit, and not at all where there is none', () => {
    const limits = (soft: string) => {
      const file = join(dir, `limits-${soft}`)
      writeFileSync(
        file,
        'Limit                     Soft Limit           Hard Limit           Units     \n' +
          'Max cpu time              unlimited            unlimited            seconds   \n' +
          `Max open files            ${soft}                 524288               files     \n`,
      )
      return file
    }
    assert.equal(descriptorCap(limits('1024')), 1024 - FD_RESERVE)
    assert.equal(descriptorCap(limits('unlimited')), undefined)
    assert.equal(descriptorCap(join(dir, 'missing')), undefined)
    const own = descriptorCap()
    if (own !== undefined) assert.ok(own > 0, 'this process has a cap')
  })
})
