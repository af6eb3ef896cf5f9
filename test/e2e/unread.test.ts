// "New messages" in the browser client, in Debian's Chromium against a real host: Bo reads the room, goes
// away (closes his tab), Ann writes 30 messages, Bo comes back: the line stands before the first of them,
// "Jump to first unread" (a click, or Escape) takes him there, and what he saw is his read position, kept in
// localStorage over a reload. When this browser lost the room's cached messages (storage full) but kept the
// read position, the first unread is among the older pages: jumping loads them. axe finds nothing with the
// button shown nor with the line in view, light and dark. The desktop app (the harness: the real AppService and
// renderer) keeps the position in settings.json: after Bo's app restarts and resumes the room, the line stands
// before what Ann wrote meanwhile.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { after, before, describe, it } from 'node:test'
import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { chromiumMissing, DesktopInstance, launchChromium } from '../harness/harness.ts'
import { rendererBuilt } from '../harness/static-server.ts'
import { nodeClient, startHost, until } from '../integration/transports-lib.ts'
import type { BeaconBridge } from '../../src/shared/bridge.ts'
import type { ChatMessage } from '../../src/shared/protocol.ts'
import type { RoomClient } from '../../src/shared/room-client.ts'
import { ensureWebBuild, WEB_ROOT } from '../helpers/web-page.ts'

const SHOTS = 'test-results'
const WAIT = { timeout: 15_000 }
const AXE = readFileSync('node_modules/axe-core/axe.min.js', 'utf8')

type Snap = { messages: ChatMessage[]; readUpTo: Record<string, number>; session: { connection: { status: string } } }

async function snapshot(page: Page): Promise<Snap> {
  return page.evaluate(async () => {
    const r = await (window as unknown as { beacon: BeaconBridge }).beacon.getSnapshot()
    if (!r.ok) throw new Error(r.error.message)
    return r.value as unknown as Snap
  })
}

const jumpButton = (page: Page) => page.getByRole('button', { name: 'Jump to first unread' })

/** The read position this browser keeps for the room (what survives a reload). */
const storedReadUpTo = (page: Page, roomId: string) =>
  page.evaluate((id) => (JSON.parse(localStorage.getItem('beacon.read') ?? '{}') as Record<string, number>)[id], roomId)

/** axe-core on the page as it is, in the light and the dark theme (a screenshot of each), then back to the system's. */
async function expectNoAxeFindings(page: Page, shot: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE)
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme)
    await page.screenshot({ path: `${SHOTS}/${shot}-${theme}.png` })
    const found = await page.evaluate(async () => {
      type Violation = { id: string; nodes: { target: string[] }[] }
      const r = await (window as unknown as { axe: { run(): Promise<{ violations: Violation[] }> } }).axe.run()
      return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
    })
    assert.deepEqual(found, [], `axe, ${shot}, ${theme}`)
  }
  await setTheme(page, 'system')
}

/** Bo's theme, as the settings dialog sets it; the colours' transitions run to their end. */
async function setTheme(page: Page, theme: 'light' | 'dark' | 'system'): Promise<void> {
  await page.evaluate(async (t) => {
    await (window as unknown as { beacon: BeaconBridge }).beacon.setProfile({ theme: t })
  }, theme)
  // Bo's context is light, so "system" is light.
  await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme === 'system' ? 'light' : theme)
  await page.evaluate(() => document.getAnimations().forEach((a) => a.finish()))
}

describe('"New messages" and the read position in the browser client', { skip: chromiumMissing() }, () => {
  let host: Awaited<ReturnType<typeof startHost>>
  let browser: Browser
  let bo: BrowserContext
  const members: RoomClient[] = []

  before(async () => {
    ensureWebBuild()
    mkdirSync(SHOTS, { recursive: true })
    host = await startHost({ webRoot: WEB_ROOT })
    browser = await launchChromium()
    bo = await browser.newContext({ viewport: { width: 1100, height: 700 } })
  })
  /** Data folders a test keeps across a host restart, removed once the last host is stopped. */
  const dataDirs: string[] = []
  after(async () => {
    for (const m of members) m.close()
    await browser?.close()
    await host?.stop()
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true })
  })

  /** A member in Node, connected; `say` sends texts and resolves once the host has them all. */
  async function member(name: string) {
    const m = nodeClient(host.server.url, name, `node-${name}`)
    members.push(m.client)
    await until(() => m.client.state.status === 'open', `${name} connected`)
    const say = async (texts: string[]) => {
      for (const t of texts) m.client.send(t)
      await until(() => texts.every((t) => m.messages.some((x) => x.text === t)), `${name}'s messages stored`, 30_000)
    }
    return { ...m, say }
  }

  /** Bo's tab (his browser keeps the name, his client id and the room in localStorage), in the room. */
  async function openBo(): Promise<Page> {
    const page = await bo.newPage()
    page.on('console', (m) => {
      if (m.text().startsWith('DBG')) console.log(m.text())
    })
    await page.goto(host.server.webUrl)
    const name = page.getByLabel('Display name')
    const box = page.getByRole('textbox', { name: 'Message' })
    await expect(name.or(box)).toBeVisible(WAIT)
    if (await name.isVisible()) {
      await name.fill('Bo')
      await page.getByRole('button', { name: 'Continue' }).click()
    }
    await expect(box).toBeEnabled(WAIT)
    await expect.poll(async () => (await snapshot(page)).session.connection.status, WAIT).toBe('open')
    return page
  }

  const line = (page: Page) => page.locator('.new-messages')
  /** The message right after the line. */
  const afterLine = (page: Page) => page.locator('.new-messages + .message .message-text')
  const seqOf = (page: Page, text: string) => snapshot(page).then((s) => s.messages.find((m) => m.text === text)?.seq)

  it('puts the line before the first of the 30 messages Ann wrote while Bo was away; Escape and the button jump there; a reload keeps the position', async () => {
    const roomId = host.server.room.id
    const ann = await member('Ann')
    let page = await openBo()
    const before = ['before 1', 'before 2', 'before 3']
    await ann.say(before)
    await expect(page.getByText('before 3')).toBeVisible(WAIT)
    // What Bo saw is his read position, written (after a short delay) where the next visit finds it.
    const lastSeen = await seqOf(page, 'before 3')
    await expect.poll(() => storedReadUpTo(page, roomId), WAIT).toBe(lastSeen)
    await expect(line(page)).toHaveCount(0) // the first visit: nothing is "new" to a reader who never left
    await page.close()

    const news = Array.from({ length: 30 }, (_, i) => `new ${i + 1}`)
    await ann.say(news)

    page = await openBo()
    await expect(page.getByText('new 30')).toBeVisible(WAIT)
    // The list opens at the latest message: the line is far above, and the way up is offered.
    await expect(jumpButton(page)).toBeVisible(WAIT)
    await expectNoAxeFindings(page, 'unread-jump')
    await page.keyboard.press('Escape')
    await expect(afterLine(page)).toHaveText('new 1', WAIT)
    await expect(line(page)).toBeInViewport()
    await expect(line(page)).toHaveAccessibleName('New messages')
    await expect(jumpButton(page)).toHaveCount(0)
    await expect(line(page)).toHaveCount(1)
    await expectNoAxeFindings(page, 'unread-line')

    // The latest message was in view when the room opened: that is where Bo has read to.
    const latest = await seqOf(page, 'new 30')
    await expect.poll(() => storedReadUpTo(page, roomId), WAIT).toBe(latest)

    // The button, by mouse: back to the latest, then up to the line again.
    await page.getByRole('log', { name: 'Messages' }).evaluate((el) => el.scrollTo({ top: el.scrollHeight }))
    await expect(jumpButton(page)).toBeHidden(WAIT) // once the line was in view, there is no more offer to jump
    await expect(page.getByText('new 30')).toBeInViewport(WAIT)

    // A reload keeps the read position: everything was read, so no line and no button.
    await page.reload()
    await expect(page.getByRole('textbox', { name: 'Message' })).toBeEnabled(WAIT)
    await expect(page.getByText('new 30')).toBeVisible(WAIT)
    assert.equal((await snapshot(page)).readUpTo[roomId], latest)
    await expect(line(page)).toHaveCount(0)
    await expect(jumpButton(page)).toHaveCount(0)
    await page.close()

    // Away again: the next three are new, the line stands before the first of them, in view (no button).
    await ann.say(['later 1', 'later 2', 'later 3'])
    page = await openBo()
    await expect(afterLine(page)).toHaveText('later 1', WAIT)
    await expect(line(page)).toBeInViewport()
    await expect(jumpButton(page)).toHaveCount(0)
    await page.close()
  })

  it('jumps to a first unread that is among the older pages, loading them', async () => {
    const roomId = host.server.room.id
    const ann = await member('Ann2')
    let page = await openBo()
    await ann.say(['seen'])
    const seen = await seqOf(page, 'seen')
    await expect.poll(() => storedReadUpTo(page, roomId), WAIT).toBe(seen)
    await page.close()

    // More than a page arrives while Bo is away (four members share the writing: each one is paced).
    await ann.say(['old 1'])
    const others = await Promise.all(['Cy', 'Dee', 'Eve', 'Fay'].map(member))
    await Promise.all(others.map((o, k) => o.say(Array.from({ length: 30 }, (_, i) => `${o.client.name} ${k}-${i}`))))

    // This browser lost the room's cached messages (storage was full) but kept the read position: the room opens
    // with its latest page only, and the first unread is older than that.
    await bo.addInitScript((id) => localStorage.removeItem(`beacon.room.${id}`), roomId)
    page = await openBo()
    await expect.poll(async () => (await snapshot(page)).messages.some((m) => m.text === 'old 1'), { timeout: 2000 }).toBe(false)
    await expect(jumpButton(page)).toBeVisible(WAIT)
    await jumpButton(page).click()
    await expect(afterLine(page)).toHaveText('old 1', WAIT)
    await expect(line(page)).toBeInViewport()
    await expect(jumpButton(page)).toHaveCount(0)
    await page.close()
  })

  it("forgets where Bo read when the room's log starts over (same room, a new epoch), also in what survives a reload", async () => {
    await host.stop()
    const dir = mkdtempSync(join(tmpdir(), 'beacon-unread-log-'))
    dataDirs.push(dir)
    host = await startHost({ webRoot: WEB_ROOT, dataDir: dir })
    const roomId = host.server.room.id
    const ann = await member('Ann3')
    await ann.say(['a', 'b', 'c', 'd', 'e'])
    let page = await openBo()
    const read = await seqOf(page, 'e')
    await expect.poll(() => storedReadUpTo(page, roomId), WAIT).toBe(read)
    await page.close()

    // Another implementation may start a new log for the same room; here the host's own file is rewritten.
    const port = host.server.port
    await host.server.stop()
    const db = new DatabaseSync(join(dir, 'room.db'))
    db.exec("DELETE FROM messages; UPDATE meta SET value = 'fresh' WHERE key = 'epoch'")
    db.close()
    host = await startHost({ webRoot: WEB_ROOT, dataDir: dir, port })
    await until(() => ann.client.state.status === 'open' && ann.client.room?.epoch === 'fresh', 'Ann in the new log')
    await ann.say(['fresh start'])
    page = await openBo()
    await expect(page.getByText('fresh start')).toBeVisible(WAIT)
    const fresh = await seqOf(page, 'fresh start')
    assert.ok(fresh !== undefined && read !== undefined && fresh < read, `seq ${fresh} of the new log is below ${read} of the old`)
    await expect.poll(() => storedReadUpTo(page, roomId), WAIT).toBe(fresh)
    await page.close()
  })
})

describe(
  '"New messages" after the desktop app restarts',
  {
    skip: chromiumMissing() ?? (rendererBuilt() ? undefined : 'no renderer build in out/renderer: run `npm run build` first'),
  },
  () => {
    let host: Awaited<ReturnType<typeof startHost>>
    let browser: Browser
    const boData = mkdtempSync(join(tmpdir(), 'beacon-unread-bo-'))
    const open = new Set<DesktopInstance>()
    let ann: RoomClient | undefined

    before(async () => {
      host = await startHost()
      browser = await launchChromium()
    })
    after(async () => {
      ann?.close()
      await Promise.all([...open].map((i) => i.close()))
      await browser?.close()
      await host?.stop()
      rmSync(boData, { recursive: true, force: true })
    })

    /** Bo's app on his user-data folder, in the room (joined by its address, as "Join by address…" does). */
    async function startBo(): Promise<DesktopInstance> {
      const bo = await DesktopInstance.start(browser, { name: 'Bo', userDataDir: boData, service: { listen: '127.0.0.1' } })
      open.add(bo)
      const joined = await bo.page.evaluate(async (address) => {
        const r = await (window as unknown as { beacon: BeaconBridge }).beacon.joinRoom(address)
        return r.ok
      }, `127.0.0.1:${host.server.port}`)
      assert.equal(joined, true)
      await expect(bo.page.getByRole('textbox', { name: 'Message' })).toBeEnabled(WAIT)
      return bo
    }

    it('keeps where Bo stopped reading in settings.json, and puts the line before what Ann wrote while his app was closed', async () => {
      const roomId = host.server.room.id
      const a = nodeClient(host.server.url, 'Ann', 'node-desk-ann')
      ann = a.client
      await until(() => a.client.state.status === 'open', 'Ann connected')
      const say = async (texts: string[]) => {
        for (const t of texts) a.client.send(t)
        await until(() => texts.every((t) => a.messages.some((m) => m.text === t)), 'Ann’s messages stored', 30_000)
      }
      let bo = await startBo()
      await say(['desk 1', 'desk 2', 'desk 3'])
      await expect(bo.page.getByText('desk 3')).toBeVisible(WAIT)
      const seen = a.messages.find((m) => m.text === 'desk 3')!.seq
      await expect
        .poll(
          () =>
            (JSON.parse(readFileSync(join(boData, 'settings.json'), 'utf8')) as { readUpTo?: Record<string, number> }).readUpTo?.[roomId],
          WAIT,
        )
        .toBe(seen)
      await bo.close()
      open.delete(bo)

      await say(Array.from({ length: 30 }, (_, i) => `desk new ${i + 1}`))
      bo = await startBo()
      await expect(bo.page.getByText('desk new 30')).toBeVisible(WAIT)
      await expect(jumpButton(bo.page)).toBeVisible(WAIT)
      await bo.page.keyboard.press('Escape')
      await expect(bo.page.locator('.new-messages + .message .message-text')).toHaveText('desk new 1', WAIT)
      await expect(bo.page.locator('.new-messages')).toBeInViewport()
    })
  },
)
