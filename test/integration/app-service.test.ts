// The desktop app's service in plain Node: what survives a restart (the read position per room too), and asking
// before closing a room.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { AppService } from '../../src/main/app-service.ts'
import { dispatch } from '../../src/main/bridge-dispatch.ts'
import { roomDirName } from '../../src/main/room-dir.ts'
import type { ChatMessage } from '../../src/shared/protocol.ts'
import { dividerOf } from '../../src/renderer/state/read-position.ts'

const dirs: string[] = []
function userData(): string {
  const d = mkdtempSync(join(tmpdir(), 'beacon-app-'))
  dirs.push(d)
  return d
}
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

const app = (dir: string, extra: Partial<ConstructorParameters<typeof AppService>[0]> = {}) =>
  new AppService({ userDataDir: dir, listen: '127.0.0.1', ...extra })

function nextMessage(s: AppService, text: string): Promise<ChatMessage> {
  return new Promise((resolve) => {
    const off = s.on('message', (m) => {
      if (m.text === text) {
        off()
        resolve(m)
      }
    })
  })
}

describe('the desktop app service', () => {
  it('remembers the display name, theme and installation id across restarts', async () => {
    const dir = userData()
    const first = app(dir)
    assert.deepEqual(first.getProfile(), { name: '', theme: 'system' })
    first.setProfile({ name: 'Ana', theme: 'dark' })
    const id = first.clientId
    await first.dispose()
    const second = app(dir)
    assert.deepEqual(second.getProfile(), { name: 'Ana', theme: 'dark' })
    assert.equal(second.clientId, id)
    assert.equal(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')).clientId, id)
    await second.dispose()
  })

  it('asks for a display name before hosting or joining', async () => {
    const s = app(userData())
    await assert.rejects(s.hostRoom({ name: 'Lunch' }), { code: 'bad_argument', message: 'Choose a display name first' })
    await assert.rejects(s.joinRoom('127.0.0.1:9'), { code: 'bad_argument' })
    await s.dispose()
  })

  it('a room hosted again after a restart keeps its id, its history and its address', async () => {
    const dir = userData()
    const first = app(dir)
    first.setProfile({ name: 'Ana' })
    const hosting = await first.hostRoom({ name: 'Lunch' })
    assert.equal(hosting.status, 'on')
    assert.equal(first.session.connection.status, 'open', 'the host is in its own room')
    const arrived = nextMessage(first, 'kept across restarts')
    first.send('kept across restarts')
    await arrived
    const { address } = first.shareInfo()
    await first.dispose()

    const second = app(dir)
    const again = await second.hostRoom({ name: 'Lunch' })
    assert.equal(again.room?.id, hosting.room?.id)
    assert.equal(second.shareInfo().address.split(':').pop(), address.split(':').pop())
    assert.ok(second.getSnapshot().messages.some((m) => m.text === 'kept across restarts'))
    await second.dispose()
  })

  it('gives each room name its own data folder', () => {
    assert.equal(roomDirName('Lunch'), roomDirName('Lunch'))
    assert.notEqual(roomDirName('Lunch'), roomDirName('lunch'))
    assert.match(roomDirName('../../etc'), /^etc-[0-9a-f]{8}$/)
    assert.match(roomDirName('🍜'), /^room-[0-9a-f]{8}$/)
  })

  it('asks before stopping a room others are in, and keeps hosting when told no', async () => {
    let asked = 0
    let answer = false
    const ana = app(userData(), { confirmStopHosting: (n) => ((asked = n), answer) })
    ana.setProfile({ name: 'Ana' })
    const bo = app(userData())
    bo.setProfile({ name: 'Bo' })
    await ana.hostRoom({ name: 'Lunch' })
    await bo.joinRoom(`127.0.0.1:${ana.shareInfo().address.split(':').pop()}`)
    assert.equal(ana.othersInHostedRoom, 1)
    assert.equal((await ana.stopHosting()).status, 'on')
    assert.equal(asked, 1)
    answer = true
    const left = new Promise<void>((resolve) => bo.on('session', (s) => s.connection.reason === 'host_stopped' && resolve()))
    assert.equal((await ana.stopHosting()).status, 'off')
    await left
    await bo.dispose()
    await ana.dispose()
  })

  it('says why a join failed: nothing there, password needed, wrong password', async () => {
    const ana = app(userData())
    ana.setProfile({ name: 'Ana' })
    const bo = app(userData())
    bo.setProfile({ name: 'Bo' })
    await ana.hostRoom({ name: 'Secret', password: 'open sesame' })
    const address = `127.0.0.1:${ana.shareInfo().address.split(':').pop()}`
    await assert.rejects(bo.joinRoom('not an address at all'), { code: 'bad_argument' })
    await assert.rejects(bo.joinRoom(address), { code: 'password_required' })
    await assert.rejects(bo.joinRoom(address, { password: 'nope' }), { code: 'wrong_password' })
    assert.equal(bo.session.connection.reason, 'wrong_password')
    const s = await bo.joinRoom(address, { password: 'open sesame' })
    assert.equal(s.connection.status, 'open')
    await bo.dispose()
    await ana.dispose()
  })

  it('a new display name shows on the next message and in the other member’s list at once', async () => {
    const ana = app(userData(), { lanAddress: () => '127.0.0.1' })
    ana.setProfile({ name: 'Ana' })
    const bo = app(userData())
    bo.setProfile({ name: 'Bo' })
    await ana.hostRoom({ name: 'Lunch' })
    await bo.joinRoom(ana.shareInfo().address)
    let anaSeen: string[] = []
    ana.on('members', (list) => (anaSeen = list.map((m) => m.name).sort()))
    const arrived = nextMessage(ana, 'now as Bob')
    bo.setProfile({ name: 'Bob' })
    bo.send('now as Bob')
    assert.equal((await arrived).from.name, 'Bob')
    await new Promise<void>((resolve) => {
      const check = () => anaSeen.join() === 'Ana,Bob' && resolve()
      check()
      ana.on('members', check)
    })
    assert.equal(bo.session.you?.name, 'Bob')
    await bo.dispose()
    await ana.dispose()
  })

  it('after leaving and joining again, the room shows its messages, and an unknown unsent id is refused', async () => {
    const ana = app(userData(), { lanAddress: () => '127.0.0.1' })
    ana.setProfile({ name: 'Ana' })
    await ana.hostRoom({ name: 'Lunch' })
    const arrived = nextMessage(ana, 'still here after leaving')
    ana.send('still here after leaving')
    await arrived
    ana.leaveRoom()
    assert.equal(ana.getSnapshot().messages.length, 0)
    await ana.joinRoom(ana.shareInfo().address)
    assert.ok(ana.getSnapshot().messages.some((m) => m.text === 'still here after leaving'))
    assert.throws(() => ana.retry('no-such-id'), { code: 'bad_argument' })
    await ana.dispose()
  })

  it('remembers where Bo stopped reading across a restart, so the "New messages" line lands before what Ana wrote since', async () => {
    const ana = app(userData(), { lanAddress: () => '127.0.0.1' })
    ana.setProfile({ name: 'Ana' })
    const boDir = userData()
    let bo = app(boDir)
    bo.setProfile({ name: 'Bo' })
    const room = (await ana.hostRoom({ name: 'Lunch' })).room!.id
    await bo.joinRoom(ana.shareInfo().address)
    const seen = nextMessage(bo, 'read 3')
    for (const n of [1, 2, 3]) ana.send(`read ${n}`)
    const read = await seen
    // Through the bridge's checks, as the renderer calls it: a later, lower write does not move it back.
    assert.deepEqual(await dispatch(bo, 'markRead', [room, read.seq], { trusted: true }), { ok: true, value: null })
    assert.deepEqual(await dispatch(bo, 'markRead', [room, 1], { trusted: true }), { ok: true, value: null })
    assert.deepEqual(bo.getSnapshot().readUpTo, { [room]: read.seq })
    await bo.dispose()

    // Bo is away; Ana writes on.
    const last = nextMessage(ana, 'new 5')
    for (const n of [1, 2, 3, 4, 5]) ana.send(`new ${n}`)
    await last

    bo = app(boDir)
    assert.deepEqual(bo.getSnapshot().readUpTo, { [room]: read.seq }, 'read from settings.json at start')
    await bo.joinRoom(ana.shareInfo().address)
    await until(() => bo.getSnapshot().messages.some((m) => m.text === 'new 5'))
    const s = bo.getSnapshot()
    const divider = dividerOf(s.messages, s.readUpTo[room], s.session.you?.id, s.window.start)
    assert.equal(divider.kind === 'before' && s.messages.find((m) => m.id === divider.id)?.text, 'new 1')
    await bo.dispose()
    await ana.dispose()
  })
})

/** Resolves once `check` holds (the room's catch-up arrives after the join resolves). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25))
  assert.ok(check())
}
