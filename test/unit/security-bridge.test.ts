// The bridge's trust boundary in main: wrong argument types, unknown methods and foreign senders are
// refused with a clear error before the service sees them.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AppService } from '../../src/main/app-service.ts'
import { dispatch } from '../../src/main/bridge-dispatch.ts'
import { BRIDGE_METHODS, type BridgeMethod } from '../../src/shared/bridge.ts'

const SHA = 'a'.repeat(64)
const REF = { fileId: SHA, name: 'plan.png', size: 10, mime: 'image/png', sha256: SHA }

/** For every method, calls whose arguments the contract refuses. */
const BAD: Record<BridgeMethod, unknown[][]> = {
  getSnapshot: [['extra']],
  getProfile: [[1]],
  setProfile: [[], ['Alice'], [{ name: 42 }], [{ theme: 'neon' }], [{ name: 'x'.repeat(200) }], [{ name: 'A', admin: true }]],
  hostRoom: [
    [],
    ['Lunch'],
    [{}],
    [{ name: '' }],
    [{ name: 'Lunch', password: '' }],
    [{ name: 'Lunch', password: 7 }],
    [{ name: 'Lunch', port: 80 }],
  ],
  stopHosting: [[true]],
  joinRoom: [[], [42], [''], ['x'.repeat(400)], ['room', { password: 1 }], ['room', { sneaky: true }]],
  openRoom: [[], [42], [''], ['x'.repeat(65)], ['r', 'extra']],
  leaveRoom: [[42], [''], ['x'.repeat(65)], ['r', 'extra']],
  loadOlder: [['page']],
  loadNewer: [[1]],
  send: [[], [42], [''], ['x'.repeat(4001)], [{ text: 'hi' }], [['hi']]],
  sendFile: [
    [],
    ['plan.png'],
    [{ ...REF, sha256: 'A'.repeat(64) }],
    [{ ...REF, size: -1 }],
    [{ ...REF, mime: 'png' }],
    [REF, 42],
    [REF, 'hi', 7],
    [REF, 'hi', ''],
  ],
  downloadFile: [[], [{}], [{ ...REF, fileId: '../../etc/passwd' }], [{ ...REF, size: 1.5 }]],
  cancelDownload: [[], [1], ['x'.repeat(129)]],
  showDownload: [[], [null], ['x'.repeat(129)]],
  openDownload: [[], [{}], ['x'.repeat(129)]],
  retry: [[], [1], ['']],
  setNotifications: [
    [],
    [{ doNotDisturb: 'yes' }],
    [{ rooms: { r1: 'loud' } }],
    [{ rooms: { '': 'all' } }],
    [{ rooms: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`r${i}`, 'nothing'])) }],
    [{ sound: true }],
  ],
  discard: [[], [null], ['x'.repeat(65)]],
  setTyping: [[{}]],
  shareInfo: [[0]],
  openExternal: [[], [123], ['x'.repeat(3000)]],
  markRead: [[], ['r'], [1, 2], ['r', -1], ['r', 1.5], ['r', '7'], ['x'.repeat(161), 1], ['r', 1, 'extra']],
}

describe('bridge calls checked in main', () => {
  let dir: string
  let service: AppService
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'beacon-bridge-'))
    service = new AppService({ userDataDir: dir })
  })
  after(async () => {
    await service.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  it('has a refusal case for every method of the contract', () => {
    assert.deepEqual(Object.keys(BAD).sort(), Object.keys(BRIDGE_METHODS).sort())
  })

  for (const [method, cases] of Object.entries(BAD)) {
    for (const args of cases) {
      it(`${method}(${JSON.stringify(args).slice(1, -1).slice(0, 50)}) is refused with bad_argument naming the method`, async () => {
        const r = await dispatch(service, method, args, { trusted: true })
        assert.equal(r.ok, false)
        if (r.ok) return
        assert.equal(r.error.code, 'bad_argument')
        assert.match(r.error.message, new RegExp(`^${method}: `))
      })
    }
  }

  it('refuses arguments that are not a list at all', async () => {
    for (const args of [undefined, null, 'hi', { 0: 'hi' }]) {
      const r = await dispatch(service, 'send', args, { trusted: true })
      assert.equal(r.ok, false)
    }
  })

  it('refuses unknown methods, including inherited names', async () => {
    for (const m of ['toString', '__proto__', 'constructor', 'dispose', 'onAny', 'exec', 42]) {
      const r = await dispatch(service, m, [], { trusted: true })
      assert.equal(r.ok, false)
      if (!r.ok) assert.match(r.error.message, /unknown bridge method/)
    }
  })

  it('refuses every call from a sender that is not the app window', async () => {
    const r = await dispatch(service, 'getProfile', [], { trusted: false })
    assert.equal(r.ok, false)
    if (!r.ok) assert.match(r.error.message, /did not come from the app window/)
  })

  it('answers a refused action with its code, not an exception', async () => {
    const r = await dispatch(service, 'send', ['hello'], { trusted: true })
    assert.deepEqual(r, { ok: false, error: { code: 'not_connected', message: 'You are not in a room' } })
    const link = await dispatch(service, 'openExternal', ['javascript:alert(1)'], { trusted: true })
    assert.equal(link.ok, false)
  })

  it('lets a good call through', async () => {
    const r = await dispatch(service, 'setProfile', [{ name: '  Alice  ' }], { trusted: true })
    assert.deepEqual(r, { ok: true, value: { name: 'Alice', theme: 'system' } })
  })
})
