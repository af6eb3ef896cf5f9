// The real Electron app, where an Electron binary exists (node_modules/electron/dist, or
// ELECTRON_OVERRIDE_DIST_PATH) and a display does (or Xvfb can provide one): the window opens hardened,
// shows the room list, and refuses new windows and navigation. Never imports the `electron` package, so
// it cannot trigger Electron's download.
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { _electron, expect, type ElectronApplication, type Page } from '@playwright/test'
import { webPreferencesViolations } from '../../src/main/security/web-preferences.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

function electronBinary(): string | undefined {
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(ROOT, 'node_modules', 'electron', 'dist')
  const exe =
    process.platform === 'darwin'
      ? join(dist, 'Electron.app', 'Contents', 'MacOS', 'Electron')
      : process.platform === 'win32'
        ? join(dist, 'electron.exe')
        : join(dist, 'electron')
  return existsSync(exe) ? exe : undefined
}

const needsXvfb = process.platform === 'linux' && !process.env.DISPLAY
const hasXvfb = !needsXvfb || spawnSync('sh', ['-c', 'command -v Xvfb'], { encoding: 'utf8' }).status === 0
const executable = electronBinary()
const skip = !executable
  ? 'no Electron binary here (node_modules/electron/dist or ELECTRON_OVERRIDE_DIST_PATH): Electron cannot be downloaded on this machine'
  : !existsSync(join(ROOT, 'out', 'main', 'index.js'))
    ? 'no app build in out/: run `npm run build` first'
    : !hasXvfb
      ? 'no display and no Xvfb (apt-get install xvfb)'
      : undefined

describe('the Electron app', { skip }, () => {
  let app: ElectronApplication
  let window: Page
  let xvfb: ChildProcess | undefined
  let userData: string

  before(async () => {
    const env: Record<string, string> = { ...(process.env as Record<string, string>) }
    if (needsXvfb) {
      const display = `:${90 + (process.pid % 9)}`
      xvfb = spawn('Xvfb', [display, '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], { stdio: 'ignore' })
      env.DISPLAY = display
      await new Promise((r) => setTimeout(r, 500))
    }
    userData = mkdtempSync(join(tmpdir(), 'beacon-electron-'))
    app = await _electron.launch({ executablePath: executable!, args: [ROOT, `--user-data-dir=${userData}`], env, cwd: ROOT })
    window = await app.firstWindow()
    await window.waitForLoadState('domcontentloaded')
  })

  after(async () => {
    await app?.close()
    xvfb?.kill()
    if (userData) rmSync(userData, { recursive: true, force: true })
  })

  it('opens a window that shows the room list (after the first-run name prompt)', async () => {
    const name = window.getByRole('textbox', { name: 'Display name' })
    if (await name.isVisible()) {
      await name.fill('Smoke')
      await window.getByRole('button', { name: 'Continue' }).click()
    }
    await expect(window.getByRole('list', { name: 'Rooms' })).toBeAttached({ timeout: 15_000 })
    assert.match(window.url(), /^app:\/\/beacon\//)
  })

  it('runs the page hardened: isolated, sandboxed, no Node, web security on, no webview', async () => {
    const prefs = await app.evaluate(({ BrowserWindow }) => {
      const wc = BrowserWindow.getAllWindows()[0]!.webContents as unknown as { getLastWebPreferences(): Record<string, unknown> }
      return wc.getLastWebPreferences()
    })
    assert.deepEqual(webPreferencesViolations(prefs), [])
    assert.equal(await window.evaluate('typeof require + typeof process'), 'undefinedundefined')
  })

  it("sends /room-files/ to the rooms' file proxy: not found for a room the app is not in, never the renderer's files", async () => {
    const answer = (await window.evaluate(`fetch('/room-files/some-room/uploads').then(async (r) => ({
      status: r.status, nosniff: r.headers.get('x-content-type-options'), body: await r.json() }))`)) as {
      status: number
      nosniff: string | null
      body: { code: string }
    }
    assert.equal(answer.status, 404)
    assert.equal(answer.nosniff, 'nosniff')
    assert.equal(answer.body.code, 'not_connected')
  })

  it('window.open leaves exactly one window', async () => {
    await window.evaluate(`window.open('app://beacon/index.html'); window.open('about:blank')`)
    await window.waitForTimeout(300) // give a refused window the chance to appear
    assert.equal(app.windows().length, 1)
  })

  it('refuses to navigate the window away from the app', async () => {
    const before = window.url()
    await window.evaluate(`location.href = 'file:///etc/passwd'`)
    await window.waitForTimeout(300)
    assert.equal(window.url(), before)
  })
})
