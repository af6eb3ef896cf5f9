// Scrollback in the app: joining a room with a long past shows the latest page; scrolling up loads older
// pages in place (the message being read stays on screen) until "Beginning of the room".
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { expect, type Browser, type Page } from '@playwright/test'
import { RoomServer } from '../../src/main/server/room-server.ts'
import type { BeaconBridge } from '../../src/shared/bridge.ts'
import { chromiumMissing, DesktopInstance, launchChromium } from '../harness/harness.ts'
import { messageListSettled } from '../helpers/message-list.ts'
import { roomDirWith } from '../helpers/host.ts'
import { rendererBuilt } from '../harness/static-server.ts'

const skip = chromiumMissing() ?? (rendererBuilt() ? undefined : 'no renderer build in out/renderer: run `npm run build` first')
const WAIT = { timeout: 15_000 }
const PAST = 350

const messages = (p: Page) => p.getByRole('log', { name: 'Messages' })

describe('scrolling back through a room', { skip }, () => {
  let browser: Browser
  let me: DesktopInstance
  let server: RoomServer
  let dir: string
  before(async () => {
    const now = Date.now()
    dir = roomDirWith(PAST, { text: (seq) => `old message ${seq}`, ts: (seq) => now - (PAST - seq) * 1000 }).dir
    server = await RoomServer.start({ name: 'Archive', dataDir: dir, hostName: 'Test', listen: '127.0.0.1', port: 0 })
    // Keys scroll at once, not in a glide: a page that lands mid-glide keeps the place the glide had reached,
    // and the glide carries on from there, so where the reader ends up would depend on timing.
    browser = await launchChromium(['--disable-smooth-scrolling'])
    me = await DesktopInstance.start(browser, { name: 'Max', service: { listen: '127.0.0.1', lanAddress: () => '127.0.0.1' } })
  })
  after(async () => {
    await me?.close()
    await browser?.close()
    await server?.stop('host_stopped')
    rmSync(dir, { recursive: true, force: true })
  })

  it('loads older messages as the reader scrolls up, keeps their place, and ends at "Beginning of the room"', async () => {
    const p = me.page
    await p.getByRole('button', { name: 'Join by address…' }).click()
    const dialog = p.getByRole('dialog', { name: 'Join by address' })
    await dialog.getByRole('textbox', { name: 'Address' }).fill(`127.0.0.1:${server.port}`)
    await dialog.getByRole('button', { name: 'Join' }).click()
    // The list opens at the latest message. Wait for it to get there and settle: for a moment after the list
    // changes, Virtuoso takes a scroll up that meets a taller list for growth and follows it back to the bottom.
    await expect(messages(p).getByText(`old message ${PAST}`, { exact: true })).toBeInViewport(WAIT)
    await messageListSettled(p)
    await expect(messages(p).getByText('Beginning of the room')).toHaveCount(0)

    // Go to the top once: the page before arrives above, and the reader stays among the messages that were shown
    // (without firstItemIndex the view would stay at the top, 100 messages away from them).
    await messages(p).focus()
    await p.keyboard.press('Home')
    await expect(messages(p).getByText(`old message ${PAST - 100}`, { exact: true })).toBeAttached(WAIT)
    const seqsInView = () =>
      messages(p).evaluate((el) => {
        const view = el.getBoundingClientRect()
        return [...el.querySelectorAll('.message-text')]
          .filter((m) => {
            const b = m.getBoundingClientRect()
            return b.bottom > view.top && b.top < view.bottom
          })
          .map((m) => Number(/^old message (\d+)$/.exec(m.textContent ?? '')?.[1]))
      })
    const firstShown = PAST - 99
    await expect(async () => {
      const inView = await seqsInView()
      assert.ok(inView.length > 0, 'messages in view')
      assert.ok(Math.min(...inView) >= firstShown - 10 && Math.max(...inView) >= firstShown, `in view: ${inView.join(', ')}`)
    }).toPass({ timeout: 5000 })

    // Keep going up: every page loads, down to the beginning.
    await expect(async () => {
      await p.keyboard.press('Home')
      await expect(messages(p).getByText('old message 1', { exact: true })).toBeInViewport({ timeout: 1000 })
    }).toPass(WAIT)
    await expect(messages(p).getByText('Beginning of the room')).toBeInViewport()
    const snapshot = await p.evaluate(async () => {
      const r = await (window as unknown as { beacon: BeaconBridge }).beacon.getSnapshot()
      return r.ok ? r.value.messages.map((m) => m.seq) : []
    })
    assert.deepEqual(
      snapshot,
      Array.from({ length: PAST }, (_, i) => i + 1),
      'every message once, in order',
    )
  })
})
