// Electron's security checklist, the parts decided by electron-free policy modules: table tests.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { join } from 'node:path'
import { isTrustedSender } from '../../src/main/security/ipc-sender.ts'
import { ALLOWED_PERMISSIONS, permissionAllowed } from '../../src/main/security/permissions.ts'
import { appOrigin, externalUrl, isAppUrl, mayNavigate } from '../../src/main/security/urls.ts'
import { hardenedWebPreferences, webPreferencesViolations } from '../../src/main/security/web-preferences.ts'
import { APP_BASE, resolveAppFile } from '../../src/main/security/app-protocol.ts'
import { CONTENT_SECURITY_POLICY } from '../../src/shared/csp.ts'

const app = appOrigin(APP_BASE)

describe('webPreferences of every window', () => {
  const prefs = hardenedWebPreferences('/app/out/preload/index.cjs')

  it('isolates the page, sandboxes it, keeps Node out of it and keeps web security and no webview', () => {
    assert.equal(prefs.contextIsolation, true)
    assert.equal(prefs.sandbox, true)
    assert.equal(prefs.nodeIntegration, false)
    assert.equal(prefs.nodeIntegrationInWorker, false)
    assert.equal(prefs.nodeIntegrationInSubFrames, false)
    assert.equal(prefs.webSecurity, true)
    assert.equal(prefs.allowRunningInsecureContent, false)
    assert.equal(prefs.webviewTag, false)
    assert.equal(prefs.experimentalFeatures, false)
    assert.equal(prefs.preload, '/app/out/preload/index.cjs')
    assert.deepEqual(webPreferencesViolations({ ...prefs }), [])
  })

  it('refuses to build a window without a preload path', () => {
    assert.throws(() => hardenedWebPreferences(''))
  })

  const weakened: Array<[string, Record<string, unknown>, string]> = [
    ['context isolation off', { contextIsolation: false }, 'contextIsolation must be true'],
    ['sandbox off', { sandbox: false }, 'sandbox must be true'],
    ['Node in the page', { nodeIntegration: true }, 'nodeIntegration must be false'],
    ['Node in workers', { nodeIntegrationInWorker: true }, 'nodeIntegrationInWorker must be false'],
    ['Node in subframes', { nodeIntegrationInSubFrames: true }, 'nodeIntegrationInSubFrames must be false'],
    ['web security off', { webSecurity: false }, 'webSecurity must be true'],
    ['insecure content', { allowRunningInsecureContent: true }, 'allowRunningInsecureContent must be false'],
    ['webview tag', { webviewTag: true }, 'webviewTag must be false'],
    ['experimental features', { experimentalFeatures: true }, 'experimentalFeatures must be false'],
    ['blink features', { enableBlinkFeatures: 'CSSVariables' }, 'enableBlinkFeatures must be empty'],
  ]
  for (const [what, change, message] of weakened) {
    it(`reports a window with ${what}`, () => {
      assert.deepEqual(webPreferencesViolations({ ...prefs, ...change }), [message])
    })
  }

  it("counts Electron's defaults as hardened where a key is absent (as for a webview request)", () => {
    assert.deepEqual(webPreferencesViolations({}), [])
  })
})

describe('where the window may navigate', () => {
  const table: Array<[string, boolean]> = [
    ['app://beacon/index.html', true],
    ['app://beacon/', true],
    ['app://beacon.attacker.test/index.html', false],
    ['app://evil/index.html', false],
    ['app://user:pw@beacon/index.html', false],
    ['https://good.example.attacker.test/', false],
    ['https://example.com/', false],
    ['http://127.0.0.1:4646/', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['data:text/html,<script>alert(1)</script>', false],
    ['beacon-custom://open', false],
    ['about:blank', false],
    ['not a url', false],
    ['', false],
  ]
  for (const [url, allowed] of table) {
    it(`${allowed ? 'stays on' : 'refuses'} ${JSON.stringify(url)}`, () => assert.equal(mayNavigate(url, app), allowed))
  }

  it('compares scheme, host and port, not string prefixes', () => {
    const dev = appOrigin('https://good.example/')
    assert.equal(isAppUrl('https://good.example/page', dev), true)
    assert.equal(isAppUrl('https://good.example.attacker.test/', dev), false)
    assert.equal(isAppUrl('https://good.example:8443/', dev), false)
    assert.equal(isAppUrl('http://good.example/', dev), false)
    assert.equal(isAppUrl(undefined, dev), false)
  })
})

describe('links opened in the system browser', () => {
  const table: Array<[string, string | undefined]> = [
    ['https://example.com/a?b=c#d', 'https://example.com/a?b=c#d'],
    ['http://example.com', 'http://example.com/'],
    ['  https://example.com/  ', 'https://example.com/'],
    ['mailto:someone@example.com', 'mailto:someone@example.com'],
    ['https://good.example.attacker.test/', 'https://good.example.attacker.test/'],
    ['https://user:pw@example.com/', undefined],
    ['mailto:', undefined],
    ['file:///etc/passwd', undefined],
    ['javascript:alert(1)', undefined],
    ['JavaScript:alert(1)', undefined],
    ['data:text/html,hi', undefined],
    ['vbscript:msgbox', undefined],
    ['smb://server/share', undefined],
    ['ms-settings:privacy', undefined],
    ['beacon-custom://open', undefined],
    ['app://beacon/index.html', undefined],
    ['//example.com', undefined],
    ['example.com', undefined],
    ['', undefined],
    [`https://example.com/${'a'.repeat(3000)}`, undefined],
  ]
  for (const [url, expected] of table) {
    it(`${expected ? 'opens' : 'refuses'} ${JSON.stringify(url.slice(0, 60))}`, () => assert.equal(externalUrl(url), expected))
  }
  it('refuses anything that is not a string', () => {
    for (const v of [undefined, null, 42, { href: 'https://example.com' }]) assert.equal(externalUrl(v), undefined)
  })
})

describe('permissions', () => {
  it('allows notifications for the app page only', () => {
    assert.deepEqual([...ALLOWED_PERMISSIONS], ['notifications'])
    assert.equal(permissionAllowed('notifications', 'app://beacon/index.html', app), true)
    assert.equal(permissionAllowed('notifications', 'https://example.com/', app), false)
    assert.equal(permissionAllowed('notifications', undefined, app), false)
  })
  for (const p of [
    'media',
    'geolocation',
    'clipboard-read',
    'clipboard-sanitized-write',
    'display-capture',
    'fullscreen',
    'hid',
    'serial',
    'usb',
    'openExternal',
    'pointerLock',
    'midi',
    'midiSysex',
    'idle-detection',
    'window-management',
    'fileSystem',
    'storage-access',
    'unknown',
  ]) {
    it(`denies ${p}`, () => assert.equal(permissionAllowed(p, 'app://beacon/index.html', app), false))
  }
})

describe('who may call the bridge', () => {
  const table: Array<[string, { url: string; isTopFrame: boolean } | null | undefined, boolean]> = [
    ['the app page in its top frame', { url: 'app://beacon/index.html', isTopFrame: true }, true],
    ['the app page with a hash route', { url: 'app://beacon/index.html#/room', isTopFrame: true }, true],
    ['a subframe of the app', { url: 'app://beacon/index.html', isTopFrame: false }, false],
    ['a foreign host', { url: 'https://attacker.test/', isTopFrame: true }, false],
    ['a look-alike host', { url: 'app://beacon.attacker.test/', isTopFrame: true }, false],
    ['a file: page', { url: 'file:///home/user/evil.html', isTopFrame: true }, false],
    ['a malformed URL', { url: 'app//beacon', isTopFrame: true }, false],
    ['an empty URL', { url: '', isTopFrame: true }, false],
    ['about:blank', { url: 'about:blank', isTopFrame: true }, false],
    ['a destroyed frame', null, false],
    ['no frame at all', undefined, false],
  ]
  for (const [what, frame, trusted] of table) {
    it(`${trusted ? 'accepts' : 'refuses'} ${what}`, () => assert.equal(isTrustedSender(frame, app), trusted))
  }
})

describe('the app:// protocol', () => {
  const root = '/opt/Beacon/resources/app.asar/out/renderer'
  const table: Array<[string, string | undefined]> = [
    ['app://beacon/', join(root, 'index.html')],
    ['app://beacon/index.html', join(root, 'index.html')],
    ['app://beacon/assets/index-abc.js', join(root, 'assets/index-abc.js')],
    ['app://beacon/../../../etc/passwd', join(root, 'etc/passwd')], // URL parsing removes dot segments
    ['app://beacon/%2e%2e/%2e%2e/etc/passwd', join(root, 'etc/passwd')], // so are encoded ones: still inside
    ['app://beacon/..%2f..%2fetc%2fpasswd', undefined],
    ['app://beacon/a%5c..%5c..%5csecret', undefined],
    ['app://beacon/a%00.html', undefined],
    ['app://other/index.html', undefined],
    ['file:///etc/passwd', undefined],
  ]
  for (const [url, file] of table) {
    it(`${file ? 'serves' : 'refuses'} ${url}`, () => assert.equal(resolveAppFile(root, url), file))
  }
})

describe('Content-Security-Policy', () => {
  it('index.html carries the same policy as src/shared/csp.ts', () => {
    const html = readFileSync(new URL('../../src/renderer/index.html', import.meta.url), 'utf8')
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html)
    assert.ok(meta, 'index.html has a CSP meta tag')
    assert.equal(meta[1], CONTENT_SECURITY_POLICY)
  })
  it('is strict: nothing by default, scripts and styles from the app only, no objects, no base, no forms', () => {
    for (const d of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ]) {
      assert.ok(CONTENT_SECURITY_POLICY.split(/;\s*/).includes(d), d)
    }
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|\*/)
  })
})
