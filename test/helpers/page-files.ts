// Files as a person hands them to the chat in a real page: a DataTransfer of File objects (for a drop or a paste)
// built inside the page, and the SHA-256 of what landed on disk. Shared by the browser-client and desktop tests.
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, writeFileSync } from 'node:fs'
import type { JSHandle, Locator, Page } from '@playwright/test'

export interface PageFile {
  name: string
  type: string
  /** The file's bytes, base64. */
  base64?: string
  /** Or a PNG drawn on a canvas: a gradient with `label` on it. */
  png?: { width: number; height: number; label: string }
}

/** A DataTransfer in the page holding these files, for a `drop` or a `paste`. */
export function dataTransfer(page: Page, files: PageFile[]): Promise<JSHandle<DataTransfer>> {
  return page.evaluateHandle(async (list) => {
    const dt = new DataTransfer()
    for (const f of list) {
      let blob: Blob
      if (f.png) {
        const canvas = document.createElement('canvas')
        canvas.width = f.png.width
        canvas.height = f.png.height
        const ctx = canvas.getContext('2d')!
        const g = ctx.createLinearGradient(0, 0, f.png.width, f.png.height)
        g.addColorStop(0, '#4f46e5')
        g.addColorStop(1, '#f0b45a')
        ctx.fillStyle = g
        ctx.fillRect(0, 0, f.png.width, f.png.height)
        ctx.fillStyle = '#fff'
        ctx.font = 'bold 64px sans-serif'
        ctx.fillText(f.png.label, 40, 120)
        blob = await new Promise<Blob>((r) => canvas.toBlob((b) => r(b!), 'image/png'))
      } else {
        blob = new Blob([Uint8Array.from(atob(f.base64!), (c) => c.charCodeAt(0))])
      }
      dt.items.add(new File([blob], f.name, { type: f.type }))
    }
    return dt
  }, files)
}

/** Paste these files into an element, as Ctrl+V with a clipboard holding them does. */
export async function paste(target: Locator, dt: JSHandle<DataTransfer>): Promise<void> {
  await target.evaluate((el, data) => {
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  }, dt)
}

export async function sha256OfPath(path: string): Promise<string> {
  const h = createHash('sha256')
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer)
  return h.digest('hex')
}

/** Write `mib` MiB of random bytes (each MiB different) to `path`, without holding them all; its SHA-256. */
export function writeRandomFile(path: string, mib: number): string {
  const chunk = randomBytes(1024 * 1024)
  const hash = createHash('sha256')
  writeFileSync(path, '')
  for (let i = 0; i < mib; i++) {
    chunk.writeUInt32LE(i, 0)
    writeFileSync(path, chunk, { flag: 'a' })
    hash.update(chunk)
  }
  return hash.digest('hex')
}
