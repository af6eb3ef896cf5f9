// Electron's security checklist, the items that can be checked in Chromium without Electron: what the
// page can reach, how messages render, the built page's CSP, links, and the bridge's argument checks.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { expect, type Browser, type Page } from '@playwright/test'
import { BRIDGE_METHODS } from '../../src/shared/bridge.ts'
import { CONTENT_SECURITY_POLICY } from '../../src/shared/csp.ts'
import { chromiumMissing, DesktopInstance, launchChromium } from '../harness/harness.ts'
import { RENDERER_DIR, rendererBuilt } from '../harness/static-server.ts'

/** Run page-side code: written as JavaScript text, since this layer's tsconfig has no DOM types. */
const inPage = <T>(p: Page, js: string): Promise<T> => p.evaluate<T>(`(async () => { ${js} })()`)

const skip = chromiumMissing() ?? (rendererBuilt() ? undefined : 'no renderer build in out/renderer: run `npm run build` first')
const WAIT = { timeout: 15_000 }
// Outside a network namespace, hosted rooms listen on loopback only.
const LOOPBACK = { service: { listen: '127.0.0.1' } }

describe('what the page can reach', { skip }, () => {
  let browser: Browser
  let ana: DesktopInstance
  let bo: DesktopInstance

  before(async () => {
    browser = await launchChromium()
    ana = await DesktopInstance.start(browser, { name: 'Ana', ...LOOPBACK })
    bo = await DesktopInstance.start(browser, { name: 'Bo', ...LOOPBACK })
    const hosted = await inPage<{ ok: boolean }>(ana.page, `return window.beacon.hostRoom({ name: 'Security' })`)
    assert.equal(hosted.ok, true)
    const address = `127.0.0.1:${ana.service.shareInfo().address.split(':').pop()}`
    const joined = await inPage<{ ok: boolean }>(bo.page, `return window.beacon.joinRoom(${JSON.stringify(address)})`)
    assert.equal(joined.ok, true, JSON.stringify(joined))
    await expect(bo.page.getByRole('textbox', { name: 'Message' })).toBeEnabled(WAIT)
  })
  after(async () => {
    await bo?.close()
    await ana?.close()
    await browser?.close()
  })

  it('window.beacon has exactly the contract’s names, as functions, and cannot be replaced', async () => {
    const shape = await inPage<{ names: string[]; types: Record<string, string>; replaced: boolean }>(
      ana.page,
      `const b = window.beacon
      const names = Object.keys(b).sort()
      const types = Object.fromEntries(names.map((n) => [n, typeof b[n]]))
      try { window.beacon = { fake: true } } catch {}
      try { delete window.beacon } catch {}
      return { names, types, replaced: window.beacon === undefined || 'fake' in window.beacon }`,
    )
    assert.deepEqual(shape.names, [...Object.keys(BRIDGE_METHODS), 'capabilities', 'on'].sort())
    for (const m of Object.keys(BRIDGE_METHODS)) assert.equal(shape.types[m], 'function', m)
    assert.equal(shape.types.on, 'function')
    assert.equal(shape.types.capabilities, 'object')
    assert.equal(shape.replaced, false)
  })

  it('nothing else of Electron or Node is reachable from the page', async () => {
    const reach = await inPage<Record<string, string>>(
      ana.page,
      `return {
        require: typeof require,
        process: typeof process,
        module: typeof module,
        Buffer: typeof Buffer,
        electron: typeof window.electron,
        ipcRenderer: typeof window.ipcRenderer,
        harness: typeof window.__beaconHarness,
      }`,
    )
    assert.deepEqual(reach, {
      require: 'undefined',
      process: 'undefined',
      module: 'undefined',
      Buffer: 'undefined',
      electron: 'undefined',
      ipcRenderer: 'undefined',
      harness: 'undefined',
    })
  })

  it('the page cannot embed frames, so no subframe ever reaches the bridge', async () => {
    const r = await inPage<{ directive: string; frameBeacon: string }>(
      ana.page,
      `const violation = new Promise((resolve) => document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true }))
      const iframe = document.createElement('iframe')
      iframe.src = '/index.html?frame'
      iframe.style.display = 'none'
      document.body.append(iframe)
      const directive = await violation
      let frameBeacon
      try { frameBeacon = typeof iframe.contentWindow.beacon } catch { frameBeacon = 'unreachable' }
      iframe.remove()
      return { directive, frameBeacon }`,
    )
    assert.equal(r.directive, 'frame-src')
    assert.notEqual(r.frameBeacon, 'object')
    assert.deepEqual(ana.refusedCalls, [])
  })

  it('a message with HTML in it shows as text and runs nothing', async () => {
    const evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>'
    const composer = bo.page.getByRole('textbox', { name: 'Message' })
    await composer.fill(evil)
    await composer.press('Enter')
    for (const p of [ana.page, bo.page]) {
      const log = p.getByRole('log', { name: 'Messages' })
      await expect(log).toContainText(evil, WAIT)
      await expect(log.locator('img, script, b')).toHaveCount(0)
      assert.equal(await inPage(p, 'return typeof window.__pwned'), 'undefined')
    }
  })

  it('a link in a message opens in the system browser, and the app window stays where it is', async () => {
    const composer = bo.page.getByRole('textbox', { name: 'Message' })
    await composer.fill('notes at https://example.com/lunch-notes')
    await composer.press('Enter')
    const link = ana.page.getByRole('log', { name: 'Messages' }).getByRole('link', { name: /example\.com\/lunch-notes/ })
    await expect(link).toBeVisible(WAIT)
    const before = ana.page.url()
    await link.click()
    await expect.poll(() => ana.openedExternally, WAIT).toContain('https://example.com/lunch-notes')
    assert.equal(ana.page.url(), before)
    assert.equal(ana.context.pages().length, 1)
  })

  it('only http, https and mailto links may leave the app', async () => {
    const results = await inPage<Record<string, boolean>>(
      ana.page,
      `const out = {}
      for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'beacon-custom://x', 'data:text/html,hi', 'https://good.example.attacker.test/', 'mailto:ana@example.com']) {
        out[url] = (await window.beacon.openExternal(url)).ok
      }
      return out`,
    )
    assert.deepEqual(results, {
      'javascript:alert(1)': false,
      'file:///etc/passwd': false,
      'beacon-custom://x': false,
      'data:text/html,hi': false,
      'https://good.example.attacker.test/': true,
      'mailto:ana@example.com': true,
    })
  })

  it('wrong argument types from the page are refused in main with a clear error', async () => {
    const answers = await inPage<Array<{ ok: boolean; error?: { code: string; message: string } }>>(
      bo.page,
      `const b = window.beacon
      return [await b.send(42), await b.hostRoom({ name: 7 }), await b.joinRoom({ id: 'x' }), await b.setProfile({ theme: 'neon' }), await b.retry()]`,
    )
    for (const a of answers) {
      assert.equal(a.ok, false)
      assert.equal(a.error?.code, 'bad_argument')
      assert.match(a.error!.message, /^(send|hostRoom|joinRoom|setProfile|retry): /)
    }
    // …and the refused calls changed nothing.
    assert.equal(bo.service.hosting.status, 'off')
    assert.equal(bo.service.getProfile().theme, 'system')
  })
})

describe('the built page’s Content-Security-Policy', { skip }, () => {
  let browser: Browser
  let page: Page
  let instance: DesktopInstance
  before(async () => {
    browser = await launchChromium()
    instance = await DesktopInstance.start(browser, { name: 'Ana', ...LOOPBACK })
    page = instance.page
  })
  after(async () => {
    await instance?.close()
    await browser?.close()
  })

  it('out/renderer/index.html carries the policy of src/shared/csp.ts', () => {
    const html = readFileSync(join(RENDERER_DIR, 'index.html'), 'utf8')
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html)
    assert.equal(meta?.[1], CONTENT_SECURITY_POLICY)
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline scripts in the built page')
  })

  it('an inline script is refused and reported as a securitypolicyviolation; eval is refused too', async () => {
    const r = await inPage<{ directive: string; inlineRan: boolean; evalRan: boolean }>(
      page,
      `const violation = new Promise((resolve) => document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true }))
      const s = document.createElement('script')
      s.textContent = 'window.__inlineRan = true'
      document.head.append(s)
      const directive = await violation
      let evalRan = true
      try { (0, eval)('1') } catch { evalRan = false }
      return { directive, inlineRan: window.__inlineRan === true, evalRan }`,
    )
    assert.equal(r.directive, 'script-src-elem')
    assert.equal(r.inlineRan, false)
    assert.equal(r.evalRan, false)
  })

  it('the page cannot load images or connect to other hosts', async () => {
    // Loopback addresses other than the page's own origin: the policy refuses them before any request.
    const directives = await inPage<string[]>(
      page,
      `const seen = []
      document.addEventListener('securitypolicyviolation', (e) => seen.push(e.effectiveDirective))
      const img = new Image()
      img.src = 'http://127.0.0.2:9/track.png'
      document.body.append(img)
      await fetch('http://127.0.0.2:9/').catch(() => {})
      while (seen.length < 2) await new Promise((r) => setTimeout(r, 20))
      img.remove()
      return seen.sort()`,
    )
    assert.deepEqual(directives, ['connect-src', 'img-src'])
  })
})
