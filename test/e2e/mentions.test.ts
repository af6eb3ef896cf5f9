// Mentions in the browser client, three members in Debian's Chromium on one real host: Ann types "@", is
// offered the others, narrows to Bo with "b", picks him with the keyboard and sends; the message carries
// Bo's member id. Bo sees it highlighted as mentioning him, with his name as a chip; Cy sees the chip but
// no highlight; a mention that arrives while Bo's tab is hidden counts in its title. Two members with one
// name are told apart by their tag, the mouse picks too, Escape closes the list, and a mention deleted from
// the draft is not sent.
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { expect, type Browser, type Page } from '@playwright/test'
import { chromiumMissing, launchChromium } from '../harness/harness.ts'
import { bridgeSnapshot, ensureWebBuild, joinWebClient, WEB_ROOT } from '../helpers/web-page.ts'
import { nodeClient, startHost } from '../integration/transports-lib.ts'
import { memberTag } from '../../src/renderer/state/identity.ts'
import type { ChatMessage } from '../../src/shared/protocol.ts'

const SHOTS = 'test-results'
const WAIT = { timeout: 15_000 }

const snapshot = (page: Page) => bridgeSnapshot<{ messages: ChatMessage[] }>(page)

describe('mentions in the browser client', { skip: chromiumMissing() }, () => {
  let host: Awaited<ReturnType<typeof startHost>>
  let browser: Browser
  /** Cy's member id, from the first test (the second mentions him). */
  let cyId = ''
  const closeAfter: Array<() => void> = []

  before(async () => {
    ensureWebBuild()
    mkdirSync(SHOTS, { recursive: true })
    host = await startHost({ webRoot: WEB_ROOT })
    browser = await launchChromium()
  })
  after(async () => {
    for (const close of closeAfter) close()
    await browser?.close()
    await host?.stop()
  })

  const open = (name: string) => joinWebClient(browser, host.server.webUrl, name)

  it('offers the members after "@", picks Bo by keyboard, and highlights the message for Bo only', async () => {
    const ann = await open('Ann')
    const bo = await open('Bo')
    const cy = await open('Cy')
    cyId = cy.id
    const p = ann.page
    await expect(p.getByText('3 members', { exact: true })).toBeVisible(WAIT)

    const box = p.getByRole('textbox', { name: 'Message' })
    const combo = p.getByRole('combobox', { name: 'Message' })
    const list = p.getByRole('listbox', { name: 'Members to mention' })
    await expect(combo).toHaveAttribute('aria-expanded', 'false')
    await box.pressSequentially('Lunch, @')
    await expect(combo).toHaveAttribute('aria-expanded', 'true')
    // Everyone but Ann herself, by name; the first is chosen.
    await expect(list.getByRole('option').locator('.member-name')).toHaveText(['Bo', 'Cy'])
    const chosen = async () => p.locator(`[id="${await box.getAttribute('aria-activedescendant')}"] .member-name`).textContent()
    assert.equal(await chosen(), 'Bo')
    await box.press('ArrowDown')
    assert.equal(await chosen(), 'Cy')
    await expect(list.getByRole('option', { name: 'Cy' })).toHaveAttribute('aria-selected', 'true')
    await box.press('ArrowDown')
    assert.equal(await chosen(), 'Bo', 'the list wraps around')
    await box.press('ArrowUp')
    assert.equal(await chosen(), 'Cy')
    await box.press('b') // "@b": only Bo is left, and chosen
    await expect(list.getByRole('option').locator('.member-name')).toHaveText(['Bo'])
    assert.equal(await chosen(), 'Bo')
    await p.screenshot({ path: `${SHOTS}/mentions-popup.png` })
    await box.press('Enter')
    await expect(combo).toHaveAttribute('aria-expanded', 'false')
    await expect(box).toHaveValue('Lunch, @Bo ')
    await box.pressSequentially('are you coming?')
    await box.press('Enter')
    await expect(box).toHaveValue('')

    const text = 'Lunch, @Bo are you coming?'
    await expect.poll(async () => (await snapshot(bo.page)).messages.find((m) => m.text === text)?.mentions, WAIT).toEqual([bo.id])

    // Bo: the whole message is highlighted and labelled, his name a chip.
    const forBo = bo.page.locator('.message', { hasText: text })
    await expect(forBo).toHaveClass(/mentions-you/, WAIT)
    await expect(forBo.getByText('Mentions you')).toBeVisible()
    await expect(forBo.locator('.mention.you')).toHaveText('@Bo')
    await bo.page.screenshot({ path: `${SHOTS}/mentions-bo.png` })

    // Cy: the chip, but no highlight.
    const forCy = cy.page.locator('.message', { hasText: text })
    await expect(forCy.locator('.mention')).toHaveText('@Bo', WAIT)
    await expect(forCy).not.toHaveClass(/mentions-you/)
    await expect(forCy.locator('.mention.you')).toHaveCount(0)
    await expect(forCy.getByText('Mentions you')).toHaveCount(0)
    await cy.page.screenshot({ path: `${SHOTS}/mentions-cy.png` })

    // Ann, the sender: a chip, no highlight of her own message.
    await expect(p.locator('.message', { hasText: text }).locator('.mention')).toHaveText('@Bo', WAIT)
    await expect(p.locator('.message.mentions-you')).toHaveCount(0)

    // Bo's tab in the background: a mention counts in its title, a plain message does not; back, it clears.
    const setHidden = (page: Page, hidden: boolean) =>
      page.evaluate((h) => {
        Object.defineProperty(document, 'hidden', { value: h, configurable: true })
        document.dispatchEvent(new Event('visibilitychange'))
      }, hidden)
    await setHidden(bo.page, true)
    await box.pressSequentially('@b')
    await box.press('Enter')
    await box.pressSequentially('table for three')
    await box.press('Enter')
    await expect(bo.page).toHaveTitle('(@1) Transports · Beacon', WAIT)
    await expect(cy.page).toHaveTitle('Transports · Beacon')
    await setHidden(bo.page, false)
    await expect(bo.page).toHaveTitle('Transports · Beacon')
  })

  it('tells two members with one name apart by their tag, picks with the mouse, closes with Escape, and sends only the mentions still in the text', async () => {
    // A second Cy (a Node member): the list tags both, as the member list does, and the click sends the right id.
    const otherCy = nodeClient(host.server.url, 'Cy', 'node-other-cy').client
    closeAfter.push(() => otherCy.close())
    const { page: p } = await open('Dee')
    await expect(p.getByText('5 members', { exact: true })).toBeVisible(WAIT)
    const box = p.getByRole('textbox', { name: 'Message' })
    const list = p.getByRole('listbox', { name: 'Members to mention' })
    await box.pressSequentially('@c')
    await expect(list.getByRole('option')).toHaveCount(2)
    await expect(list.locator('.member-tag')).toHaveCount(2)
    await list.getByRole('option', { name: `Cy · ${memberTag(cyId)}` }).click()
    await expect(box).toHaveValue('@Cy ')
    await expect(box).toBeFocused()
    await box.pressSequentially('and @b')
    await expect(list).toBeVisible()
    await box.press('Escape')
    await expect(list).toBeHidden()
    await box.pressSequentially(' @') // a new "@" offers the list again
    await expect(list).toBeVisible()
    await box.press('Backspace')
    await box.press('Backspace')
    await box.press('Escape')
    await expect(list).toBeHidden()
    await expect(box).toHaveValue('@Cy and @b', { timeout: 1000 })
    await box.press('Enter') // the list is closed: Enter sends
    await expect(box).toHaveValue('')
    const mentionsOf = async (text: string) => (await snapshot(p)).messages.find((m) => m.text === text)?.mentions ?? 'none'
    await expect.poll(() => mentionsOf('@Cy and @b'), WAIT).toEqual([cyId]) // Cy, picked; "@b" was only typed

    // Picked, then deleted from the draft: no mention goes.
    await box.pressSequentially('@c')
    await box.press('Tab')
    await expect(box).toHaveValue('@Cy ')
    await box.fill('never mind')
    await box.press('Enter')
    await expect.poll(async () => (await snapshot(p)).messages.some((m) => m.text === 'never mind'), WAIT).toBe(true)
    assert.equal(await mentionsOf('never mind'), 'none')
  })
})
