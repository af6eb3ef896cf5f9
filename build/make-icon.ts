// Renders build/icon.svg to build/icon.png (1024×1024, transparent corners) with the same headless
// Chromium the tests use, so no image tool is needed. electron-builder derives .ico and .icns from the PNG.
// Run: node build/make-icon.ts
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { launchChromium } from '../test/harness/harness.ts'

const svg = readFileSync(fileURLToPath(new URL('./icon.svg', import.meta.url)), 'utf8')
const browser = await launchChromium()
try {
  const page = await browser.newPage({ viewport: { width: 1024, height: 1024 } })
  await page.setContent(`<!doctype html><style>html,body{margin:0;background:transparent}svg{display:block}</style>${svg}`)
  await page.screenshot({ path: fileURLToPath(new URL('./icon.png', import.meta.url)), omitBackground: true })
} finally {
  await browser.close()
}
