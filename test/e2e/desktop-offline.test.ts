// A room whose host is gone, in the desktop app end to end (harness instances: real AppService, real renderer
// build in Chromium, the real preload bridge; joins by address on loopback). When Ana stops hosting, Bo keeps
// reading the room, read-only, and the banner says so; after his app restarts it opens the room from his own
// device's history; when she hosts it again (same room id, epoch and port) he is back in it without a message
// shown twice.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { expect, type Browser, type Page } from '@playwright/test'
import { chromiumMissing, launchChromium } from '../harness/harness.ts'
import { rendererBuilt } from '../harness/static-server.ts'
import { joinByAddress, LoopbackApps } from '../helpers/desktop-page.ts'

const skip = chromiumMissing() ?? (rendererBuilt() ? undefined : 'no renderer build in out/renderer: run `npm run build` first')
const WAIT = { timeout: 20_000 }
const SHOTS = 'test-results'
const OFFLINE = 'Host is offline — history from this device'

const messages = (p: Page) => p.getByRole('log', { name: 'Messages' })
const banner = (p: Page) => p.getByRole('status', { name: 'Connection' })
const composer = (p: Page) => p.getByRole('textbox', { name: 'Message' })

async function say(p: Page, text: string): Promise<void> {
  await composer(p).fill(text)
  await composer(p).press('Enter')
}

async function hostRoom(p: Page, name: string): Promise<void> {
  await p.getByRole('button', { name: 'Host a room' }).click()
  const dialog = p.getByRole('dialog', { name: 'Host a room' })
  await dialog.getByRole('textbox', { name: 'Room name' }).fill(name)
  await dialog.getByRole('button', { name: 'Start hosting' }).click()
  await expect(composer(p)).toBeEnabled(WAIT)
}

/** Bo reads the room from his device: both messages shown, nothing can be sent. */
async function readOnlyHistory(p: Page): Promise<void> {
  await expect(banner(p)).toContainText(OFFLINE, WAIT)
  await expect(messages(p).getByText('soup at noon?', { exact: true })).toBeVisible()
  await expect(messages(p).getByText('yes please', { exact: true })).toBeVisible()
  await expect(composer(p)).toBeDisabled()
  await expect(p.locator('.composer-hint')).toContainText(OFFLINE)
}

describe('a room whose host is gone, in the desktop app', { skip }, () => {
  let browser: Browser
  const apps = new LoopbackApps(() => browser)
  const boData = mkdtempSync(join(tmpdir(), 'beacon-offline-bo-'))

  before(async () => {
    mkdirSync(SHOTS, { recursive: true })
    browser = await launchChromium()
  })
  after(async () => {
    await apps.closeAll()
    await browser?.close()
    rmSync(boData, { recursive: true, force: true })
  })

  const start = (name: string, userDataDir?: string) => apps.start(name, userDataDir)

  it(
    'shows the history read-only from this device while the host is offline, also after a restart, then goes on when it is back',
    { timeout: 120_000 },
    async () => {
      const ana = await start('Ana')
      let bo = await start('Bo', boData)
      await hostRoom(ana.page, 'Lunch')
      const address = ana.service.shareInfo().address.replace(/^[^:]+:/, '127.0.0.1:')
      await joinByAddress(bo.page, address)
      await expect(composer(bo.page)).toBeEnabled(WAIT)
      await say(ana.page, 'soup at noon?')
      await say(bo.page, 'yes please')
      await expect(messages(bo.page)).toContainText('soup at noon?', WAIT)
      await expect(messages(bo.page)).toContainText('yes please', WAIT)

      await ana.page.getByRole('button', { name: 'Stop hosting' }).first().click()
      await readOnlyHistory(bo.page)
      await bo.page.screenshot({ path: `${SHOTS}/host-offline-history-light.png` })

      // Bo's app restarts while the host is still gone: the room opens from what his device kept.
      await apps.close(bo)
      bo = await start('Bo', boData)
      await joinByAddress(bo.page, address)
      await readOnlyHistory(bo.page)

      // Ana hosts the room again: same id and epoch, on the port it had.
      await hostRoom(ana.page, 'Lunch')
      await expect(banner(bo.page)).toHaveCount(0, WAIT)
      await expect(composer(bo.page)).toBeEnabled(WAIT)
      await say(ana.page, 'back again')
      await expect(messages(bo.page)).toContainText('back again', WAIT)
      for (const text of ['soup at noon?', 'yes please', 'back again'])
        await expect(messages(bo.page).getByText(text, { exact: true })).toHaveCount(1)
    },
  )
})
