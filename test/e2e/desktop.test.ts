// The desktop app end to end, as two people on one network use it: two harness instances (real
// AppService, real renderer build in Chromium, real preload bridge factory) in a network namespace of
// their own, finding each other over mDNS on its loopback. Elements are found by role and accessible name.
import { mkdirSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { expect, type Browser, type Page } from '@playwright/test'
import { createDiscovery } from '../../src/main/discovery-port.ts'
import { chromiumMissing, DesktopInstance, launchChromium, type InstanceOptions } from '../harness/harness.ts'
import { isolateNetwork } from '../harness/isolate.ts'
import { rendererBuilt } from '../harness/static-server.ts'
import { TcpProxy } from '../harness/tcp-proxy.ts'

const noNamespace = isolateNetwork()
const skip =
  chromiumMissing() ?? (rendererBuilt() ? undefined : 'no renderer build in out/renderer: run `npm run build` first') ?? noNamespace
const SHOTS = 'test-results'
const WAIT = { timeout: 15_000 }

let browser: Browser
const open: DesktopInstance[] = []

async function start(opts: InstanceOptions): Promise<DesktopInstance> {
  const instance = await DesktopInstance.start(browser, { discovery: createDiscovery(), ...opts })
  open.push(instance)
  return instance
}

async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((i) => i.close()))
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: `${SHOTS}/${name}.png` })
}

const rooms = (p: Page) => p.getByRole('list', { name: 'Rooms' })
const roomRow = (p: Page, name: string) => rooms(p).getByRole('listitem').filter({ hasText: name })
const messages = (p: Page) => p.getByRole('log', { name: 'Messages' })
const members = (p: Page) => p.getByRole('list', { name: 'Members' })

async function host(p: Page, name: string, password?: string, screenshot?: string): Promise<void> {
  await p.getByRole('button', { name: 'Host a room' }).click()
  const dialog = p.getByRole('dialog', { name: 'Host a room' })
  await dialog.getByRole('textbox', { name: 'Room name' }).fill(name)
  if (password) await dialog.getByLabel('Password').fill(password)
  if (screenshot) await shot(p, screenshot)
  await dialog.getByRole('button', { name: 'Start hosting' }).click()
  await expect(p.getByRole('textbox', { name: 'Message' })).toBeEnabled(WAIT)
}

async function say(p: Page, text: string): Promise<void> {
  const composer = p.getByRole('textbox', { name: 'Message' })
  await composer.fill(text)
  await composer.press('Enter')
}

async function joinListed(p: Page, name: string): Promise<void> {
  await expect(roomRow(p, name)).toBeVisible(WAIT)
  await roomRow(p, name).getByRole('button', { name: 'Join' }).click()
}

describe('two people on one network', { skip }, () => {
  before(async () => {
    browser = await launchChromium()
  })
  after(async () => {
    await closeAll()
    await browser?.close()
  })

  it(
    'Ana hosts "Lunch", Bo sees it in Rooms and joins; they talk, see each other in Members, and Ana sees Bo typing',
    { timeout: 90_000 },
    async () => {
      const ana = await start({ name: 'Ana', colorScheme: 'light' })
      const bo = await start({ name: 'Bo', colorScheme: 'dark' })
      await expect(rooms(ana.page)).toBeAttached(WAIT)
      await expect(ana.page.getByText(/No rooms on your network yet/)).toBeVisible()
      await shot(ana.page, 'room-list-empty-light')

      await host(ana.page, 'Lunch', undefined, 'host-dialog-light')
      await expect(roomRow(bo.page, 'Lunch')).toBeVisible(WAIT)
      await expect(roomRow(bo.page, 'Lunch')).toContainText('Ana')
      await shot(bo.page, 'room-list-dark')

      await joinListed(bo.page, 'Lunch')
      await expect(bo.page.getByRole('textbox', { name: 'Message' })).toBeEnabled(WAIT)
      await say(ana.page, 'Anyone for lunch at noon?')
      await expect(messages(bo.page)).toContainText('Anyone for lunch at noon?', WAIT)
      await say(bo.page, 'Count me in 🍜')
      await expect(messages(ana.page)).toContainText('Count me in 🍜', WAIT)

      for (const p of [ana.page, bo.page]) {
        await expect(members(p).getByRole('listitem').filter({ hasText: 'Ana' })).toBeVisible(WAIT)
        await expect(members(p).getByRole('listitem').filter({ hasText: 'Bo' })).toBeVisible(WAIT)
      }

      await bo.page.getByRole('textbox', { name: 'Message' }).pressSequentially('on my way, save me a seat', { delay: 120 })
      await expect(ana.page.getByText(/Bo is typing/)).toBeVisible(WAIT)
      await shot(ana.page, 'chat-light')
      await shot(bo.page, 'chat-dark')
      await closeAll()
    },
  )

  it(
    'Bo’s connection drops and comes back: he misses nothing and his pending message arrives exactly once',
    { timeout: 90_000 },
    async () => {
      const ana = await start({ name: 'Ana' })
      const bo = await start({ name: 'Bo', service: { backoff: { baseMs: 300, maxMs: 1500 } } })
      await host(ana.page, 'Lunch')
      const port = Number(ana.service.shareInfo().address.split(':').pop())
      const proxy = await TcpProxy.start({ host: '127.0.0.1', port })
      try {
        await bo.page.getByRole('button', { name: 'Join by address…' }).click()
        const dialog = bo.page.getByRole('dialog', { name: 'Join by address' })
        await dialog.getByRole('textbox', { name: 'Address' }).fill(proxy.address)
        await dialog.getByRole('button', { name: 'Join' }).click()
        await say(ana.page, 'before the outage')
        await expect(messages(bo.page)).toContainText('before the outage', WAIT)

        // The network goes quiet towards Bo: what he sends still reaches Ana, but her answers (and his ack) are lost.
        proxy.stall({ toClient: true })
        await say(bo.page, 'sent during the outage')
        await expect(messages(ana.page)).toContainText('sent during the outage', WAIT)
        await expect(messages(bo.page).getByText('Sending…')).toBeVisible(WAIT)
        await say(ana.page, 'said while Bo was away')
        // Then the connection breaks for good, and later the network is back.
        proxy.cut()
        await expect(bo.page.getByRole('status', { name: 'Connection' })).toContainText(
          /Connection lost|Reconnecting|Connecting|Host is offline/,
          WAIT,
        )
        proxy.restore()

        await expect(messages(bo.page)).toContainText('said while Bo was away', WAIT)
        await expect(messages(bo.page).getByText('Sending…')).toHaveCount(0, WAIT)
        await expect(bo.page.getByRole('textbox', { name: 'Message' })).toBeEnabled(WAIT)
        await say(bo.page, 'back again')
        await expect(messages(ana.page)).toContainText('back again', WAIT)
        await expect(messages(ana.page).getByText('sent during the outage', { exact: true })).toHaveCount(1)
        await expect(messages(bo.page).getByText('sent during the outage', { exact: true })).toHaveCount(1)
        await expect(messages(bo.page).getByText('said while Bo was away', { exact: true })).toHaveCount(1)
      } finally {
        await proxy.close()
        await closeAll()
      }
    },
  )

  it(
    'a password room refuses Bo with a wrong password and lets him in with the right one; a reload keeps him in',
    { timeout: 90_000 },
    async () => {
      const ana = await start({ name: 'Ana', colorScheme: 'dark' })
      const bo = await start({ name: 'Bo' })
      await host(ana.page, 'Secret plans', 'open sesame', 'host-dialog-dark')
      await expect(roomRow(bo.page, 'Secret plans')).toContainText('password required', WAIT)
      await joinListed(bo.page, 'Secret plans')
      const dialog = bo.page.getByRole('dialog', { name: 'Join Secret plans' })
      await dialog.getByLabel('Password').fill('wrong guess')
      await dialog.getByRole('button', { name: 'Join' }).click()
      await expect(dialog.getByRole('alert')).toContainText(/wrong password/i, WAIT)
      await expect(members(ana.page).getByRole('listitem')).toHaveCount(1)

      await dialog.getByLabel('Password').fill('open sesame')
      await dialog.getByRole('button', { name: 'Join' }).click()
      await expect(bo.page.getByRole('textbox', { name: 'Message' })).toBeEnabled(WAIT)
      await expect(members(ana.page).getByRole('listitem').filter({ hasText: 'Bo' })).toBeVisible(WAIT)
      await say(bo.page, 'I know the password')
      await expect(messages(ana.page)).toContainText('I know the password', WAIT)
      await shot(ana.page, 'chat-password-room-dark')

      // A reload of the window (as after a renderer crash) picks up the room where it was.
      await bo.reload()
      await expect(messages(bo.page)).toContainText('I know the password', WAIT)
      await expect(bo.page.getByRole('textbox', { name: 'Message' })).toBeEnabled(WAIT)
      await say(bo.page, 'still here after a reload')
      await expect(messages(ana.page)).toContainText('still here after a reload', WAIT)
      await closeAll()
    },
  )

  it('when Ana stops hosting, Bo sees the room leave the list and that the host left', { timeout: 90_000 }, async () => {
    const ana = await start({ name: 'Ana' })
    const bo = await start({ name: 'Bo' })
    await host(ana.page, 'Lunch')
    await joinListed(bo.page, 'Lunch')
    await expect(members(ana.page).getByRole('listitem').filter({ hasText: 'Bo' })).toBeVisible(WAIT)

    await ana.page.getByRole('button', { name: 'Stop hosting' }).first().click()
    await expect(bo.page.getByRole('status', { name: 'Connection' })).toContainText('Host is offline — history from this device', WAIT)
    await expect(roomRow(bo.page, 'Lunch')).toHaveCount(0, WAIT)
    await expect(ana.page.getByRole('button', { name: 'Host a room' })).toBeEnabled(WAIT)
    await shot(bo.page, 'host-left-light')
    await closeAll()
  })
})
