// The browser client in a real page, as the e2e tests drive it: joining as a person does, the bridge's snapshot
// read from inside the page, and axe-core's findings on the page as painted.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { expect, type Browser, type Page } from '@playwright/test'
import type { BeaconBridge } from '../../src/shared/bridge.ts'

/** The browser client's build, served by the test hosts (`npm run build` makes it). */
export const WEB_ROOT = 'out/web'

/** Build the browser client when a single test file runs without `npm run build` first. */
export function ensureWebBuild(): void {
  if (!existsSync(`${WEB_ROOT}/index.html`))
    execFileSync('node_modules/.bin/vite', ['build', '-c', 'vite.web.config.ts'], { stdio: 'ignore', timeout: 180_000 })
}

const AXE = readFileSync('node_modules/axe-core/axe.min.js', 'utf8')
const WAIT = { timeout: 15_000 }

/** `window.beacon.getSnapshot()` in the page, typed as the test needs it. */
export function bridgeSnapshot<T>(page: Page): Promise<T> {
  return page.evaluate(async () => {
    const r = await (window as unknown as { beacon: BeaconBridge }).beacon.getSnapshot()
    if (!r.ok) throw new Error(r.error.message)
    return r.value
  }) as Promise<T>
}

type Joined = { session: { you?: { id: string }; connection: { status: string } } }

/** A member in a browser context of their own (own client id): named, joined and connected; `id` is their member id. */
export async function joinWebClient(
  browser: Browser,
  url: string,
  name: string,
  viewport = { width: 1100, height: 700 },
): Promise<{ page: Page; id: string }> {
  const context = await browser.newContext({ viewport })
  const page = await context.newPage()
  await page.goto(url)
  await page.getByLabel('Display name').fill(name, WAIT)
  await page.getByRole('button', { name: 'Continue' }).click()
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeEnabled(WAIT)
  await expect.poll(async () => (await bridgeSnapshot<Joined>(page)).session.connection.status, WAIT).toBe('open')
  return { page, id: (await bridgeSnapshot<Joined>(page)).session.you!.id }
}

/** axe-core's violations on the page as it is now, one line each (rule: targets). */
export async function axeFindings(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE)
  return page.evaluate(async () => {
    type Violation = { id: string; nodes: { target: string[] }[] }
    const r = await (window as unknown as { axe: { run(d: Document): Promise<{ violations: Violation[] }> } }).axe.run(document)
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
  })
}
