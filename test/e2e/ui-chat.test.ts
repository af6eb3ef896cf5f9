// The chat UI in the desktop harness (real AppService, real renderer build in Chromium, real preload
// bridge): first run, keyboard-only use, the composer's keys, messages shown as text with safe links,
// a 10,000-message room, and the theme override. Rooms are joined by address on loopback, so no network
// namespace is needed. Elements are found by role and accessible name only.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { expect, type Browser, type Page } from '@playwright/test'
import { RoomServer } from '../../src/main/server/room-server.ts'
import { WS_PATH } from '../../src/shared/protocol.ts'
import type { RoomClient } from '../../src/shared/room-client.ts'
import { chromiumMissing, DesktopInstance, launchChromium, type InstanceOptions } from '../harness/harness.ts'
import { rendererBuilt } from '../harness/static-server.ts'
import { messageListSettled } from '../helpers/message-list.ts'
import { botPeer } from '../helpers/host.ts'
import { nodeClient } from '../integration/transports-lib.ts'

const skip = chromiumMissing() ?? (rendererBuilt() ? undefined : 'no renderer build in out/renderer: run `npm run build` first')
const WAIT = { timeout: 15_000 }
const SHOTS = 'test-results'
const LOOPBACK = { listen: '127.0.0.1', lanAddress: () => '127.0.0.1' }

let browser: Browser
const open: DesktopInstance[] = []
const cleanup: Array<() => Promise<void> | void> = []

async function start(opts: InstanceOptions = {}): Promise<DesktopInstance> {
  const i = await DesktopInstance.start(browser, { ...opts, service: { ...LOOPBACK, ...opts.service } })
  open.push(i)
  return i
}

/** A room run by the test itself, so it can post as many messages as it likes. */
async function testRoom(name: string): Promise<RoomServer> {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-ui-room-'))
  const server = await RoomServer.start({ name, dataDir: dir, hostName: 'Test', listen: '127.0.0.1', port: 0 })
  cleanup.push(async () => {
    await server.stop('host_stopped')
    rmSync(dir, { recursive: true, force: true })
  })
  return server
}

/** A real member of `server` (a Node RoomClient over WebSocket) and the messages it receives. */
function member(
  server: RoomServer,
  name: string,
  clientId: string,
): { client: RoomClient; messages: { text: string; from: { name: string } }[] } {
  const m = nodeClient(`ws://127.0.0.1:${server.port}${WS_PATH}`, name, clientId)
  cleanup.push(() => m.client.close())
  return m
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: `${SHOTS}/${name}.png` })
}

const composer = (p: Page) => p.getByRole('textbox', { name: 'Message' })
const messages = (p: Page) => p.getByRole('log', { name: 'Messages' })

async function joinByAddress(p: Page, address: string): Promise<void> {
  await p.getByRole('button', { name: 'Join by address…' }).click()
  const dialog = p.getByRole('dialog', { name: 'Join by address' })
  await dialog.getByRole('textbox', { name: 'Address' }).fill(address)
  await dialog.getByRole('button', { name: 'Join' }).click()
  await expect(composer(p)).toBeEnabled(WAIT)
}

describe('the chat UI', { skip }, () => {
  before(async () => {
    browser = await launchChromium()
  })
  after(async () => {
    await Promise.all(open.splice(0).map((i) => i.close()))
    for (const c of cleanup.splice(0)) await c()
    await browser?.close()
  })

  it('asks for a display name on first run, then shows the empty room list saying what to do', async () => {
    const me = await start()
    const p = me.page
    const name = p.getByRole('textbox', { name: 'Display name' })
    await expect(name).toBeFocused(WAIT)
    await p.getByRole('button', { name: 'Continue' }).click()
    await expect(p.getByText('Enter the name others will see.')).toBeVisible()
    await name.fill('Ana')
    await name.press('Enter')
    await expect(p.getByRole('list', { name: 'Rooms' })).toBeVisible(WAIT)
    await expect(p.getByRole('list', { name: 'Rooms' })).toContainText(/by address/i)
    assert.equal(me.service.getProfile().name, 'Ana')
  })

  it('can be used with the keyboard alone: host a room, write, send, leave', async () => {
    const me = await start({ name: 'Kim' })
    const p = me.page
    await expect(p.getByRole('button', { name: 'Host a room' })).toBeVisible(WAIT)
    // Tab to "Host a room" and open it with Enter.
    for (let i = 0; i < 10 && !(await p.getByRole('button', { name: 'Host a room' }).evaluate((e) => e === document.activeElement)); i++)
      await p.keyboard.press('Tab')
    await expect(p.getByRole('button', { name: 'Host a room' })).toBeFocused()
    const ring = await p.getByRole('button', { name: 'Host a room' }).evaluate((e) => getComputedStyle(e).outlineStyle)
    assert.notEqual(ring, 'none', 'focus is visible')
    await p.keyboard.press('Enter')
    const dialog = p.getByRole('dialog', { name: 'Host a room' })
    await expect(dialog).toBeVisible()
    await expect(dialog.getByRole('textbox', { name: 'Room name' })).toBeFocused()
    await p.keyboard.press('Escape')
    await expect(dialog).toBeHidden()
    await expect(p.getByRole('button', { name: 'Host a room' })).toBeFocused()
    await p.keyboard.press('Enter')
    await expect(dialog.getByRole('textbox', { name: 'Room name' })).toBeFocused() // typing before that would go elsewhere
    await p.keyboard.press('Control+A')
    await p.keyboard.type('Keys only')
    await p.keyboard.press('Enter')
    await expect(composer(p)).toBeEnabled(WAIT)
    await expect(composer(p)).toBeFocused()
    await p.keyboard.type('first line')
    await p.keyboard.press('Shift+Enter')
    await p.keyboard.type('second line')
    await expect(composer(p)).toHaveValue('first line\nsecond line')
    await p.keyboard.press('Enter')
    await expect(composer(p)).toHaveValue('')
    await expect(messages(p).getByText('first line\nsecond line')).toBeVisible(WAIT)
    await expect(messages(p).getByText('Sending…')).toHaveCount(0, WAIT)
    // On to "Leave" with Tab/Shift+Tab, and out of the room.
    const leave = p.getByRole('button', { name: 'Leave', exact: true })
    for (let i = 0; i < 15 && !(await leave.evaluate((e) => e === document.activeElement)); i++) await p.keyboard.press('Shift+Tab')
    await expect(leave).toBeFocused()
    await p.keyboard.press('Enter')
    await expect(composer(p)).toHaveCount(0, WAIT)
    await me.service.stopHosting()
  })

  it('shows messages as text, never as HTML, and opens links only through the app', async () => {
    const server = await testRoom('Text only')
    const me = await start({ name: 'Lee' })
    const p = me.page
    const fired: string[] = []
    p.on('dialog', (d) => (fired.push(d.message()), void d.dismiss()))
    await joinByAddress(p, `127.0.0.1:${server.port}`)
    const evil = '<img src=x onerror="alert(1)"><b>bold</b> javascript:alert(2) see https://example.com/notes'
    server.room.post(botPeer('Mallory'), { type: 'send', id: 'x1', text: evil }, () => true)
    await expect(messages(p).getByText('<img src=x onerror="alert(1)"><b>bold</b>', { exact: false })).toBeVisible(WAIT)
    assert.equal(await messages(p).locator('img, b, script, iframe').count(), 0)
    const links = messages(p).getByRole('link')
    await expect(links).toHaveCount(1)
    await links.click()
    await expect.poll(() => me.openedExternally).toEqual(['https://example.com/notes'])
    assert.equal(p.url(), me.url, 'the window did not navigate')
    assert.deepEqual(fired, [])
  })

  it('opens a 10,000-message room and scrolls it smoothly, sticking to the bottom for new messages', async () => {
    const server = await testRoom('Busy')
    const me = await start({ name: 'Max' })
    const p = me.page
    await joinByAddress(p, `127.0.0.1:${server.port}`)
    const bot = botPeer('Bot')
    for (let i = 1; i <= 10_000; i++) {
      server.room.post(bot, { type: 'send', id: `b${i}`, text: `message number ${i}` }, () => true)
      if (i % 500 === 0) await new Promise((r) => setTimeout(r, 20))
    }
    await expect(messages(p).getByText('message number 10000', { exact: true })).toBeVisible({ timeout: 60_000 })
    // Virtualized: only a screenful of rows is in the DOM.
    const rows = await messages(p)
      .getByText(/^message number \d+$/)
      .count()
    assert.ok(rows < 120, `${rows} rows rendered`)
    // Scroll to the top with the keyboard-focusable log, then back.
    await messages(p).focus()
    await expect(async () => {
      await p.keyboard.press('Home')
      await expect(messages(p).getByText('message number 1', { exact: true })).toBeVisible({ timeout: 500 })
    }).toPass({ timeout: 10_000 })
    for (let i = 0; i < 10; i++) await p.keyboard.press('PageDown')
    await expect(messages(p).getByText('message number 1', { exact: true })).toHaveCount(0)
    await expect(
      messages(p)
        .getByText(/^message number \d+$/)
        .first(),
    ).toBeVisible()
    await shot(p, 'ui-10k-scrolled')
    // Scrolled up, a new message does not yank the view; at the bottom, it does.
    server.room.post(bot, { type: 'send', id: 'late1', text: 'while scrolled up' }, () => true)
    await expect(p.getByRole('button', { name: /new|Jump to latest/ })).toBeVisible(WAIT)
    await expect(messages(p).getByText('while scrolled up')).toHaveCount(0)
    await p.getByRole('button', { name: /new|Jump to latest/ }).click()
    await expect(messages(p).getByText('while scrolled up')).toBeVisible(WAIT)
    server.room.post(bot, { type: 'send', id: 'late2', text: 'at the bottom' }, () => true)
    await expect(messages(p).getByText('at the bottom')).toBeVisible(WAIT)
  })

  it('lets the reader scroll up in a busy room without pulling them back down, and follows again at the bottom', async () => {
    const server = await testRoom('Chatty')
    const me = await start({ name: 'Max' })
    const p = me.page
    const bot = botPeer('Bot')
    for (let i = 1; i <= 150; i++) server.room.post(bot, { type: 'send', id: `c${i}`, text: `chatter ${i}` }, () => true)
    await joinByAddress(p, `127.0.0.1:${server.port}`)
    await expect(messages(p).getByText('chatter 150', { exact: true })).toBeInViewport(WAIT)
    await messageListSettled(p)
    const away = p.getByRole('button', { name: /new|Jump to latest/ })
    // Ten messages a second (for a few seconds) while the reader turns the wheel up (or drags the scroll bar),
    // five times over. Before the list followed new messages itself, most of these turns ended back at the latest.
    let sent = 0
    const talk = setInterval(() => server.room.post(bot, { type: 'send', id: `t${sent}`, text: `busy ${sent++}` }, () => true), 100)
    try {
      const latestInView = (after: number) => expect(messages(p).getByText(`busy ${after}`, { exact: true })).toBeInViewport(WAIT)
      const up = async (turn: number) => {
        await messages(p).hover()
        if (turn !== 2) return p.mouse.wheel(0, -600)
        // As the page sees a drag of the scroll bar (this headless browser hides it): a press, then the list
        // moving up in steps.
        await p.mouse.down()
        for (let step = 0; step < 5; step++) await messages(p).evaluate((el) => el.scrollBy(0, -120))
        await p.mouse.up()
      }
      for (let turn = 0; turn < 5; turn++) {
        await up(turn)
        const at = sent
        await expect.poll(() => sent, WAIT).toBeGreaterThan(at + 5)
        await expect(away).toBeVisible()
        await expect(messages(p).getByText(`busy ${sent - 1}`, { exact: true })).not.toBeInViewport()
        if (turn === 0) await shot(p, 'ui-busy-scrolled-up')
        if (turn % 2 === 0) await away.click()
        else {
          await messages(p).focus()
          await p.keyboard.press('End')
        }
        await latestInView(sent + 2)
        await expect(away).toBeHidden()
      }
    } finally {
      clearInterval(talk)
    }
  })

  it('follows the system theme and keeps a manual override', async () => {
    const me = await start({ name: 'Sol', colorScheme: 'dark' })
    const p = me.page
    const theme = () => p.evaluate(() => document.documentElement.dataset.theme)
    await expect(p.getByRole('list', { name: 'Rooms' })).toBeVisible(WAIT)
    await expect.poll(theme).toBe('dark')
    await p.emulateMedia({ colorScheme: 'light' })
    await expect.poll(theme).toBe('light')
    await p.getByRole('button', { name: /Settings/ }).click()
    const dialog = p.getByRole('dialog', { name: 'Settings' })
    await dialog.getByRole('radio', { name: 'Dark' }).check()
    await expect.poll(theme).toBe('dark')
    await shot(p, 'ui-settings-dark')
    await p.keyboard.press('Escape')
    assert.equal(me.service.getProfile().theme, 'dark')
    await p.emulateMedia({ colorScheme: 'light' })
    await me.reload()
    await expect.poll(theme).toBe('dark')
  })

  it('sends a long paste whole, as several messages in order, and says so before sending', async () => {
    const server = await testRoom('Long')
    const reader = member(server, 'Reader', 'reader-1')
    const me = await start({ name: 'Pia' })
    const p = me.page
    await joinByAddress(p, `127.0.0.1:${server.port}`)
    const paragraph = (i: number) => `Part ${i}: ` + 'all work and no play makes a long paste '.repeat(50).trim()
    const text = Array.from({ length: 9 }, (_, i) => paragraph(i + 1)).join('\n\n') // 18,000+ characters
    await composer(p).fill(text)
    await expect(p.getByText(/it will be sent as \d+ messages/)).toBeVisible()
    await expect(composer(p)).toHaveValue(text) // nothing cut off while typing or pasting
    await composer(p).press('Enter')
    await expect(composer(p)).toHaveValue('')
    const fromPia = () => reader.messages.filter((m) => m.from.name === 'Pia').map((m) => m.text)
    await expect.poll(() => fromPia().join('\n\n'), WAIT).toBe(text)
    assert.ok(fromPia().length >= 5, `${fromPia().length} messages`)
    await shot(p, 'ui-long-paste')
  })

  it('tells two members with one name apart, shows renames on earlier messages, and gives you one colour in every room', async () => {
    const lunch = await testRoom('Lunch')
    const tea = await testRoom('Tea')
    const ann1 = member(lunch, 'Ann', 'ann-one')
    const ann2 = member(lunch, 'Ann', 'ann-two')
    const me = await start({ name: 'Lee' })
    const p = me.page
    await joinByAddress(p, `127.0.0.1:${lunch.port}`)
    ann1.client.send('first Ann here')
    ann2.client.send('second Ann here')
    await composer(p).fill('before my rename')
    await composer(p).press('Enter')
    await expect(messages(p).getByText('second Ann here')).toBeVisible(WAIT)
    // Both Anns carry a tag from their member id, in the messages and in the member list.
    await expect(messages(p).getByText(/^· [\w-]{4}$/)).toHaveCount(2)
    const people = p.getByRole('list', { name: 'Members' })
    await expect(people.getByRole('listitem').filter({ hasText: /Ann\s*· [\w-]{4}/ })).toHaveCount(2)
    // A rename shows on the messages sent before it, and the tags go once the names differ.
    ann1.client.rename('Annie')
    await expect(messages(p).getByText('Annie', { exact: true })).toBeVisible(WAIT)
    await expect(messages(p).getByText(/^· [\w-]{4}$/)).toHaveCount(0)
    await p.getByRole('button', { name: /Settings/ }).click()
    const settings = p.getByRole('dialog', { name: 'Settings' })
    await settings.getByRole('textbox', { name: 'Display name' }).fill('Leo')
    await settings.getByRole('button', { name: 'Save' }).click()
    await expect(messages(p).getByText('Leo', { exact: true })).toBeVisible(WAIT)
    await expect(messages(p).getByText('Lee', { exact: true })).toHaveCount(0)
    // Your avatar: the same colour in the footer, the member list and your messages, here and in another room.
    const colour = (where: ReturnType<Page['getByRole']>) =>
      where
        .getByText('LE', { exact: true })
        .first()
        .evaluate((e) => getComputedStyle(e).backgroundColor)
    const footer = p.getByRole('button', { name: /Settings/ })
    const own = await colour(footer)
    assert.equal(await colour(people), own)
    assert.equal(await colour(messages(p)), own)
    await p.getByRole('button', { name: 'Leave', exact: true }).click()
    await joinByAddress(p, `127.0.0.1:${tea.port}`)
    await composer(p).fill('tea for me')
    await composer(p).press('Enter')
    await expect(messages(p).getByText('tea for me')).toBeVisible(WAIT)
    assert.equal(await colour(messages(p)), own)
    assert.equal(await colour(p.getByRole('list', { name: 'Members' })), own)
  })

  it('shows the unread count in the tab title while scrolled up or hidden, a focus ring on the messages, and no transport name', async () => {
    const server = await testRoom('Busy')
    const me = await start({ name: 'Max' })
    const p = me.page
    await joinByAddress(p, `127.0.0.1:${server.port}`)
    await expect.poll(() => p.title()).toBe('Busy · Beacon')
    await expect(p.getByRole('region', { name: 'Room Busy' })).not.toContainText(/websocket|sse|polling/i)
    const bot = botPeer('Bot')
    for (let i = 1; i <= 80; i++) server.room.post(bot, { type: 'send', id: `b${i}`, text: `line ${i}` }, () => true)
    await expect(messages(p).getByText('line 80', { exact: true })).toBeVisible(WAIT)
    // Keyboard focus on the message log is visible, whatever react-virtuoso sets inline.
    for (let i = 0; i < 20 && !(await messages(p).evaluate((e) => e === document.activeElement)); i++) await p.keyboard.press('Tab')
    await expect(messages(p)).toBeFocused()
    const ring = await messages(p).evaluate((e) => ({ style: getComputedStyle(e).outlineStyle, width: getComputedStyle(e).outlineWidth }))
    assert.notEqual(ring.style, 'none')
    assert.notEqual(ring.width, '0px')
    await p.keyboard.press('Home')
    await expect(p.getByRole('button', { name: 'Jump to latest' })).toBeVisible(WAIT)
    server.room.post(bot, { type: 'send', id: 'u1', text: 'unread one' }, () => true)
    server.room.post(bot, { type: 'send', id: 'u2', text: 'unread two' }, () => true)
    await expect.poll(() => p.title(), WAIT).toBe('(2) Busy · Beacon')
    await p.getByRole('button', { name: /new|Jump to latest/ }).click()
    await expect.poll(() => p.title(), WAIT).toBe('Busy · Beacon')
    // A hidden tab counts too, and clears when shown again.
    const setHidden = (hidden: boolean) =>
      p.evaluate((h) => {
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => h })
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') })
        document.dispatchEvent(new Event('visibilitychange'))
      }, hidden)
    await setHidden(true)
    server.room.post(bot, { type: 'send', id: 'h1', text: 'while hidden' }, () => true)
    await expect.poll(() => p.title(), WAIT).toBe('(1) Busy · Beacon')
    await setHidden(false)
    await expect.poll(() => p.title(), WAIT).toBe('Busy · Beacon')
    await p.getByRole('button', { name: 'Leave', exact: true }).click()
    await expect.poll(() => p.title()).toBe('Beacon')
  })

  it('opens mail links through the app as well as web links', async () => {
    const server = await testRoom('Mail')
    const me = await start({ name: 'Ola' })
    const p = me.page
    await joinByAddress(p, `127.0.0.1:${server.port}`)
    server.room.post(botPeer('Chef'), { type: 'send', id: 'm1', text: 'questions to mailto:chef@example.com please' }, () => true)
    await messages(p).getByRole('link', { name: 'mailto:chef@example.com' }).click()
    await expect.poll(() => me.openedExternally).toEqual(['mailto:chef@example.com'])
    assert.equal(p.url(), me.url, 'the window did not navigate')
  })
})
