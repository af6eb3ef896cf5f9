// The one set of webPreferences every Beacon window gets (Electron's security checklist, points 2–4, 6, 9,
// 10): isolated, sandboxed, no Node in the page, web security on, no <webview>. Electron-free so tests
// can hold it to the checklist; index.ts passes the result to BrowserWindow as it is.
export interface HardenedWebPreferences {
  preload: string
  contextIsolation: true
  sandbox: true
  nodeIntegration: false
  nodeIntegrationInWorker: false
  nodeIntegrationInSubFrames: false
  webSecurity: true
  allowRunningInsecureContent: false
  webviewTag: false
  experimentalFeatures: false
  navigateOnDragDrop: false
  safeDialogs: true
  spellcheck: true
}

export function hardenedWebPreferences(preload: string): HardenedWebPreferences {
  if (!preload) throw new Error('a preload script path is required')
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: true,
  }
}

/** Values that must hold, and Electron's default where the key is absent. */
const REQUIRED: ReadonlyArray<[key: string, value: boolean, defaultValue: boolean]> = [
  ['contextIsolation', true, true],
  ['sandbox', true, true],
  ['nodeIntegration', false, false],
  ['nodeIntegrationInWorker', false, false],
  ['nodeIntegrationInSubFrames', false, false],
  ['webSecurity', true, true],
  ['allowRunningInsecureContent', false, false],
  ['webviewTag', false, false],
  ['experimentalFeatures', false, false],
]

/**
 * What is wrong with a set of webPreferences (e.g. `webContents.getLastWebPreferences()`, or a
 * `will-attach-webview` request): an empty list means hardened.
 */
export function webPreferencesViolations(prefs: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = []
  for (const [key, value, dflt] of REQUIRED) {
    const actual = key in prefs && prefs[key] !== undefined ? prefs[key] : dflt
    if (actual !== value) out.push(`${key} must be ${value}`)
  }
  if (typeof prefs.enableBlinkFeatures === 'string' && prefs.enableBlinkFeatures !== '') out.push('enableBlinkFeatures must be empty')
  return out
}
