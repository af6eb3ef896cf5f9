// Direct messages in the browser client, three members in Debian's Chromium on one real host: Ann opens
// "Message" on Bo in the member list and writes to him; Bo's sidebar shows the conversation with Ann and an
// unread count, he opens it by keyboard, reads and replies; Cy sees none of it, neither in the room nor in
// the sidebar; no one's room view shows a direct message. axe finds nothing on the conversation screens,
// light and dark, wide and phone-sized, and on a phone the sidebar (the back arrow) leads to them.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { expect, type Browser, type Page } from '@playwright/test'
import { chromiumMissing, launchChromium } from '../harness/harness.ts'
import { axeFindings, bridgeSnapshot, joinWebClient, WEB_ROOT } from '../helpers/web-page.ts'
import { nodeClient, startHost } from '../integration/transports-lib.ts'
import type { BeaconBridge } from '../../src/shared/bridge.ts'
import type { ChatMessage } from '../../src/shared/protocol.ts'

const skip = chromiumMissing() ?? (existsSync(`${WEB_ROOT}/index.html`) ? undefined : 'no web build in out/web: run `npm run build` first')
const SHOTS = 'test-results'
const WAIT = { timeout: 15_000 }
const PHONE = { width: 390, height: 780 }

const snapshot = (page: Page) => bridgeSnapshot<{ messages: ChatMessage[] }>(page)

/** axe's violations on the page as painted, in both themes. */
async function axeViolations(page: Page): Promise<string[]> {
  const found: string[] = []
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme })
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme)
    await page.waitForTimeout(250) // colour transitions: axe reads colours as painted
    found.push(...(await axeFindings(page)).map((x) => `[${theme}] ${x}`))
  }
  await page.emulateMedia({ colorScheme: 'light' })
  return found
}

describe('direct messages in the browser client', { skip }, () => {
  let host: Awaited<ReturnType<typeof startHost>>
  let browser: Browser
  /** Ann and Bo, from the first test (the second goes on with them). */
  let ann: { page: Page; id: string }
  let bo: { page: Page; id: string }
  const closeAfter: Array<() => void> = []

  before(async () => {
    mkdirSync(SHOTS, { recursive: true })
    host = await startHost({ webRoot: WEB_ROOT })
    browser = await launchChromium()
  })
  after(async () => {
    for (const close of closeAfter) close()
    await browser?.close()
    await host?.stop()
  })

  const conversationsOf = (p: Page) => p.getByRole('list', { name: /^Conversations in / })

  const open = (name: string) => joinWebClient(browser, host.server.webUrl, name)

  it('Ann writes to Bo alone: Bo sees the conversation appear unread, reads it and replies; Cy and the room see nothing', async () => {
    ann = await open('Ann')
    bo = await open('Bo')
    const cy = await open('Cy')
    await expect(ann.page.getByText('3 members', { exact: true })).toBeVisible(WAIT)
    const log = (p: Page) => p.getByRole('log')

    // A room message first, which every room view keeps showing.
    const annBox = ann.page.getByRole('textbox', { name: 'Message' })
    await annBox.fill('Hello all')
    await annBox.press('Enter')
    for (const p of [ann.page, bo.page, cy.page]) await expect(log(p).getByText('Hello all')).toBeVisible(WAIT)

    // Ann: "Message" on Bo (not on herself), the conversation opens with the composer ready.
    const members = ann.page.getByRole('list', { name: 'Members' })
    await expect(members.getByRole('button', { name: 'Message Ann' })).toHaveCount(0)
    await members.getByRole('button', { name: 'Message Bo' }).click()
    await expect(ann.page.getByRole('heading', { level: 1, name: 'Bo · direct message' })).toBeVisible()
    const toBo = ann.page.getByRole('textbox', { name: 'Message' })
    await expect(toBo).toBeFocused()
    await expect(toBo).toHaveAttribute('placeholder', 'Message Bo')
    await expect(log(ann.page).getByText('Hello all')).toHaveCount(0) // the room's messages are in the room
    await toBo.fill('Psst, the surprise is at six')
    await toBo.press('Enter')
    await expect(log(ann.page).getByText('Psst, the surprise is at six')).toBeVisible(WAIT)
    const sent = (await snapshot(ann.page)).messages.find((m) => m.text === 'Psst, the surprise is at six')
    assert.equal(sent?.to, bo.id, 'sent to Bo only')

    // Bo, in the room view: the conversation with Ann appears under the room, one unread; the room shows no DM.
    const boNav = conversationsOf(bo.page)
    const withAnn = boNav.getByRole('button', { name: /^Ann ?, direct messages/ })
    await expect(withAnn).toHaveAccessibleName(/^Ann ?, direct messages ?, 1 unread$/, WAIT)
    await expect(withAnn.locator('.unread-badge')).toBeVisible()
    await expect(boNav.getByRole('button', { name: /Transports/ })).toHaveAttribute('aria-current', 'true')
    await expect(log(bo.page).getByText('Psst')).toHaveCount(0)
    await bo.page.screenshot({ path: `${SHOTS}/dm-bo-unread.png` })

    // By keyboard: focus the conversation and press Enter.
    await withAnn.focus()
    await bo.page.keyboard.press('Enter')
    await expect(bo.page.getByRole('heading', { level: 1, name: 'Ann · direct message' })).toBeVisible()
    await expect(log(bo.page).getByText('Psst, the surprise is at six')).toBeVisible()
    await expect(log(bo.page).getByText('Hello all')).toHaveCount(0)
    await expect(withAnn).toHaveAccessibleName(/^Ann ?, direct messages$/)
    await expect(withAnn).toHaveAttribute('aria-current', 'true')
    const reply = bo.page.getByRole('textbox', { name: 'Message' })
    await expect(reply).toBeFocused()
    await reply.fill('See you there')
    await reply.press('Enter')
    await expect(log(ann.page).getByText('See you there')).toBeVisible(WAIT)
    await bo.page.screenshot({ path: `${SHOTS}/dm-bo-conversation.png` })
    assert.deepEqual(await axeViolations(bo.page), [], 'axe: the conversation, wide')

    // Cy: nothing of it, in the room, in the sidebar, or in what the client received.
    await cy.page.getByRole('textbox', { name: 'Message' }).fill('Anyone for tea?')
    await cy.page.getByRole('textbox', { name: 'Message' }).press('Enter')
    await expect(log(cy.page).getByText('Anyone for tea?')).toBeVisible(WAIT)
    await expect(log(bo.page).getByText('Anyone for tea?')).toHaveCount(0) // Bo is in his conversation with Ann
    await expect(boNav.getByRole('button', { name: /Transports/ })).toHaveAccessibleName(/1 unread$/, WAIT)
    await expect(conversationsOf(cy.page)).toHaveCount(0)
    await expect(cy.page.getByText(/Psst|See you there/)).toHaveCount(0)
    assert.equal((await snapshot(cy.page)).messages.filter((m) => m.to !== undefined).length, 0)

    // Every room view: the room's messages, no direct message.
    for (const p of [ann.page, bo.page])
      await conversationsOf(p)
        .getByRole('button', { name: /Transports/ })
        .click()
    for (const p of [ann.page, bo.page, cy.page]) {
      await expect(p.getByRole('heading', { level: 1, name: 'Transports' })).toBeVisible()
      await expect(log(p).getByText('Anyone for tea?')).toBeVisible(WAIT)
      await expect(log(p).getByText('Hello all')).toBeVisible()
      await expect(log(p).getByText(/Psst|See you there/)).toHaveCount(0)
    }
    // The room's messages written meanwhile were seen there now, and the conversation with Ann stays listed.
    await expect(conversationsOf(bo.page).getByRole('button')).toHaveCount(2)
    await expect(conversationsOf(bo.page).locator('.unread-badge')).toHaveCount(0)
    await ann.page.screenshot({ path: `${SHOTS}/dm-ann-room.png` })
    assert.deepEqual(await axeViolations(ann.page), [], 'axe: the room with its conversations listed, wide')

    // A phone: the back arrow leads to the sidebar, where the conversation is; picking it shows it.
    await bo.page.setViewportSize(PHONE)
    await ann.page.getByRole('list', { name: 'Members' }).getByRole('button', { name: 'Message Bo' }).click()
    await ann.page.getByRole('textbox', { name: 'Message' }).fill('Bring candles')
    await ann.page.getByRole('textbox', { name: 'Message' }).press('Enter')
    await bo.page.getByRole('button', { name: 'All rooms' }).click()
    const phoneWithAnn = conversationsOf(bo.page).getByRole('button', { name: /^Ann ?, direct messages/ })
    await expect(phoneWithAnn).toHaveAccessibleName(/^Ann ?, direct messages ?, 1 unread$/, WAIT)
    await bo.page.screenshot({ path: `${SHOTS}/dm-bo-phone-sidebar.png` })
    assert.deepEqual(await axeViolations(bo.page), [], 'axe: the sidebar with conversations, phone')
    await phoneWithAnn.click()
    await expect(bo.page.getByRole('heading', { level: 1, name: 'Ann · direct message' })).toBeVisible()
    await expect(log(bo.page).getByText('Bring candles')).toBeVisible()
    await expect(conversationsOf(bo.page)).toBeHidden()
    await bo.page.screenshot({ path: `${SHOTS}/dm-bo-phone-conversation.png` })
    assert.deepEqual(await axeViolations(bo.page), [], 'axe: the conversation, phone')
  })

  it('does not tell the room that Ann is typing while she writes to Bo', async () => {
    // A member in Node records what the room is told, in the order the host sends it.
    const { client: dee } = nodeClient(host.server.url, 'Dee', 'node-dee')
    closeAfter.push(() => dee.close())
    const told: string[] = []
    dee.on('typing', (m) => told.push(`typing:${m.id}`))
    dee.on('message', (m) => told.push(`message:${m.text}`))
    await expect(ann.page.getByText('4 members', { exact: true })).toBeVisible(WAIT)

    // Ann, in her conversation with Bo, types and sends; Bo has it, then writes to the room.
    await expect(ann.page.getByRole('heading', { level: 1, name: 'Bo · direct message' })).toBeVisible()
    const box = ann.page.getByRole('textbox', { name: 'Message' })
    await box.pressSequentially('Is Dee coming?')
    await box.press('Enter')
    await expect(bo.page.getByRole('log').getByText('Is Dee coming?')).toBeVisible(WAIT)
    await bo.page.evaluate(() => (window as unknown as { beacon: BeaconBridge }).beacon.send('Room: all set'))
    // The host handled Ann's keys before Bo's message: had they been announced, Dee would have heard it first.
    await expect.poll(() => told.includes('message:Room: all set'), WAIT).toBe(true)
    assert.deepEqual(told, ['message:Room: all set'])

    // In the room's conversation, typing is announced again (so the check above could have seen it).
    await conversationsOf(ann.page)
      .getByRole('button', { name: /Transports/ })
      .click()
    await ann.page.getByRole('textbox', { name: 'Message' }).pressSequentially('ok')
    await expect.poll(() => told.includes(`typing:${ann.id}`), WAIT).toBe(true)
  })
})
