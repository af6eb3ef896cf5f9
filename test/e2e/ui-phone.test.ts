// The browser client on a phone (390×844, touch, served over plain http by a real room host on loopback):
// the room list and settings are reachable from inside the room (also by keyboard), no Shift+Enter hint
// where there is no Shift key, Copy in the Invite dialog works or says how to copy without the Clipboard
// API, links open as the browser opens links (mail links included), and a fall-back transport is
// explained in plain words. Elements are found by role and accessible name.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { expect, type Browser, type Page } from '@playwright/test'
import { RoomServer } from '../../src/main/server/room-server.ts'
import { chromiumMissing, launchChromium } from '../harness/harness.ts'
import { rendererBuilt } from '../harness/static-server.ts'
import { messageListSettled } from '../helpers/message-list.ts'
import { botPeer } from '../helpers/host.ts'
import { WEB_ROOT } from '../helpers/web-page.ts'

const skip = chromiumMissing() ?? (rendererBuilt(WEB_ROOT) ? undefined : 'no browser build in out/web: run `npm run build` first')
const WAIT = { timeout: 15_000 }
const SHOTS = 'test-results'
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }
/** What a plain-http LAN page has: no Clipboard API (it exists only in secure contexts, and loopback is one). */
const NO_CLIPBOARD = `Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined })`

let browser: Browser
let server: RoomServer
let dataDir: string

async function phone(name: string, init: string[] = []): Promise<Page> {
  const context = await browser.newContext(PHONE)
  for (const content of init) await context.addInitScript({ content })
  const page = await context.newPage()
  await page.goto(server.webUrl)
  await page.getByRole('textbox', { name: 'Display name' }).fill(name, WAIT)
  await page.getByRole('button', { name: 'Continue' }).click()
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeEnabled(WAIT)
  return page
}

async function focusByTab(page: Page, target: ReturnType<Page['getByRole']>): Promise<void> {
  for (let i = 0; i < 25 && !(await target.evaluate((e) => e === document.activeElement)); i++) await page.keyboard.press('Tab')
  await expect(target).toBeFocused()
}

describe('the browser client on a phone', { skip }, () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true })
    dataDir = mkdtempSync(join(tmpdir(), 'beacon-phone-'))
    server = await RoomServer.start({ name: 'Picnic', dataDir, hostName: 'Dana', listen: '127.0.0.1', port: 0, webRoot: WEB_ROOT })
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await server?.stop('host_stopped')
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('reaches the room list and settings from inside the room, by touch or keyboard, and back', async () => {
    const p = await phone('Ivy')
    // No Shift+Enter on a phone: no hint about it; Enter starts a new line, the Send button sends.
    await expect(p.getByText('for a new line')).toBeHidden()
    const box = p.getByRole('textbox', { name: 'Message' })
    await box.fill('two')
    await box.press('Enter')
    await box.pressSequentially('lines')
    await expect(box).toHaveValue('two\nlines')
    await p.getByRole('button', { name: 'Send' }).click()
    await expect(p.getByRole('log', { name: 'Messages' }).getByText('two\nlines')).toBeVisible(WAIT)
    await p.screenshot({ path: `${SHOTS}/ui-phone-chat.png` })
    // The members button controls a panel that exists, shown or not.
    const people = p.getByRole('button', { name: /People/ })
    const controlled = await people.getAttribute('aria-controls')
    assert.ok(controlled && (await p.evaluate((id) => document.getElementById(id) !== null, controlled)))
    await people.click()
    await expect(p.getByRole('list', { name: 'Members' })).toBeVisible()
    await people.click()

    await focusByTab(p, p.getByRole('button', { name: 'All rooms' }))
    await p.keyboard.press('Enter')
    const rooms = p.getByRole('list', { name: 'Rooms' })
    await expect(rooms).toBeVisible()
    await expect(rooms.getByRole('button', { name: 'Open' })).toBeFocused()
    await expect(p.getByRole('textbox', { name: 'Message' })).toBeHidden()
    await p.screenshot({ path: `${SHOTS}/ui-phone-rooms.png` })
    await focusByTab(p, p.getByRole('button', { name: /Settings/ }))
    await p.keyboard.press('Enter')
    await expect(p.getByRole('dialog', { name: 'Settings' })).toBeVisible()
    await p.keyboard.press('Escape')
    // Still in the room: it is there to open again, with what was written.
    await focusByTab(p, rooms.getByRole('button', { name: 'Open' }))
    await p.keyboard.press('Enter')
    await expect(box).toBeFocused()
    await p.context().close()
  })

  it('copies invite text on a plain-http page, and says how to copy it when the browser refuses', async () => {
    const p = await phone('Jo', [
      NO_CLIPBOARD,
      `document.addEventListener('copy', () => {
        const f = document.activeElement
        window.__copied = f && 'value' in f ? f.value.slice(f.selectionStart, f.selectionEnd) : ''
      })`,
    ])
    await p.getByRole('button', { name: 'Invite' }).click()
    const dialog = p.getByRole('dialog', { name: /Invite people/ })
    const address = await dialog.getByRole('textbox', { name: 'Address' }).inputValue()
    await dialog.getByRole('button', { name: 'Copy address' }).click()
    await expect(dialog.getByRole('status')).toHaveText('Address copied.')
    assert.equal(await p.evaluate(() => (window as unknown as { __copied?: string }).__copied), address)

    // A browser that refuses even execCommand: the text is left selected, and the dialog says what to do.
    await p.evaluate(() => {
      document.execCommand = () => false
    })
    await dialog.getByRole('button', { name: 'Copy web link' }).click()
    await expect(dialog.getByRole('status')).toContainText(/press (Ctrl\+|⌘)C to copy/)
    const link = dialog.getByRole('textbox', { name: 'Web link' })
    await expect(link).toBeFocused()
    const selected = await link.evaluate((e: HTMLInputElement) => e.value.slice(e.selectionStart ?? 0, e.selectionEnd ?? 0))
    assert.equal(selected, server.webUrl)
    await p.screenshot({ path: `${SHOTS}/ui-phone-invite.png` })
    await p.context().close()
  })

  it('opens web and mail links as the browser does', async () => {
    const p = await phone('Kai')
    const box = p.getByRole('textbox', { name: 'Message' })
    await box.fill('menu at https://example.com/menu or write to mailto:chef@example.com')
    await p.getByRole('button', { name: 'Send' }).click()
    const log = p.getByRole('log', { name: 'Messages' })
    const web = log.getByRole('link', { name: 'https://example.com/menu' })
    const mail = log.getByRole('link', { name: 'mailto:chef@example.com' })
    await expect(mail).toBeVisible(WAIT)
    assert.equal(await web.getAttribute('target'), '_blank')
    assert.match((await web.getAttribute('rel')) ?? '', /noopener/)
    assert.equal(await mail.getAttribute('href'), 'mailto:chef@example.com')
    // Whether the page let the browser follow the click (then stop it here: tests stay on loopback).
    await p.evaluate(() => {
      window.addEventListener('click', (e) => {
        ;(window as unknown as { __followed?: boolean }).__followed = !e.defaultPrevented
        e.preventDefault()
      })
    })
    const followed = () => p.evaluate(() => (window as unknown as { __followed?: boolean }).__followed)
    await mail.click()
    assert.equal(await followed(), true, 'the mail link is followed')
    await web.click()
    assert.equal(await followed(), true, 'the web link is followed')
    await p.context().close()
  })

  it('says in plain words when it is on a slower fall-back than WebSocket', async () => {
    const p = await phone('Lou', ['delete window.WebSocket'])
    const note = p.getByText('Limited connection: using a slower fallback')
    await expect(note).toBeVisible(WAIT)
    assert.match((await note.getAttribute('title')) ?? '', /sse|polling/)
    await expect(p.getByRole('region', { name: 'Room Picnic' }).getByText(/^(sse|polling|websocket)$/i)).toHaveCount(0)
    await p.screenshot({ path: `${SHOTS}/ui-phone-fallback.png` })
    await p.context().close()
  })

  it('lets a reader drag up through a busy room without being pulled back down', async () => {
    const bot = botPeer('Bot')
    for (let i = 1; i <= 150; i++) server.room.post(bot, { type: 'send', id: `p${i}`, text: `picnic chatter ${i}` }, () => true)
    const p = await phone('Uma')
    const list = p.getByRole('log', { name: 'Messages' })
    const away = p.getByRole('button', { name: /new|Jump to latest/ })
    await expect(list.getByText('picnic chatter 150', { exact: true })).toBeInViewport(WAIT)
    await messageListSettled(p)
    // Ten messages a second (for a few seconds) while a finger drags the messages down, in small steps as a
    // finger does: the reader goes up the list, and stays there.
    let sent = 0
    const talk = setInterval(() => server.room.post(bot, { type: 'send', id: `q${sent}`, text: `picnic busy ${sent++}` }, () => true), 100)
    try {
      const box = await list.boundingBox()
      assert.ok(box, 'the message list is on screen')
      const cdp = await p.context().newCDPSession(p)
      const x = box.x + box.width / 2
      const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', y: number) =>
        cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y: box.y + y }] })
      await touch('touchStart', 100)
      for (let y = 120; y <= 400; y += 20) await touch('touchMove', y)
      await touch('touchEnd', 400)
      const at = sent
      await expect.poll(() => sent, WAIT).toBeGreaterThan(at + 5)
      await expect(away).toBeVisible()
      await expect(list.getByText(`picnic busy ${sent - 1}`, { exact: true })).not.toBeInViewport()
      await away.tap()
      await expect(list.getByText(`picnic busy ${sent + 2}`, { exact: true })).toBeInViewport(WAIT)
      await expect(away).toBeHidden()
    } finally {
      clearInterval(talk)
    }
  })
})
