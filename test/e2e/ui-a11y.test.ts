// Accessibility of every screen, checked by axe-core in Chromium: first run, the room list (empty and with
// rooms), the host, join-by-address, password, invite and settings dialogs, a room with messages, its
// member list, the connection banner, mentions (the member list offered after "@", a message that mentions
// the reader), "New messages" (the jump button, the line), files (an upload in progress, an image message, a file card, a saved
// download, the image lightbox), the desktop app in several rooms (its sidebar, the quick switcher), and the browser client — each in the light and the dark theme, at
// desktop (1280×800) and phone (390×844) size. One browser; each screen is checked in its page as it is.
// Rooms are listed by an in-process directory standing in for mDNS (the rooms themselves are real hosts on
// loopback), so no network namespace is needed.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { expect, type Browser, type Page } from '@playwright/test'
import type { DiscoveryPort } from '../../src/main/app-service.ts'
import type { BeaconBridge } from '../../src/shared/bridge.ts'
import type { FileLimits } from '../../src/main/server/files/limits.ts'
import { RoomServer } from '../../src/main/server/room-server.ts'
import type { RoomEvent } from '../../src/shared/discovery.ts'
import { WS_PATH } from '../../src/shared/protocol.ts'
import type { RoomClient } from '../../src/shared/room-client.ts'
import { chromiumMissing, DesktopInstance, launchChromium } from '../harness/harness.ts'
import { rendererBuilt } from '../harness/static-server.ts'
import { dataTransfer, paste } from '../helpers/page-files.ts'
import { nodeClient } from '../integration/transports-lib.ts'
import { WEB_ROOT } from '../helpers/web-page.ts'

const skip = chromiumMissing() ?? (rendererBuilt() ? undefined : 'no renderer build in out/renderer: run `npm run build` first')
const WAIT = { timeout: 15_000 }
const SHOTS = 'test-results'
const AXE = readFileSync('node_modules/axe-core/axe.min.js', 'utf8')
const LOOPBACK = { listen: '127.0.0.1', lanAddress: () => '127.0.0.1' }

const COMBOS = [
  { theme: 'light', size: 'desktop', viewport: { width: 1280, height: 800 } },
  { theme: 'dark', size: 'desktop', viewport: { width: 1280, height: 800 } },
  { theme: 'light', size: 'phone', viewport: { width: 390, height: 844 } },
  { theme: 'dark', size: 'phone', viewport: { width: 390, height: 844 } },
] as const
type Combo = (typeof COMBOS)[number]

interface Finding {
  screen: string
  combo: string
  rule: string
  help: string
  targets: string[]
}

let browser: Browser
const findings: Finding[] = []
let checked = 0
const cleanup: Array<() => Promise<void> | void> = []

/** Rooms "on the network": the test's hosts, listed to every instance that browses. */
class Directory implements DiscoveryPort {
  #rooms: RoomEvent['room'][] = []
  #listeners = new Set<(e: RoomEvent) => void>()
  list(server: RoomServer, passwordRequired = false): void {
    const room = {
      id: server.room.id,
      name: server.room.name,
      roomName: server.room.name,
      host: 'Dana',
      members: 2,
      passwordRequired,
      addresses: [{ address: '127.0.0.1', port: server.port }],
    }
    this.#rooms.push(room)
    for (const l of this.#listeners) l({ event: 'up', room })
  }
  advertise(): { stop(): Promise<void> } {
    return { stop: async () => {} }
  }
  browse(listener: (e: RoomEvent) => void): ReturnType<DiscoveryPort['browse']> {
    this.#listeners.add(listener)
    for (const room of this.#rooms) listener({ event: 'up', room })
    return { stop: async () => void this.#listeners.delete(listener), resolve: async () => undefined }
  }
}

async function testRoom(
  name: string,
  opts: { password?: string; webRoot?: string; files?: Partial<FileLimits> } = {},
): Promise<RoomServer> {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-a11y-room-'))
  const server = await RoomServer.start({ name, dataDir: dir, hostName: 'Dana', listen: '127.0.0.1', port: 0, ...opts })
  cleanup.push(async () => {
    await server.stop('host_stopped')
    rmSync(dir, { recursive: true, force: true })
  })
  return server
}

function member(server: RoomServer, name: string, clientId: string): RoomClient {
  const { client } = nodeClient(`ws://127.0.0.1:${server.port}${WS_PATH}`, name, clientId)
  cleanup.push(() => client.close())
  return client
}

/**
 * Run axe on the page as it is, in every theme and size: `setup` brings the screen back into the state
 * to check after a resize (a panel that follows the width, say). Findings are collected; screenshots
 * are kept to look at.
 */
async function audit(page: Page, screen: string, setup?: (combo: Combo) => Promise<void>): Promise<void> {
  for (const combo of COMBOS) {
    await page.setViewportSize(combo.viewport)
    await page.emulateMedia({ colorScheme: combo.theme })
    await expect
      .poll(() => page.evaluate(() => document.documentElement.dataset.theme ?? 'none'))
      .toMatch(new RegExp(`${combo.theme}|none`))
    await setup?.(combo)
    // Let transitions (dialogs, panels) finish: axe reads colours as painted.
    await page.waitForTimeout(250)
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE)
    const violations = await page.evaluate(async () => {
      const w = window as unknown as {
        axe: { run(ctx: Document): Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }> }
      }
      const r = await w.axe.run(document)
      return r.violations.map((v) => ({ rule: v.id, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }))
    })
    const tag = `${combo.size}-${combo.theme}`
    checked++
    for (const v of violations) {
      findings.push({ screen, combo: tag, ...v })
      console.log(`axe: ${screen} [${tag}] ${v.rule}: ${v.help} — ${v.targets.slice(0, 3).join(', ')}`)
    }
    await page.screenshot({ path: `${SHOTS}/a11y-${screen}-${tag}.png` })
  }
}

describe('accessibility of every screen (axe-core)', { skip }, () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true })
    browser = await launchChromium()
  })
  after(async () => {
    for (const c of cleanup.splice(0).reverse()) await c()
    await browser?.close()
  })

  it('finds no violations in the desktop app, light and dark, at desktop and phone size', async () => {
    checked = 0
    const directory = new Directory()
    const lunch = await testRoom('Lunch')
    const secret = await testRoom('Board', { password: 'hunter2' })
    // Two members with one name, and one who renames: the member list and messages must tell them apart.
    const ann1 = member(lunch, 'Ann', 'ann-one')
    const ann2 = member(lunch, 'Ann', 'ann-two')

    const first = await DesktopInstance.start(browser, { service: LOOPBACK })
    cleanup.push(() => first.close())
    await expect(first.page.getByRole('textbox', { name: 'Display name' })).toBeVisible(WAIT)
    await audit(first.page, 'first-run')

    const empty = await DesktopInstance.start(browser, { name: 'Kim', service: LOOPBACK })
    cleanup.push(() => empty.close())
    await expect(empty.page.getByRole('list', { name: 'Rooms' })).toBeVisible(WAIT)
    await audit(empty.page, 'rooms-empty')

    const me = await DesktopInstance.start(browser, { name: 'Lee', discovery: directory, service: LOOPBACK })
    cleanup.push(() => me.close())
    const p = me.page
    directory.list(lunch)
    directory.list(secret, true)
    const rooms = p.getByRole('list', { name: 'Rooms' })
    await expect(rooms.getByRole('listitem')).toHaveCount(2, WAIT)
    await audit(p, 'rooms-listed')

    await p.getByRole('button', { name: 'Host a room' }).click()
    await expect(p.getByRole('dialog', { name: 'Host a room' })).toBeVisible()
    await audit(p, 'dialog-host')
    await p.keyboard.press('Escape')

    await p.getByRole('button', { name: 'Join by address…' }).click()
    const byAddress = p.getByRole('dialog', { name: 'Join by address' })
    await byAddress.getByRole('button', { name: 'Join' }).click()
    await expect(byAddress.getByText(/Enter the address/)).toBeVisible()
    await audit(p, 'dialog-join-address')
    await p.keyboard.press('Escape')

    await rooms.getByRole('listitem').filter({ hasText: 'Board' }).getByRole('button', { name: 'Join' }).click()
    await expect(p.getByRole('dialog', { name: 'Join Board' })).toBeVisible()
    await audit(p, 'dialog-password')
    await p.keyboard.press('Escape')

    await rooms.getByRole('listitem').filter({ hasText: 'Lunch' }).getByRole('button', { name: 'Join' }).click()
    await expect(p.getByRole('textbox', { name: 'Message' })).toBeEnabled(WAIT)
    ann1.send('Hi! The menu is at https://example.com/menu, questions to mailto:chef@example.com')
    ann2.send('I am the other Ann.')
    await p.getByRole('textbox', { name: 'Message' }).fill('Hello both of you')
    await p.keyboard.press('Enter')
    const log = p.getByRole('log', { name: 'Messages' })
    await expect(log.getByText('Hello both of you')).toBeVisible(WAIT)
    await expect(log.getByText('I am the other Ann.')).toBeVisible(WAIT)
    const members = p.getByRole('button', { name: /People/ })
    const setMembers = (shown: boolean) => async () => {
      if ((await members.getAttribute('aria-pressed')) !== String(shown)) await members.click()
    }
    await audit(p, 'chat', setMembers(false))
    await audit(p, 'chat-members', setMembers(true))
    await setMembers(false)()

    await p.getByRole('button', { name: 'Invite' }).click()
    await expect(p.getByRole('dialog', { name: /Invite people/ }).getByRole('img')).toBeVisible(WAIT)
    await audit(p, 'dialog-invite')
    await p.keyboard.press('Escape')

    await audit(p, 'chat-room-list', async (combo) => {
      const back = p.getByRole('button', { name: 'All rooms' })
      if (combo.size === 'phone' && (await back.isVisible())) await back.click()
    })

    await p.getByRole('button', { name: /Settings/ }).click()
    await expect(p.getByRole('dialog', { name: 'Settings' })).toBeVisible()
    await audit(p, 'dialog-settings')
    await p.keyboard.press('Escape')

    // The host goes away: the banner counts down to the next attempt.
    await audit(p, 'chat-reconnecting', async (combo) => {
      // On a phone the room list is shown: its row in "Your rooms" goes back to the room.
      const lunchRow = p.getByRole('region', { name: 'Your rooms' }).getByRole('button', { name: /^Lunch/ })
      if (combo.size === 'phone' && (await lunchRow.isVisible())) await lunchRow.click()
      if (combo === COMBOS[0]) await lunch.stop('host_stopped')
      await expect(p.getByRole('status', { name: 'Connection' })).toBeVisible(WAIT)
    })
    assertNoViolations(12 * COMBOS.length)
  })

  it('finds no violations in the browser client, light and dark, at desktop and phone size', async () => {
    checked = 0
    findings.length = 0
    const server = await testRoom('Garden', { webRoot: WEB_ROOT })
    const context = await browser.newContext()
    cleanup.push(() => context.close())
    const page = await context.newPage()
    await page.goto(server.webUrl)
    await expect(page.getByRole('textbox', { name: 'Display name' })).toBeVisible(WAIT)
    await audit(page, 'web-first-run')
    await page.getByRole('textbox', { name: 'Display name' }).fill('Pat')
    await page.keyboard.press('Enter')
    await expect(page.getByRole('textbox', { name: 'Message' })).toBeEnabled(WAIT)
    await page.getByRole('textbox', { name: 'Message' }).fill('Hello from a browser')
    await page.keyboard.press('Enter')
    await expect(page.getByRole('log', { name: 'Messages' }).getByText('Hello from a browser')).toBeVisible(WAIT)
    await audit(page, 'web-chat')

    // Bo mentions Pat (highlighted for Pat, with a chip); Pat starts a mention of her own: the list is open.
    const bo = member(server, 'Bo', 'bo-a11y')
    await expect(page.getByText('2 members', { exact: true })).toBeVisible(WAIT)
    const patId = await page.evaluate(async () => {
      const r = await (window as unknown as { beacon: BeaconBridge }).beacon.getSnapshot()
      return r.ok ? r.value.session.you?.id : undefined
    })
    bo.send('@Pat the garden needs water', { mentions: [patId!] })
    await expect(page.locator('.message.mentions-you .mention.you')).toHaveText('@Pat', WAIT)
    await audit(page, 'web-mentioned')
    const box = page.getByRole('textbox', { name: 'Message' })
    const list = page.getByRole('listbox', { name: 'Members to mention' })
    await box.pressSequentially('On it, @')
    await audit(page, 'web-mention', async () => {
      if (!(await list.isVisible())) await box.focus()
      await expect(list.getByRole('option', { name: 'Bo' })).toBeVisible(WAIT)
    })

    // Pat away (tab closed) while Bo writes 40 messages; back, "New messages" is far above: the jump button, then the line.
    await box.fill('')
    await page.close()
    for (let i = 1; i <= 40; i++) bo.send(`watered bed ${i}`)
    const back = await context.newPage()
    await back.goto(server.webUrl)
    await expect(back.getByText('watered bed 40')).toBeVisible({ timeout: 30_000 })
    const jump = back.getByRole('button', { name: 'Jump to first unread' })
    await expect(jump).toBeVisible(WAIT)
    await audit(back, 'web-unread-jump')
    await back.keyboard.press('Escape')
    await expect(back.locator('.new-messages')).toBeInViewport(WAIT)
    await audit(back, 'web-unread-line')
    assertNoViolations(6 * COMBOS.length)
  })

  it('finds no violations on the file screens (upload in progress, image, file card, download, lightbox), light and dark, desktop and phone', async () => {
    checked = 0
    findings.length = 0
    const dir = mkdtempSync(join(tmpdir(), 'beacon-a11y-files-'))
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(join(dir, 'minutes.pdf'), Buffer.alloc(48 * 1024, 1))
    writeFileSync(join(dir, 'holiday-video-raw.mov'), Buffer.alloc(40 * 1024 * 1024, 2))

    // The browser client, its member slowed to 512 KB/s so the large upload is still going while it is checked.
    const server = await testRoom('Photos', { webRoot: WEB_ROOT, files: { transferBytesPerSecond: 512 * 1024 } })
    const context = await browser.newContext()
    cleanup.push(() => context.close())
    const page = await context.newPage()
    await page.goto(server.webUrl)
    await page.getByRole('textbox', { name: 'Display name' }).fill('Pat', WAIT)
    await page.keyboard.press('Enter')
    await expect(page.getByRole('button', { name: 'Attach files' })).toBeEnabled(WAIT)
    await page.getByRole('textbox', { name: 'Message' }).fill('The view from the hut')
    await pasteImage(page, 640, 400)
    const image = page.getByRole('button', { name: 'Open image Pasted image.png' })
    await expect(image).toHaveClass(/loaded/, WAIT)
    await page.locator('input[type=file]').setInputFiles(join(dir, 'minutes.pdf'))
    await expect(page.locator('.message:not(.upload-row) .file-card', { hasText: 'minutes.pdf' })).toBeVisible(WAIT)
    await page.locator('input[type=file]').setInputFiles(join(dir, 'holiday-video-raw.mov'))
    await expect(page.getByRole('progressbar', { name: 'Upload of holiday-video-raw.mov' })).toBeVisible(WAIT)
    await audit(page, 'web-files')
    await image.click()
    await expect(page.getByRole('dialog', { name: 'Pasted image.png' })).toBeVisible()
    await audit(page, 'web-files-lightbox')
    await page.keyboard.press('Escape')
    await page.getByRole('button', { name: 'Cancel holiday-video-raw.mov' }).click()

    // The desktop app: the same file, saved by the app (progress, then Show in folder and Open).
    const room = await testRoom('Shared')
    const directory = new Directory()
    directory.list(room)
    const me = await DesktopInstance.start(browser, { name: 'Lee', discovery: directory, service: LOOPBACK })
    cleanup.push(() => me.close())
    const p = me.page
    await p.getByRole('list', { name: 'Rooms' }).getByRole('button', { name: 'Join' }).click()
    await expect(p.getByRole('button', { name: 'Attach files' })).toBeEnabled(WAIT)
    await p.locator('input[type=file]').setInputFiles(join(dir, 'minutes.pdf'))
    const card = p.locator('.message:not(.upload-row) .file-card', { hasText: 'minutes.pdf' })
    await expect(card).toBeVisible(WAIT)
    await card.getByRole('button', { name: 'Download minutes.pdf' }).click()
    await expect(card.getByRole('button', { name: 'Show in folder minutes.pdf' })).toBeVisible(WAIT)
    await audit(p, 'desktop-files')
    assertNoViolations(3 * COMBOS.length)
  })

  it('finds no violations in the sidebar of several rooms and the quick switcher, light and dark, desktop and phone', async () => {
    checked = 0
    findings.length = 0
    const directory = new Directory()
    const lunch = await testRoom('Lunch')
    const tea = await testRoom('Tea')
    const board = await testRoom('Board', { password: 'hunter2' })
    for (const [server, pw] of [
      [lunch, false],
      [tea, false],
      [board, true],
    ] as const)
      directory.list(server, pw)
    const me = await DesktopInstance.start(browser, { name: 'Lee', discovery: directory, service: LOOPBACK })
    cleanup.push(() => me.close())
    const p = me.page
    const network = p.getByRole('list', { name: 'Rooms' })
    const yours = p.getByRole('region', { name: 'Your rooms' })
    for (const name of ['Lunch', 'Tea']) {
      await network.getByRole('listitem').filter({ hasText: name }).getByRole('button', { name: 'Join' }).click()
      await expect(yours.getByRole('button', { name: new RegExp(`^${name}`) }).first()).toHaveAttribute('aria-current', 'true', WAIT)
      await expect(p.getByRole('textbox', { name: 'Message' })).toBeEnabled(WAIT)
    }
    // Tea is shown; Lunch gets messages and a mention of Lee: its row has an unread count and "@1".
    await p.keyboard.press('Control+1')
    await expect(yours.getByRole('button', { name: /^Lunch/ })).toHaveAttribute('aria-current', 'true', WAIT)
    const leeInLunch = me.service.session.you!.id
    await p.keyboard.press('Control+2')
    await expect(yours.getByRole('button', { name: /^Tea/ })).toHaveAttribute('aria-current', 'true', WAIT)
    const ann = member(lunch, 'Ann', 'ann-rooms')
    ann.send('Soup is ready')
    ann.send('@Lee yours is the green bowl', { mentions: [leeInLunch] })
    await expect(yours.getByRole('button', { name: /^Lunch/ })).toHaveAccessibleName(
      /^Lunch ?, 1 mention or direct message ?, 2 unread$/,
      WAIT,
    )
    const showSidebar = async (combo: Combo) => {
      const back = p.getByRole('button', { name: 'All rooms' })
      if (combo.size === 'phone' && (await back.isVisible())) await back.click()
    }
    await audit(p, 'several-rooms', showSidebar)

    const switcher = p.getByRole('dialog', { name: 'Switch room' })
    await audit(p, 'switcher', async () => {
      if (!(await switcher.isVisible())) await p.keyboard.press('Control+k')
      await expect(switcher.getByRole('option')).toHaveCount(3)
    })
    await p.keyboard.press('Escape')
    assertNoViolations(2 * COMBOS.length)
  })
})

/** Paste an image drawn in the page into the composer (as a copied screenshot would arrive). */
async function pasteImage(page: Page, width: number, height: number): Promise<void> {
  const dt = await dataTransfer(page, [{ name: 'image.png', type: 'image/png', png: { width, height, label: 'Hut' } }])
  await paste(page.getByRole('textbox', { name: 'Message' }), dt)
}

/** Every finding so far, printed with how many combinations were checked; the test fails on any. */
function assertNoViolations(expectedChecks: number): void {
  console.log(`axe-core: ${checked} screen/theme/size combinations checked, ${findings.length} violations`)
  const found = findings.splice(0)
  assert.equal(checked, expectedChecks, 'every screen was checked in every theme and size')
  checked = 0
  assert.deepEqual(
    found.map((f) => `${f.screen} [${f.combo}] ${f.rule}: ${f.help} — ${f.targets.slice(0, 3).join(', ')}`),
    [],
  )
}
