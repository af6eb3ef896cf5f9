// The desktop app in several rooms at once, end to end (harness: the real AppService and renderer build in
// Chromium): Bo's app joins three rooms hosted by two others: Ann's app hosts Lunch, and Dana's machine runs two
// headless hosts (`beacon host`), Tea and Games (an app hosts one room at a time).
// Messages their members write into the rooms he is not looking at show in "Your rooms" as unread counts and an
// "@N" for a mention and a DM, and in the title; Ctrl+1…9 and the Ctrl+K switcher show rooms; each room keeps its
// draft and where it was scrolled to; hosting a fourth room keeps the three; after his app restarts it is back
// in them, and what he read stays read. A file he sends to one room goes on uploading there while he looks at
// another, where it does not show. A clicked notification shows its room at the message.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { expect, type Browser, type Page } from '@playwright/test'
import { readKey } from '../../src/shared/read-positions.ts'
import { chromiumMissing, launchChromium } from '../harness/harness.ts'
import { rendererBuilt } from '../harness/static-server.ts'
import { roomDirWith, startHost, type TestHost } from '../helpers/host.ts'
import { Member } from '../helpers/member.ts'
import { joinByAddress, LoopbackApps } from '../helpers/desktop-page.ts'

const skip = chromiumMissing() ?? (rendererBuilt() ? undefined : 'no renderer build in out/renderer: run `npm run build` first')
const WAIT = { timeout: 20_000 }
const SHOTS = 'test-results'

const yourRooms = (p: Page) => p.getByRole('region', { name: 'Your rooms' })
/** A joined room's row button, named "Tea, 1 mention or direct message, 3 unread" and the like (before its conversations). */
const roomButton = (p: Page, name: string) =>
  yourRooms(p)
    .getByRole('button', { name: new RegExp(`^${name}\\b`) })
    .first()
const composer = (p: Page) => p.getByRole('textbox', { name: 'Message' })
const messages = (p: Page) => p.getByRole('log', { name: 'Messages' })
const shownRoom = (p: Page, name: string) => expect(roomButton(p, name)).toHaveAttribute('aria-current', 'true', WAIT)

async function joinAt(p: Page, address: string): Promise<void> {
  await joinByAddress(p, address)
  await expect(composer(p)).toBeEnabled(WAIT)
}

/** The text of the first message whose text is in the log's view. */
function topMessage(p: Page): Promise<string | undefined> {
  return p.evaluate(() => {
    const view = document.querySelector('[role=log]')!.getBoundingClientRect()
    for (const el of document.querySelectorAll('[role=log] .message-text')) {
      const box = el.getBoundingClientRect()
      if (box.top >= view.top && box.bottom <= view.bottom) return el.textContent ?? undefined
    }
    return undefined
  })
}

describe('the desktop app in several rooms at once', { skip }, () => {
  let browser: Browser
  const apps = new LoopbackApps(() => browser)
  const hosts: TestHost[] = []
  const members: Member[] = []
  const boData = mkdtempSync(join(tmpdir(), 'beacon-rooms-bo-'))

  before(async () => {
    mkdirSync(SHOTS, { recursive: true })
    browser = await launchChromium()
  })
  after(async () => {
    for (const m of members) m.leave()
    await apps.closeAll()
    for (const h of hosts) await h.dispose()
    await browser?.close()
    rmSync(boData, { recursive: true, force: true })
  })

  const start = (name: string, userDataDir?: string) => apps.start(name, userDataDir)
  async function headless(name: string, opts: Parameters<typeof startHost>[0] = {}): Promise<TestHost> {
    const h = await startHost({ name, hostName: 'Dana', ...opts })
    hosts.push(h)
    return h
  }
  async function member(h: TestHost, name: string): Promise<Member> {
    const m = await Member.join(h.url, name, `${name}-client`)
    members.push(m)
    return m
  }

  it(
    'counts unread and mentions per room while Bo switches by list, Ctrl+1…9 and Ctrl+K; keeps drafts and scroll; keeps the rooms when he hosts one and after a restart',
    { timeout: 240_000 },
    async () => {
      const ann = await start('Ann')
      await ann.service.hostRoom({ name: 'Lunch' })
      const lunchAddress = ann.service.shareInfo().address.replace(/^[^:]+:/, '127.0.0.1:')
      const tea = await headless('Tea')
      // Games takes files at 512 KB/s, so an upload is still going while Bo looks at another room.
      const games = await headless('Games', { files: { transferBytesPerSecond: 512 * 1024 } })
      const cy = await member(tea, 'Cy')
      const dee = await member(games, 'Dee')

      let bo = await start('Bo', boData)
      const p = bo.page
      const you: Record<string, string> = {}
      for (const [name, address] of [
        ['Lunch', lunchAddress],
        ['Tea', `127.0.0.1:${tea.server.port}`],
        ['Games', `127.0.0.1:${games.server.port}`],
      ] as const) {
        await joinAt(p, address)
        await shownRoom(p, name)
        you[name] = bo.service.session.you!.id
      }
      await expect(yourRooms(p).getByRole('listitem')).toHaveCount(3)
      for (const [i, name] of ['Lunch', 'Tea', 'Games'].entries())
        await expect(yourRooms(p).getByRole('listitem').nth(i)).toContainText(name)
      const lunchId = bo.service.getSnapshot().joined[0]!.id

      // Games is shown; Tea and Lunch get messages: two plain and a mention in Tea, a DM from Ann in Lunch.
      cy.client.send('tea 1')
      cy.client.send('tea 2')
      cy.client.send('@Bo tea time', { mentions: [you.Tea!] })
      ann.service.send('psst, a word', { to: you.Lunch! })
      await expect(roomButton(p, 'Tea')).toHaveAccessibleName(/^Tea ?, 1 mention or direct message ?, 3 unread$/, WAIT)
      await expect(roomButton(p, 'Lunch')).toHaveAccessibleName(/^Lunch ?, 1 mention or direct message$/, WAIT)
      await expect(roomButton(p, 'Games')).toHaveAccessibleName('Games')
      await expect(p).toHaveTitle('(@2) Games · Beacon', WAIT)
      await expect(messages(p)).not.toContainText('tea 1')
      await p.screenshot({ path: `${SHOTS}/several-rooms-counts.png` })

      // Ctrl+2: Tea, read there; its counts go, the others stay.
      await p.keyboard.press('Control+2')
      await shownRoom(p, 'Tea')
      await expect(messages(p).getByText('tea time')).toBeVisible(WAIT)
      await expect(roomButton(p, 'Tea')).toHaveAccessibleName('Tea', WAIT)
      await expect(roomButton(p, 'Lunch')).toHaveAccessibleName(/^Lunch ?, 1 mention or direct message$/)
      await expect(p).toHaveTitle('(@1) Tea · Beacon', WAIT)

      // Ctrl+K: the switcher finds Lunch by part of its name; Enter shows it, Escape would have closed it.
      await p.keyboard.press('Control+k')
      const switcher = p.getByRole('dialog', { name: 'Switch room' })
      const search = switcher.getByRole('combobox', { name: 'Room name' })
      await expect(search).toBeFocused()
      await expect(switcher.getByRole('option')).toHaveCount(3)
      await search.fill('lun')
      await expect(switcher.getByRole('option')).toHaveCount(1)
      await expect(switcher.getByRole('option', { name: /Lunch/ })).toHaveAttribute('aria-selected', 'true')
      await p.screenshot({ path: `${SHOTS}/several-rooms-switcher.png` })
      await search.press('Enter')
      await expect(switcher).toHaveCount(0)
      await shownRoom(p, 'Lunch')
      await p.keyboard.press('Control+k')
      await expect(search).toBeFocused()
      await p.keyboard.press('Escape')
      await expect(switcher).toHaveCount(0)
      await expect(composer(p)).toBeFocused()

      // Ann's DM, under Lunch: seeing it clears the "@1", for good (its read key is written).
      const conversations = p.getByRole('list', { name: 'Conversations in Lunch' })
      const withAnn = conversations.getByRole('button', { name: /^Ann ?, direct messages/ })
      await expect(withAnn).toHaveAccessibleName(/^Ann ?, direct messages ?, 1 unread$/, WAIT)
      await withAnn.click()
      await expect(messages(p).getByText('psst, a word')).toBeVisible(WAIT)
      await expect(roomButton(p, 'Lunch')).toHaveAccessibleName('Lunch', WAIT)
      await expect(p).toHaveTitle(/^Ann · Beacon|^Lunch · Beacon/, WAIT)
      await conversations.getByRole('button', { name: 'Lunch', exact: true }).click()

      // A file sent to Games keeps going to Games while Bo looks at Tea, and shows only in Games.
      const file = join(boData, 'slow.bin')
      writeFileSync(file, Buffer.alloc(2 * 1024 * 1024, 7))
      await p.keyboard.press('Control+3')
      await shownRoom(p, 'Games')
      await p.locator('input[type=file]').setInputFiles(file)
      const progress = p.getByRole('progressbar', { name: 'Upload of slow.bin' })
      await expect(progress).toBeVisible(WAIT)
      await p.keyboard.press('Control+2')
      await shownRoom(p, 'Tea')
      await expect(messages(p).getByText('tea time')).toBeVisible(WAIT)
      await expect(progress).toHaveCount(0)
      await dee.until(() => dee.seen.some((m) => m.file?.name === 'slow.bin'), 'the file in Games', 30_000)
      await expect(messages(p).getByText('slow.bin')).toHaveCount(0)
      await p.keyboard.press('Control+3')
      await expect(messages(p).getByRole('button', { name: 'Download slow.bin' })).toBeVisible(WAIT)
      assert.equal(
        cy.seen.some((m) => m.file !== undefined),
        false,
        'nothing of it in Tea',
      )
      await p.keyboard.press('Control+1')
      await shownRoom(p, 'Lunch')

      // Drafts: one per room, kept while switching.
      await composer(p).fill('half a thought')
      await p.keyboard.press('Control+3')
      await shownRoom(p, 'Games')
      await expect(composer(p)).toHaveValue('')
      await composer(p).fill('games draft')
      await p.keyboard.press('Control+1')
      await shownRoom(p, 'Lunch')
      await expect(composer(p)).toHaveValue('half a thought')
      await roomButton(p, 'Games').click()
      await shownRoom(p, 'Games')
      await expect(composer(p)).toHaveValue('games draft')

      // Scroll: Games gets 80 messages; Bo scrolls up into them, looks at Tea, comes back: where he was.
      for (let i = 1; i <= 80; i++) dee.client.send(`game ${i}`)
      await expect(messages(p).getByText('game 80', { exact: true })).toBeVisible(WAIT)
      await messages(p).hover()
      for (let i = 0; i < 8 && (await messages(p).getByText('game 80', { exact: true }).isVisible()); i++) await p.mouse.wheel(0, -600)
      await expect(messages(p).getByText('game 80', { exact: true })).not.toBeInViewport()
      await expect(p.getByRole('button', { name: 'Jump to latest' })).toBeVisible(WAIT)
      const top = await topMessage(p)
      await p.keyboard.press('Control+2')
      await shownRoom(p, 'Tea')
      await expect(messages(p).getByText('tea time')).toBeInViewport(WAIT)
      await p.keyboard.press('Control+3')
      await shownRoom(p, 'Games')
      await expect(messages(p).getByText(top!, { exact: true })).toBeInViewport(WAIT)
      await expect(messages(p).getByText('game 80', { exact: true })).not.toBeInViewport()
      await expect(p.getByRole('button', { name: 'Jump to latest' })).toBeVisible()
      // Tea was left at its latest: it is there again, and follows what comes.
      await p.keyboard.press('Control+2')
      await shownRoom(p, 'Tea')
      cy.client.send('tea 3')
      await expect(messages(p).getByText('tea 3')).toBeInViewport(WAIT)

      // A clicked notification of a message in Games: Games is shown at that message, highlighted a moment.
      const gamesId = bo.service.getSnapshot().joined.find((r) => r.name === 'Games')!.id
      bo.service.notificationClicked({ roomId: gamesId, seq: dee.seen.find((m) => m.text === 'game 5')!.seq })
      await shownRoom(p, 'Games')
      const aimed = messages(p).getByText('game 5', { exact: true })
      await expect(aimed).toBeInViewport(WAIT)
      await expect(p.locator('.message.highlight')).toContainText('game 5')
      await p.screenshot({ path: `${SHOTS}/several-rooms-notification-clicked.png` })
      await expect(p.locator('.message.highlight')).toHaveCount(0, WAIT)
      await p.keyboard.press('Control+2')
      await shownRoom(p, 'Tea')

      // A phone-sized window: one column; the back arrow leads to the rooms (focus on the one shown), a room opens.
      await p.setViewportSize({ width: 390, height: 844 })
      await p.getByRole('button', { name: 'All rooms' }).click()
      await expect(roomButton(p, 'Tea')).toBeFocused()
      await roomButton(p, 'Lunch').click()
      await expect(composer(p)).toBeVisible()
      await expect(composer(p)).toHaveValue('half a thought')
      await expect(yourRooms(p)).toBeHidden()
      await p.setViewportSize({ width: 1100, height: 720 })

      // Hosting a fourth room keeps the three.
      await p.getByRole('button', { name: 'Host a room' }).click()
      const dialog = p.getByRole('dialog', { name: 'Host a room' })
      await dialog.getByRole('textbox', { name: 'Room name' }).fill('Den')
      await dialog.getByRole('button', { name: 'Start hosting' }).click()
      await shownRoom(p, 'Den')
      await expect(yourRooms(p).getByRole('listitem')).toHaveCount(4)
      for (const name of ['Lunch', 'Tea', 'Games'])
        await expect(roomButton(p, name)).not.toHaveAccessibleName(/connecting|offline|password/i)
      await expect(roomButton(p, 'Den')).toHaveAccessibleName(/Hosting/)
      await p.screenshot({ path: `${SHOTS}/several-rooms-hosting.png` })

      // What Bo read is written before his app closes (at most a second after he saw it).
      const teaId = bo.service.getSnapshot().joined.find((r) => r.name === 'Tea')!.id
      const settings = () => JSON.parse(readFileSync(join(boData, 'settings.json'), 'utf8')) as { readUpTo?: Record<string, number> }
      const teaLast = cy.seen.find((m) => m.text === 'tea 3')!.seq
      await expect.poll(() => settings().readUpTo?.[teaId], WAIT).toBe(teaLast)
      await expect.poll(() => settings().readUpTo?.[readKey(lunchId, ann.service.session.you!.id)], WAIT).toBeGreaterThan(0)
      await apps.close(bo)

      // Restarted: back in the rooms, nothing he read is unread; what came since is.
      bo = await start('Bo', boData)
      const q = bo.page
      for (const name of ['Lunch', 'Tea', 'Games']) await expect(roomButton(q, name)).toBeVisible(WAIT)
      await expect(roomButton(q, 'Tea')).toHaveAccessibleName('Tea', WAIT)
      await expect(roomButton(q, 'Lunch')).toHaveAccessibleName('Lunch', WAIT)
      await expect(roomButton(q, 'Games')).toHaveAccessibleName('Games', WAIT)
      cy.client.send('after the restart')
      await expect(roomButton(q, 'Tea')).toHaveAccessibleName(/^Tea ?, 1 unread$/, WAIT)
      await q.screenshot({ path: `${SHOTS}/several-rooms-restarted.png` })
    },
  )

  it('asks again for the password of a password room it comes back to after a restart, then shows it', { timeout: 120_000 }, async () => {
    const board = await headless('Board', { password: 'hunter2' })
    const lunch = await headless('Lunch')
    const dir = mkdtempSync(join(tmpdir(), 'beacon-rooms-pw-'))
    try {
      let bo = await start('Bo', dir)
      await joinAt(bo.page, `127.0.0.1:${lunch.server.port}`)
      await bo.page.getByRole('button', { name: 'Join by address…' }).click()
      const byAddress = bo.page.getByRole('dialog', { name: 'Join by address' })
      await byAddress.getByRole('textbox', { name: 'Address' }).fill(`127.0.0.1:${board.server.port}`)
      await byAddress.getByLabel('Password').fill('hunter2')
      await byAddress.getByRole('button', { name: 'Join' }).click()
      await shownRoom(bo.page, 'Board')
      await apps.close(bo)

      // The password is never stored: Board is back locked, Lunch live.
      bo = await start('Bo', dir)
      const p = bo.page
      await expect(roomButton(p, 'Board')).toHaveAccessibleName(/^Board ?, password required ?, Needs the password$/, WAIT)
      await roomButton(p, 'Board').click()
      const dialog = p.getByRole('dialog', { name: 'Join Board' })
      await dialog.getByLabel('Password').fill('hunter2')
      await dialog.getByRole('button', { name: 'Join' }).click()
      await expect(dialog).toHaveCount(0, WAIT)
      await shownRoom(p, 'Board')
      await expect(composer(p)).toBeEnabled(WAIT)
      await expect(roomButton(p, 'Board')).toHaveAccessibleName(/^Board ?, password required$/, WAIT)
      await expect(roomButton(p, 'Lunch')).toHaveAccessibleName('Lunch')
      await apps.close(bo)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('shows a clicked notification’s message that is among the room’s older pages, loading them', { timeout: 120_000 }, async () => {
    // Archive holds 250 messages: joining brings the latest 100, message 20 is two pages further back.
    const archive = await headless('Archive', { dataDir: roomDirWith(250).dir })
    const tea = await headless('Tea')
    const bo = await start('Bo')
    const p = bo.page
    await joinAt(p, `127.0.0.1:${archive.server.port}`)
    const archiveId = bo.service.session.room!.id
    await expect(messages(p).getByText('message 250', { exact: true })).toBeVisible(WAIT)
    const held = bo.service.getSnapshot()
    assert.equal(held.window.start, false, 'the room’s beginning is not held')
    assert.equal(
      held.messages.some((m) => m.seq === 20),
      false,
      'message 20 is not held',
    )
    await joinAt(p, `127.0.0.1:${tea.server.port}`)
    await shownRoom(p, 'Tea')
    bo.service.notificationClicked({ roomId: archiveId, seq: 20 })
    await shownRoom(p, 'Archive')
    await expect(messages(p).getByText('message 20', { exact: true })).toBeInViewport(WAIT)
    await expect(p.locator('.message.highlight')).toContainText('message 20')
    await apps.close(bo)
  })
})
