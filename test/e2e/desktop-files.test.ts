// Files in the desktop app, end to end: two harness instances (real AppService, real renderer build in
// Chromium, the real preload bridge), one hosting and one joining by address on loopback. The renderer reaches
// the room's file routes only through the app's same-origin /room-files/ proxy, as in Electron. Ana pastes an
// image and drops two files; Bo sees the image in place and saves files into his Downloads folder with their
// SHA-256 intact, reveals one, and is asked before a script opens. A 200 MB upload from a member whose
// connection is cut halfway goes on from where the host is.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { expect, type Browser, type Page } from '@playwright/test'
import { chromiumMissing, DesktopInstance, launchChromium, type InstanceOptions } from '../harness/harness.ts'
import { rendererBuilt } from '../harness/static-server.ts'
import { TcpProxy } from '../harness/tcp-proxy.ts'
import { dataTransfer, paste, sha256OfPath, writeRandomFile } from '../helpers/page-files.ts'
import { waitFor } from '../helpers/wait.ts'
import { joinByAddress } from '../helpers/desktop-page.ts'

const skip = chromiumMissing() ?? (rendererBuilt() ? undefined : 'no renderer build in out/renderer: run `npm run build` first')
const WAIT = { timeout: 20_000 }
const SHOTS = 'test-results'
const MB = 1024 * 1024

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')
const messages = (p: Page) => p.getByRole('log', { name: 'Messages' })
/** A file shown in a sent message (not in an upload row). */
const sentFile = (p: Page, name: string) => p.locator('.message:not(.upload-row) .file-card', { hasText: name })

describe('files in the desktop app', { skip }, () => {
  let browser: Browser
  const open: DesktopInstance[] = []
  const closers: Array<() => Promise<void>> = []
  const temp = mkdtempSync(join(tmpdir(), 'beacon-desktop-files-'))

  before(async () => {
    mkdirSync(SHOTS, { recursive: true })
    browser = await launchChromium()
  })
  after(async () => {
    for (const c of closers.reverse()) await c()
    await Promise.all(open.map((i) => i.close()))
    await browser?.close()
    rmSync(temp, { recursive: true, force: true })
  })

  async function start(name: string, opts: InstanceOptions = {}): Promise<DesktopInstance> {
    // Hosted rooms listen on loopback only; nothing is discovered (joins are by address).
    const i = await DesktopInstance.start(browser, { name, ...opts, service: { listen: '127.0.0.1', ...opts.service } })
    open.push(i)
    return i
  }

  async function hostRoom(i: DesktopInstance, name: string): Promise<number> {
    await i.page.getByRole('button', { name: 'Host a room' }).click()
    const dialog = i.page.getByRole('dialog', { name: 'Host a room' })
    await dialog.getByRole('textbox', { name: 'Room name' }).fill(name)
    await dialog.getByRole('button', { name: 'Start hosting' }).click()
    await expect(i.page.getByRole('button', { name: 'Attach files' })).toBeEnabled(WAIT)
    return Number(i.service.shareInfo().address.split(':').pop())
  }

  async function joinAt(i: DesktopInstance, address: string): Promise<void> {
    await joinByAddress(i.page, address)
    await expect(i.page.getByRole('button', { name: 'Attach files' })).toBeEnabled(WAIT)
  }

  it(
    'a pasted image shows in place for the other member, dropped files save into his Downloads folder intact, and a script asks before opening',
    { timeout: 120_000 },
    async () => {
      const ana = await start('Ana')
      const bo = await start('Bo')
      const port = await hostRoom(ana, 'Lunch')
      await joinAt(bo, `127.0.0.1:${port}`)

      const box = ana.page.getByRole('textbox', { name: 'Message' })
      const pasted = await dataTransfer(ana.page, [
        { name: 'image.png', type: 'image/png', png: { width: 900, height: 600, label: 'Seating' } },
      ])
      await paste(box, pasted)
      const notes = Buffer.from('Bring:\n- plates\n- the big kettle\n')
      const script = Buffer.from('#!/bin/sh\necho "set up the projector"\n')
      const dropped = await dataTransfer(ana.page, [
        { name: 'notes.txt', type: 'text/plain', base64: notes.toString('base64') },
        { name: 'setup.sh', type: 'application/x-sh', base64: script.toString('base64') },
      ])
      await ana.page.locator('.chat-column').dispatchEvent('drop', { dataTransfer: dropped })
      await expect(sentFile(ana.page, 'setup.sh')).toBeVisible(WAIT)
      await expect(ana.page.locator('.message.status-sending')).toHaveCount(0, WAIT)

      // Bo sees the image itself, fetched through his app's /room-files/<room>/ proxy from Ana's host.
      const image = messages(bo.page).getByRole('button', { name: 'Open image Pasted image.png' })
      await expect(image).toHaveClass(/loaded/, WAIT)
      const full = await image.locator('img.file-full').evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight, img.src])
      assert.deepEqual(full.slice(0, 2), [900, 600])
      assert.match(String(full[2]), new RegExp(`^${bo.url}room-files/[^/?]+/[0-9a-f]{64}\\?`), 'the image comes from the app’s own origin')

      // Download: the file lands in Bo's Downloads folder, byte for byte, with no .part left.
      await messages(bo.page).getByRole('button', { name: 'Download notes.txt' }).click()
      await messages(bo.page).getByRole('button', { name: 'Download setup.sh' }).click()
      await expect(messages(bo.page).getByRole('button', { name: 'Show in folder setup.sh' })).toBeVisible(WAIT)
      await expect(messages(bo.page).getByRole('button', { name: 'Show in folder notes.txt' })).toBeVisible(WAIT)
      assert.deepEqual(readdirSync(bo.downloadsDir).sort(), ['notes.txt', 'setup.sh'])
      assert.equal(sha256(readFileSync(join(bo.downloadsDir, 'notes.txt'))), sha256(notes))
      assert.equal(sha256(readFileSync(join(bo.downloadsDir, 'setup.sh'))), sha256(script))
      await bo.page.screenshot({ path: `${SHOTS}/desktop-files-saved.png` })

      // Show in folder reveals it; nothing was opened by itself.
      await messages(bo.page).getByRole('button', { name: 'Show in folder notes.txt' }).click()
      await waitFor(() => bo.files.shown.length === 1, 'the file revealed')
      assert.deepEqual(bo.files.shown, [join(bo.downloadsDir, 'notes.txt')])
      assert.deepEqual(bo.files.opened, [])

      // A script asks first and stays closed on Cancel (the dialog's default); a text file just opens.
      await messages(bo.page).getByRole('button', { name: 'Open setup.sh' }).click()
      await waitFor(() => bo.files.confirmed.length === 1, 'asked before opening the script')
      assert.deepEqual(bo.files.confirmed, [{ name: 'setup.sh', answer: false }])
      await messages(bo.page).getByRole('button', { name: 'Open notes.txt' }).click()
      await waitFor(() => bo.files.opened.length === 1, 'the text file opened')
      assert.deepEqual(bo.files.opened, [join(bo.downloadsDir, 'notes.txt')])
      assert.equal(bo.files.confirmed.length, 1, 'a text file opens without a question')
      bo.files.answer = true
      await messages(bo.page).getByRole('button', { name: 'Open setup.sh' }).click()
      await waitFor(() => bo.files.opened.length === 2, 'the script opened once the user said so')
      assert.deepEqual(bo.files.opened[1], join(bo.downloadsDir, 'setup.sh'))
    },
  )

  it('a 200 MB upload from a member whose connection is cut halfway resumes without starting over', { timeout: 300_000 }, async () => {
    const bo = await start('Bo')
    const ana = await start('Ana', { service: { backoff: { baseMs: 300, maxMs: 1500 } } })
    const port = await hostRoom(bo, 'Lunch')
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port })
    closers.push(() => proxy.close())
    await joinAt(ana, proxy.address)

    const path = join(temp, 'big.bin')
    const size = 200 * MB
    const expected = writeRandomFile(path, size / MB)
    const hostFiles = join(bo.userDataDir, 'rooms')

    const before = proxy.bytesToServer
    await ana.page.locator('input[type=file]').setInputFiles(path)
    await waitFor(() => proxy.bytesToServer - before > 100 * MB, 'half the file through the relay', 120_000)
    await expect(ana.page.getByRole('progressbar', { name: 'Upload of big.bin' })).toBeVisible()
    proxy.cut()
    const atCut = proxy.bytesToServer - before
    proxy.restore()

    await expect(ana.page.getByRole('group', { name: 'Sending big.bin' })).toHaveCount(0, { timeout: 240_000 })
    await expect(sentFile(ana.page, 'big.bin')).toBeVisible(WAIT)
    await expect(sentFile(bo.page, 'big.bin')).toBeVisible(WAIT)
    const sent = proxy.bytesToServer - before
    const mb = (n: number) => `${(n / MB).toFixed(1)} MB`
    console.log(`desktop: 200 MB upload cut after ${mb(atCut)}: ${mb(sent - atCut)} more, ${mb(sent)} in all`)
    assert.ok(sent < 1.25 * size, `resumed rather than started over (${mb(sent)} through the relay in all)`)
    const stored = findFile(hostFiles, expected)
    assert.ok(stored, 'the host stores it under its SHA-256')
    assert.equal(statSync(stored).size, size)
    assert.equal(await sha256OfPath(stored), expected)
    rmSync(path)
  })
})

/** `<room dir>/files/<sha256>` somewhere under the app's rooms folder. */
function findFile(roomsDir: string, name: string): string | undefined {
  for (const room of readdirSync(roomsDir)) {
    const p = join(roomsDir, room, 'files', name)
    try {
      if (statSync(p).isFile()) return p
    } catch {
      // not in this room
    }
  }
  return undefined
}
