// Notifications in the desktop app end to end (harness instance: real AppService, real renderer build in
// Chromium, the real preload bridge, its Notification and badge recorded) on a real host on loopback, with Ann
// as a raw member. Bo picks each room's level in the room header and do-not-disturb in Settings: a room left at
// "All messages" notifies for every message, "Mentions and direct messages" only for those, "Nothing" not even
// for them, do-not-disturb for nothing at all; a password room hides the text unless allowed; a click shows the
// message's conversation; and the choices are still there after Bo's app restarts.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { expect, type Browser, type Page } from '@playwright/test'
import { chromiumMissing, DesktopInstance, launchChromium } from '../harness/harness.ts'
import { rendererBuilt } from '../harness/static-server.ts'
import { startHost, type TestHost } from '../helpers/host.ts'
import { RawClient } from '../helpers/raw-client.ts'
import { waitFor } from '../helpers/wait.ts'
import { deriveKey, proofFor } from '../../src/shared/password.ts'
import { joinByAddress } from '../helpers/desktop-page.ts'

const skip = chromiumMissing() ?? (rendererBuilt() ? undefined : 'no renderer build in out/renderer: run `npm run build` first')
const WAIT = { timeout: 20_000 }

const composer = (p: Page) => p.getByRole('textbox', { name: 'Message' })
const roomLevel = (p: Page) => p.getByRole('combobox', { name: 'Notifications' })

async function joinAt(p: Page, address: string, password?: string): Promise<void> {
  await joinByAddress(p, address, password)
  await expect(composer(p)).toBeEnabled(WAIT)
}

async function openSettings(p: Page) {
  await p.getByRole('button', { name: /Settings/ }).click()
  return p.getByRole('dialog', { name: 'Settings' })
}

describe('notifications in the desktop app', { skip }, () => {
  let browser: Browser
  const hosts: TestHost[] = []
  const open = new Set<DesktopInstance>()
  const clients: RawClient[] = []
  const boData = mkdtempSync(join(tmpdir(), 'beacon-notify-bo-'))

  before(async () => {
    browser = await launchChromium()
  })
  after(async () => {
    clients.forEach((c) => c.close())
    await Promise.all([...open].map((i) => i.close()))
    await browser?.close()
    await Promise.all(hosts.map((h) => h.dispose()))
    rmSync(boData, { recursive: true, force: true })
  })

  async function startBo(): Promise<DesktopInstance> {
    const bo = await DesktopInstance.start(browser, { name: 'Bo', userDataDir: boData })
    open.add(bo)
    return bo
  }

  it(
    'follows each room’s level and do-not-disturb, shows a clicked DM, and keeps the choices after a restart',
    { timeout: 120_000 },
    async () => {
      const host = await startHost({ name: 'Lunch' })
      hosts.push(host)
      const address = `127.0.0.1:${host.server.port}`
      let bo = await startBo()
      await joinAt(bo.page, address)
      const roomId = host.server.room.id
      const boId = bo.service.session.you!.id
      const ann = await RawClient.join(host.url, 'Ann', 'ann-notify-client')
      clients.push(ann)
      let n = 0
      const post = (text: string, extra: Record<string, unknown> = {}) => ann.post({ id: `n${++n}`, text, ...extra })
      const bodies = () => bo.notifications.shown.map((x) => x.body)
      /** Bo's app has received the message (so had it notified, it would have by now). */
      const arrived = (text: string) =>
        waitFor(() => bo.service.getSnapshot().messages.some((m) => m.text === text), `"${text}" to reach Bo`)

      // Left at "All messages": every message of someone else notifies, one per room, titled by the room.
      await post('soup at noon?')
      await waitFor(() => bodies().includes('Ann: soup at noon?'), 'a notification for a plain message')
      assert.deepEqual(bo.notifications.shown.at(-1), {
        tag: `room:${roomId}`,
        title: 'Lunch',
        body: 'Ann: soup at noon?',
        roomId,
        seq: bo.notifications.shown.at(-1)!.seq,
      })
      // Looking at the room: nothing pops up.
      bo.notifications.lookingAt = roomId
      await post('seen it?')
      await arrived('seen it?')
      bo.notifications.lookingAt = undefined

      // "Mentions and direct messages": a plain message stays quiet, a mention and a DM notify and count on the badge.
      await roomLevel(bo.page).selectOption({ label: 'Mentions and direct messages' })
      await expect(roomLevel(bo.page)).toHaveValue('mentions')
      await post('anyone for tea?')
      await post('@Bo tea?', { mentions: [boId] })
      const dm = await post('just between us', { to: boId })
      await waitFor(() => bodies().includes('Ann: just between us'), 'a notification for the DM')
      assert.deepEqual(bodies(), ['Ann: soup at noon?', 'Ann: @Bo tea?', 'Ann: just between us'])
      assert.deepEqual(bo.notifications.badges, [1, 2])

      // A click on the DM's notification shows that conversation, and its room's mentions leave the badge.
      bo.service.notificationClicked({ roomId, seq: dm.seq! })
      await expect(bo.page.getByRole('heading', { name: 'Ann · direct message' })).toBeVisible(WAIT)
      assert.equal(bo.notifications.badges.at(-1), 0)

      // "Nothing": not even a mention or a DM.
      await roomLevel(bo.page).selectOption({ label: 'Nothing' })
      await expect(roomLevel(bo.page)).toHaveValue('nothing')
      await post('@Bo still there?', { mentions: [boId] })
      await post('hello?', { to: boId })
      await arrived('hello?')

      // Do-not-disturb silences a room set to "All messages" too, DMs included.
      await roomLevel(bo.page).selectOption({ label: 'All messages' })
      const settings = await openSettings(bo.page)
      await settings.getByRole('checkbox', { name: 'Do not disturb' }).check()
      await expect.poll(() => bo.service.getSnapshot().notifications.doNotDisturb).toBe(true)
      await settings.getByRole('button', { name: 'Cancel' }).click()
      await post('lunch is ready')
      await post('your plate is here', { to: boId })
      await arrived('your plate is here')
      assert.equal(bo.notifications.shown.length, 3)

      // Bo's app restarts: do-not-disturb and the room's level are still his choices.
      await roomLevel(bo.page).selectOption({ label: 'Mentions and direct messages' })
      await expect.poll(() => bo.service.getSnapshot().notifications.rooms[roomId]).toBe('mentions')
      await bo.close()
      open.delete(bo)
      bo = await startBo()
      await joinAt(bo.page, address)
      await expect(roomLevel(bo.page)).toHaveValue('mentions')
      const again = await openSettings(bo.page)
      await expect(again.getByRole('checkbox', { name: 'Do not disturb' })).toBeChecked()
      await again.getByRole('checkbox', { name: 'Do not disturb' }).uncheck()
      await again.getByRole('button', { name: 'Cancel' }).click()
      await expect.poll(() => bo.service.getSnapshot().notifications.doNotDisturb).toBe(false)
      await post('and now?')
      await post('@Bo and now?', { mentions: [boId] })
      await waitFor(() => bodies().includes('Ann: @Bo and now?'), 'a mention after the restart')
      assert.deepEqual(bodies(), ['Ann: @Bo and now?'])
    },
  )

  it('hides the text of a password room’s messages unless Bo allows previews there', { timeout: 60_000 }, async () => {
    const host = await startHost({ name: 'Secrets', password: 'open sesame' })
    hosts.push(host)
    const bo = await DesktopInstance.start(browser, { name: 'Bo' })
    open.add(bo)
    await joinAt(bo.page, `127.0.0.1:${host.server.port}`, 'open sesame')
    const ann = await RawClient.join(host.url, 'Ann', 'ann-secret-client')
    clients.push(ann)
    // Ann answers the host's password challenge like any member.
    const ch = ann.of('challenge')[0]!
    ann.send({
      type: 'auth',
      proof: await proofFor(await deriveKey('open sesame', Buffer.from(ch.salt, 'base64'), ch.iterations), ch.nonce),
    })
    await ann.until(() => ann.welcome, 'Ann in the password room')
    await ann.post({ id: 's1', text: 'the code is 1234' })
    await waitFor(() => bo.notifications.shown.length === 1, 'a notification from the password room')
    assert.equal(bo.notifications.shown[0]!.body, 'Ann: New message')

    const settings = await openSettings(bo.page)
    await settings.getByRole('checkbox', { name: 'Show message text from password-protected rooms' }).check()
    await expect.poll(() => bo.service.getSnapshot().notifications.previewsInPasswordRooms).toBe(true)
    await settings.getByRole('button', { name: 'Cancel' }).click()
    await ann.post({ id: 's2', text: 'door at 6' })
    await waitFor(() => bo.notifications.shown.length === 2, 'the second notification')
    assert.equal(bo.notifications.shown[1]!.body, 'Ann: door at 6')
  })
})
