// The browser client joins only the room of the host that served it: it does not offer "Join by address…",
// refuses another address with a clear message, and shows the room's messages again after Leave → Join.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { expect, type Browser, type Page } from '@playwright/test'
import type { BeaconBridge, Result } from '../../src/shared/bridge.ts'
import { chromiumMissing, launchChromium } from '../harness/harness.ts'
import { startHost } from '../integration/transports-lib.ts'
import { WEB_ROOT } from '../helpers/web-page.ts'

const skip = chromiumMissing() ?? (existsSync(`${WEB_ROOT}/index.html`) ? undefined : 'no web build in out/web: run `npm run build` first')
const WAIT = { timeout: 15_000 }

const call = (page: Page, method: 'joinRoom' | 'leaveRoom', ...args: string[]) =>
  page.evaluate(
    ([m, a]) => (window as unknown as { beacon: BeaconBridge }).beacon[m as 'joinRoom'](...(a as [string])) as Promise<Result<unknown>>,
    [method, args] as const,
  )

describe('the browser client and other rooms', { skip }, () => {
  let host: Awaited<ReturnType<typeof startHost>>
  let browser: Browser
  let page: Page
  before(async () => {
    host = await startHost({ webRoot: WEB_ROOT })
    browser = await launchChromium()
    page = await (await browser.newContext()).newPage()
    await page.goto(host.server.webUrl)
    await page.getByLabel('Display name').fill('Webby', WAIT)
    await page.getByRole('button', { name: 'Continue' }).click()
    await expect(page.getByRole('textbox', { name: 'Message' })).toBeEnabled(WAIT)
  })
  after(async () => {
    await browser?.close()
    await host?.stop()
  })

  it('does not offer "Join by address…" and refuses another host with a clear message', async () => {
    await expect(page.getByRole('button', { name: 'Join by address…' })).toHaveCount(0)
    const r = await call(page, 'joinRoom', '198.18.0.9:4646')
    assert.equal(r.ok, false)
    assert.match(!r.ok ? r.error.message : '', /can only join "Transports"/)
    await expect(page.getByRole('textbox', { name: 'Message' })).toBeEnabled()
  })

  it('shows the room’s messages again after Leave → Join, without a reload', async () => {
    const box = page.getByRole('textbox', { name: 'Message' })
    await box.fill('before leaving')
    await box.press('Enter')
    const log = page.getByRole('log', { name: 'Messages' })
    await expect(log.getByText('before leaving')).toBeVisible(WAIT)
    await page.getByRole('button', { name: 'Leave' }).click()
    await expect(box).toHaveCount(0, WAIT)
    const r = await call(page, 'joinRoom', host.server.room.id)
    assert.equal(r.ok, true)
    await expect(log.getByText('before leaving')).toBeVisible(WAIT)
    await expect(log.getByText('No messages yet')).toHaveCount(0)
  })
})
