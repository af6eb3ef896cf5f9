// Files in the browser client, in Debian's Chromium against a real host serving the web build: a member pastes
// an image and drops two files and sees them go; another member sees the image (its thumbnail at once, then the
// full image), opens it in the lightbox and downloads a file whose SHA-256 matches. A detailed image still gets a
// thumbnail within the limit, an undecodable one is offered as a file, a video loads only when asked and passes
// the page's policy. A 200 MB upload through a TCP relay cut halfway resumes from where the host is instead of
// starting over; a cancelled upload leaves nothing on the host; a full room and an oversized file are refused.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { expect, type Browser, type JSHandle, type Page } from '@playwright/test'
import type { FileLimits } from '../../src/main/server/files/limits.ts'
import { chromiumMissing, launchChromium } from '../harness/harness.ts'
import { TcpProxy } from '../harness/tcp-proxy.ts'
import { startHost, type TestHost } from '../helpers/host.ts'
import { dataTransfer, paste, sha256OfPath, writeRandomFile } from '../helpers/page-files.ts'
import { waitFor } from '../helpers/wait.ts'
import { LIMITS } from '../../src/shared/limits.ts'
import { WEB_ROOT } from '../helpers/web-page.ts'

const skip = chromiumMissing() ?? (existsSync(`${WEB_ROOT}/index.html`) ? undefined : 'no web build in out/web: run `npm run build` first')
const WAIT = { timeout: 20_000 }
const SHOTS = 'test-results'
const MB = 1024 * 1024

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')
const storedFiles = (h: TestHost): string[] => readdirSync(join(h.dataDir, 'files')).filter((n) => n !== 'partial')
const partials = (h: TestHost): string[] => readdirSync(join(h.dataDir, 'files', 'partial'))
/** A file card in a message (sent or in the outbox), not in an upload row. */
const sentFile = (page: Page, name: string) => page.locator('.message:not(.upload-row) .file-card', { hasText: name })

describe('files in the browser client', { skip }, () => {
  let browser: Browser
  const hosts: TestHost[] = []
  const closers: Array<() => Promise<void> | void> = []
  const temp = mkdtempSync(join(tmpdir(), 'beacon-web-files-'))

  before(async () => {
    mkdirSync(SHOTS, { recursive: true })
    browser = await launchChromium()
  })
  after(async () => {
    for (const c of closers.reverse()) await c()
    await browser?.close()
    for (const h of hosts) await h.dispose()
    rmSync(temp, { recursive: true, force: true })
  })

  const host = async (files: Partial<FileLimits> = {}) => {
    const h = await startHost({ webRoot: WEB_ROOT, files })
    hosts.push(h)
    return h
  }

  /** A member in a fresh browser context: named, joined, connected. */
  async function open(url: string, name: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
    const context = await browser.newContext({ viewport, acceptDownloads: true })
    closers.push(() => context.close())
    const page = await context.newPage()
    page.on('pageerror', (e) => console.error(`[${name}] ${e.message}`))
    await page.goto(url)
    await page.getByLabel('Display name').fill(name, WAIT)
    await page.getByRole('button', { name: 'Continue' }).click()
    await expect(page.getByRole('textbox', { name: 'Message' })).toBeEnabled(WAIT)
    await expect(page.getByRole('button', { name: 'Attach files' })).toBeEnabled(WAIT)
    return page
  }

  /** Every value each progress bar showed, recorded in the page from now on (uploads can be quick). */
  async function recordProgress(page: Page): Promise<() => Promise<Record<string, number[]>>> {
    await page.evaluate(() => {
      const seen: Record<string, number[]> = {}
      ;(window as unknown as { __progress: typeof seen }).__progress = seen
      const note = (el: Element) => {
        const label = el.getAttribute('aria-label') ?? '?'
        ;(seen[label] ??= []).push(Number(el.getAttribute('aria-valuenow')))
      }
      new MutationObserver((records) => {
        for (const r of records) {
          if (r.target instanceof Element && r.target.getAttribute('role') === 'progressbar') note(r.target)
          for (const n of r.addedNodes) if (n instanceof Element) for (const el of n.querySelectorAll('[role=progressbar]')) note(el)
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'] })
    })
    return () => page.evaluate(() => (window as unknown as { __progress: Record<string, number[]> }).__progress)
  }

  it('pasted and dropped files reach the other member: the image inline (thumbnail, then full), a file downloaded intact', async () => {
    const h = await host()
    const ann = await open(h.server.webUrl, 'Ann')
    const bo = await open(h.server.webUrl, 'Bo')
    const progress = await recordProgress(ann)

    // A caption typed first goes with the pasted image.
    const box = ann.getByRole('textbox', { name: 'Message' })
    await box.fill('the floor plan')
    const pasted = await dataTransfer(ann, [
      { name: 'image.png', type: 'image/png', png: { width: 1200, height: 800, label: 'Floor plan' } },
    ])
    await paste(box, pasted)
    await expect(box).toHaveValue('')

    const notes = Buffer.from('Bring:\n- plates\n- the big kettle\n')
    const data = randomBytes(3 * MB)
    const dropped = await dataTransfer(ann, [
      { name: 'notes.txt', type: 'text/plain', base64: notes.toString('base64') },
      { name: 'data.bin', type: 'application/octet-stream', base64: data.toString('base64') },
    ])
    const column = ann.locator('.chat-column')
    await column.dispatchEvent('dragenter', { dataTransfer: dropped })
    await expect(ann.getByText('Drop files to send them to Lunch')).toBeVisible()
    await ann.screenshot({ path: `${SHOTS}/web-files-drop-zone.png` })
    await column.dispatchEvent('drop', { dataTransfer: dropped })
    await expect(ann.getByText('Drop files to send them to Lunch')).toBeHidden()

    // Ann sees her three messages go, each shown as a file; all of them acknowledged.
    const annLog = ann.getByRole('log', { name: 'Messages' })
    await expect(annLog.getByRole('button', { name: 'Open image Pasted image.png' })).toBeVisible(WAIT)
    await expect(sentFile(ann, 'data.bin')).toBeVisible(WAIT)
    await expect(ann.locator('.upload-row')).toHaveCount(0, WAIT)
    await expect(ann.locator('.message.status-sending')).toHaveCount(0, WAIT)
    const seen = await progress()
    for (const name of ['Pasted image.png', 'notes.txt', 'data.bin'])
      assert.equal(seen[`Upload of ${name}`]?.at(0), 0, `an upload row with a progress bar was shown for ${name}`)

    // Bo: the image at once from its thumbnail, in a box of the original's proportions, then the full image.
    const boLog = bo.getByRole('log', { name: 'Messages' })
    const image = boLog.getByRole('button', { name: 'Open image Pasted image.png' })
    await expect(image).toBeVisible(WAIT)
    const thumb = image.locator('img.file-thumb')
    expect(await thumb.getAttribute('src')).toMatch(/^data:image\/(webp|jpeg);base64,/)
    const size = await thumb.boundingBox()
    assert.ok(size && Math.abs(size.width / size.height - 1.5) < 0.02, `the box keeps 3:2 (${size?.width}×${size?.height})`)
    await expect(image).toHaveClass(/loaded/, WAIT)
    const full = await image.locator('img.file-full').evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])
    assert.deepEqual(full, [1200, 800], 'the full image came from the host')
    await expect(boLog.getByText('the floor plan')).toBeVisible()
    await bo.screenshot({ path: `${SHOTS}/web-files-desktop-light.png` })

    // The lightbox: opened from the keyboard, closed with Escape, focus back on the image.
    await image.focus()
    await bo.keyboard.press('Enter')
    const lightbox = bo.getByRole('dialog', { name: 'Pasted image.png' })
    await expect(lightbox).toBeVisible()
    await expect.poll(() => lightbox.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1200)
    await bo.screenshot({ path: `${SHOTS}/web-files-lightbox.png` })
    await bo.keyboard.press('Escape')
    await expect(lightbox).toBeHidden()
    await expect(image).toBeFocused()

    // The order Ann gave, and the file downloaded byte for byte.
    const names = await boLog.locator('.file-name').allTextContents()
    assert.deepEqual(names, ['Pasted image.png', 'notes.txt', 'data.bin'])
    const [download] = await Promise.all([bo.waitForEvent('download'), boLog.getByRole('link', { name: 'Download data.bin' }).click()])
    assert.equal(download.suggestedFilename(), 'data.bin')
    assert.equal(sha256(readFileSync((await download.path())!)), sha256(data))
    assert.ok(storedFiles(h).includes(sha256(data)), 'the host stores it under its SHA-256')

    // Dark and phone-sized.
    await bo.emulateMedia({ colorScheme: 'dark' })
    await bo.screenshot({ path: `${SHOTS}/web-files-desktop-dark.png` })
    await bo.setViewportSize({ width: 390, height: 844 })
    await expect(image).toBeVisible()
    await bo.screenshot({ path: `${SHOTS}/web-files-phone-dark.png` })
    await bo.emulateMedia({ colorScheme: 'light' })
    await bo.screenshot({ path: `${SHOTS}/web-files-phone-light.png` })
  })

  it('an image full of detail still gets a thumbnail within the limit, and one the browser cannot decode is offered as a file', async () => {
    const h = await host()
    const ann = await open(h.server.webUrl, 'Ann')
    const files = await ann.evaluateHandle(async () => {
      // Noise compresses worst: the thumbnail must shrink until it fits.
      const canvas = document.createElement('canvas')
      canvas.width = 1600
      canvas.height = 1200
      const ctx = canvas.getContext('2d')!
      const img = ctx.createImageData(1600, 1200)
      crypto.getRandomValues(img.data.subarray(0, 65536))
      for (let i = 65536; i < img.data.length; i += 65536) img.data.set(img.data.subarray(0, Math.min(65536, img.data.length - i)), i)
      for (let i = 3; i < img.data.length; i += 4) img.data[i] = 255
      ctx.putImageData(img, 0, 0)
      const noise = await new Promise<Blob>((r) => canvas.toBlob((b) => r(b!), 'image/png'))
      const dt = new DataTransfer()
      dt.items.add(new File([noise], 'noise.png', { type: 'image/png' }))
      dt.items.add(new File(['not really a picture'], 'broken.jpg', { type: 'image/jpeg' }))
      return dt
    })
    await ann.locator('.chat-column').dispatchEvent('drop', { dataTransfer: files })
    const log = ann.getByRole('log', { name: 'Messages' })
    const noise = log.getByRole('button', { name: 'Open image noise.png' })
    await expect(noise).toBeVisible(WAIT)
    await expect(ann.locator('.upload-row')).toHaveCount(0, WAIT)
    await expect(ann.locator('.message.status-sending, .message.status-failed')).toHaveCount(0, WAIT)
    const thumb = (await noise.locator('img.file-thumb').getAttribute('src')) ?? ''
    assert.ok(thumb.length > 1000 && thumb.length <= LIMITS.maxThumbChars, `thumbnail of ${thumb.length} characters`)
    const size = await noise.locator('img.file-thumb').boundingBox()
    assert.ok(size && Math.abs(size.width / size.height - 4 / 3) < 0.02, 'its box keeps the original 4:3')
    // Declared a JPEG but not one: sent without a thumbnail, and shown as a file to download, not a broken picture.
    await expect(sentFile(ann, 'broken.jpg')).toBeVisible(WAIT)
    await expect(sentFile(ann, 'broken.jpg').getByRole('link', { name: 'Download broken.jpg' })).toBeVisible()
    await expect(log.getByRole('button', { name: 'Open image broken.jpg' })).toHaveCount(0)
  })

  it('a video plays in place from the host (the page policy lets media load from it), fetching nothing until asked', async () => {
    const h = await host()
    const ann = await open(h.server.webUrl, 'Ann')
    const clip = await dataTransfer(ann, [{ name: 'clip.webm', type: 'video/webm', base64: randomBytes(64 * 1024).toString('base64') }])
    await ann.locator('.chat-column').dispatchEvent('drop', { dataTransfer: clip })
    const video = ann.getByRole('log', { name: 'Messages' }).locator('video[aria-label="Video clip.webm"]')
    await expect(video).toBeVisible(WAIT)
    await expect(ann.locator('.message.status-sending')).toHaveCount(0, WAIT)
    assert.equal(await video.getAttribute('preload'), 'none')
    assert.equal(
      await video.evaluate(
        (v: HTMLVideoElement) => v.networkState === HTMLMediaElement.NETWORK_IDLE || v.networkState === HTMLMediaElement.NETWORK_EMPTY,
      ),
      true,
    )
    // Asked to load, the browser fetches it from the host as video/webm; no Content-Security-Policy violation.
    const outcome = await video.evaluate(
      (v: HTMLVideoElement) =>
        new Promise<{ violations: string[]; type: string | null }>((resolve) => {
          const violations: string[] = []
          document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective))
          const done = async () => {
            const res = await fetch(v.currentSrc, { method: 'HEAD' })
            resolve({ violations, type: res.headers.get('content-type') })
          }
          v.addEventListener('error', () => void done(), { once: true }) // random bytes: not a playable video
          v.addEventListener('loadedmetadata', () => void done(), { once: true })
          v.load()
        }),
    )
    assert.deepEqual(outcome, { violations: [], type: 'video/webm' })
  })

  it('a 200 MB upload cut halfway resumes from where the host is and completes, without starting over', async () => {
    const h = await host()
    const path = join(temp, 'big.bin')
    const size = 200 * MB
    const expected = writeRandomFile(path, size / MB)

    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: h.server.port })
    closers.push(() => proxy.close())
    const ann = await open(`http://${proxy.address}/`, 'Ann')
    const progress = await recordProgress(ann)
    const before = proxy.bytesToServer
    await ann.locator('input[type=file]').setInputFiles(path)
    await waitFor(() => proxy.bytesToServer - before > 100 * MB, 'half the file through the relay', 60_000)
    await expect(ann.getByRole('progressbar', { name: 'Upload of big.bin' })).toBeVisible()
    proxy.cut()
    const [partial] = partials(h)
    const held = partial ? statSync(join(h.dataDir, 'files', 'partial', partial)).size : 0
    const atCut = proxy.bytesToServer - before
    proxy.restore()

    await expect(ann.getByRole('group', { name: 'Sending big.bin' })).toHaveCount(0, { timeout: 120_000 })
    await expect(sentFile(ann, 'big.bin')).toBeVisible()
    await expect(ann.locator('.message.status-sending')).toHaveCount(0, WAIT)
    const sent = proxy.bytesToServer - before
    const mb = (n: number) => `${(n / MB).toFixed(1)} MB`
    console.log(`200 MB upload cut after ${mb(atCut)} (the host held ${mb(held)}): ${mb(sent - atCut)} more, ${mb(sent)} in all`)
    assert.ok(held > 50 * MB, `the host kept what arrived before the cut (${mb(held)})`)
    assert.ok(sent - atCut < size - held + 8 * MB, `after the cut only the rest was sent (${mb(sent - atCut)})`)
    assert.ok(sent < 1.25 * size, `resumed rather than started over (${mb(sent)} in all)`)
    const values = (await progress())['Upload of big.bin'] ?? []
    assert.ok(
      values.some((v) => v > 10 && v < 90),
      `progress was shown along the way (${values.length} values)`,
    )
    assert.ok(storedFiles(h).includes(expected), 'stored under the right SHA-256')
    assert.equal(await sha256OfPath(join(h.dataDir, 'files', expected)), expected)
    assert.equal(statSync(join(h.dataDir, 'files', expected)).size, size)
    assert.deepEqual(partials(h), [], 'no partial upload left')
    rmSync(path)
  })

  it('a cancelled upload leaves nothing behind on the host', async () => {
    // A slow member (1 MB/s) so the upload is surely under way when cancelled.
    const h = await host({ transferBytesPerSecond: MB })
    const ann = await open(h.server.webUrl, 'Ann')
    const path = join(temp, 'slow.bin')
    writeFileSync(path, randomBytes(20 * MB))
    await ann.locator('input[type=file]').setInputFiles(path)
    const bar = ann.getByRole('progressbar', { name: 'Upload of slow.bin' })
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), WAIT).toBeGreaterThan(2)
    assert.equal(partials(h).length, 1, 'the partial upload is on the host')
    await ann.screenshot({ path: `${SHOTS}/web-files-uploading.png` })
    await ann.getByRole('button', { name: 'Cancel slow.bin' }).click()
    await expect(ann.getByRole('group', { name: 'Sending slow.bin' })).toHaveCount(0)
    await waitFor(() => partials(h).length === 0, 'the host deleted the partial upload')
    assert.deepEqual(storedFiles(h), [])
    await expect(sentFile(ann, 'slow.bin')).toHaveCount(0)
    rmSync(path)
  })

  it('a room whose file storage is full refuses the upload and says so', async () => {
    const h = await host({ maxRoomBytes: 4096 })
    const ann = await open(h.server.webUrl, 'Ann')
    const path = join(temp, 'photo-archive.zip')
    writeFileSync(path, randomBytes(64 * 1024))
    await ann.locator('input[type=file]').setInputFiles(path)
    const row = ann.getByRole('group', { name: 'Sending photo-archive.zip' })
    await expect(row.getByRole('alert')).toContainText(/file storage is full/i, WAIT)
    await ann.screenshot({ path: `${SHOTS}/web-files-quota-full.png` })
    assert.deepEqual(storedFiles(h), [])
    assert.deepEqual(partials(h), [])
    await expect(row.getByRole('button', { name: 'Try again' }), 'trying again cannot help a full room').toHaveCount(0)
    await row.getByRole('button', { name: /Dismiss/ }).click()
    await expect(row).toHaveCount(0)
  })

  it('a file larger than the room takes is refused before uploading, with the limit', async () => {
    const h = await host({ maxFileBytes: 1000 })
    const ann = await open(h.server.webUrl, 'Ann')
    const big: JSHandle = await dataTransfer(ann, [
      { name: 'too-big.bin', type: 'application/octet-stream', base64: randomBytes(5000).toString('base64') },
    ])
    await ann.locator('.chat-column').dispatchEvent('drop', { dataTransfer: big })
    await expect(ann.getByRole('alert')).toContainText('"too-big.bin" is 4.9 KB: this room takes files up to 1,000 B.')
    await expect(ann.getByRole('group', { name: 'Sending too-big.bin' })).toHaveCount(0)
  })
})
