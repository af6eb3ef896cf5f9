// The Electron main process: thin wiring of electron-free parts (app-service.ts, ipc.ts, security/*,
// notifications/, app/stop-hosting.ts) to Electron's APIs, following Electron's security checklist point by point.
import { app, BrowserWindow, dialog, ipcMain, net, Notification, protocol, session, shell, type WebContents } from 'electron'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { CONTENT_SECURITY_POLICY } from '../shared/csp.ts'
import { AppService } from './app-service.ts'
import { stopHostingQuestion } from './app/stop-hosting.ts'
import { createDiscovery } from './discovery-port.ts'
import { isRoomFilesPath } from './files/proxy.ts'
import { bindBridge } from './ipc.ts'
import type { NotificationPorts } from './notifications/notifier.ts'
import { APP_BASE, APP_SCHEME, resolveAppFile } from './security/app-protocol.ts'
import { contentType, existingFile } from './server/static-files.ts'
import { permissionAllowed } from './security/permissions.ts'
import { appOrigin, externalUrl, mayNavigate } from './security/urls.ts'
import { hardenedWebPreferences, webPreferencesViolations } from './security/web-preferences.ts'

const here = import.meta.dirname
const RENDERER_DIR = join(here, '../renderer')
const PRELOAD = join(here, '../preload/index.cjs')
const WEB_CLIENT_DIR = join(here, '../web')
// electron-vite's dev server, only when running unpackaged under `npm run dev`.
const DEV_URL = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined
const START_URL = DEV_URL ?? `${APP_BASE}index.html`
const origin = appOrigin(START_URL)

// Checklist: sandbox every renderer, one instance only.
app.enableSandbox()
// A second launch hands over to the first (its window comes to the front) and quits.
const primary = app.requestSingleInstanceLock()
if (!primary) app.exit(0)
// `stream`: /room-files/ request and answer bodies (uploads, downloads, video) flow through without being buffered.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
])

let win: BrowserWindow | undefined
let service: AppService | undefined
let quitConfirmed = false

/** Shown notifications by tag (one per room): the next one from a room closes the previous. */
const shownNotifications = new Map<string, Notification>()

const notificationPorts: NotificationPorts = {
  show(notice) {
    if (!Notification.isSupported()) return
    shownNotifications.get(notice.tag)?.close()
    const n = new Notification({ title: notice.title, body: notice.body, silent: false })
    shownNotifications.set(notice.tag, n)
    n.on('click', () => {
      focusWindow()
      service?.notificationClicked({ roomId: notice.roomId, seq: notice.seq })
    })
    n.on('close', () => {
      if (shownNotifications.get(notice.tag) === n) shownNotifications.delete(notice.tag)
    })
    n.show()
  },
  badge(count) {
    app.setBadgeCount(count)
    if (process.platform === 'win32' && win && count > 0 && !win.isFocused()) win.flashFrame(true)
  },
  // A focused window is looking at the room it shows.
  lookingAt: (roomId) => (win?.isFocused() ?? false) && service?.session.room?.id === roomId,
}

/** Opening a saved file that may run code: asked natively, Cancel by default. */
async function confirmOpen(name: string): Promise<boolean> {
  const options = {
    type: 'warning' as const,
    buttons: ['Open', 'Cancel'],
    defaultId: 1,
    cancelId: 1,
    message: `Open "${name}"?`,
    detail: 'This kind of file can run programs on your computer. Open it only if you trust the person who sent it.',
    noLink: true,
  }
  const { response } = win ? await dialog.showMessageBox(win, options) : await dialog.showMessageBox(options)
  return response === 0
}

async function confirmStop(others: number, quitting: boolean): Promise<boolean> {
  const q = stopHostingQuestion(others, quitting)
  const options = {
    type: 'question' as const,
    buttons: [q.confirm, q.cancel],
    defaultId: 1,
    cancelId: 1,
    message: q.message,
    detail: q.detail,
    noLink: true,
  }
  const { response } = win ? await dialog.showMessageBox(win, options) : await dialog.showMessageBox(options)
  return response === 0
}

function serveAppProtocol(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    // The room's file routes, proxied to the joined host (files/proxy.ts); everything else is the renderer's files.
    if (isRoomFilesPath(new URL(request.url).pathname))
      return service ? service.roomFiles(request) : new Response('not found', { status: 404 })
    const file = existingFile(RENDERER_DIR, resolveAppFile(RENDERER_DIR, request.url))
    if (!file) return new Response('not found', { status: 404 })
    const res = await net.fetch(pathToFileURL(file).toString())
    return new Response(res.body, {
      status: 200,
      headers: {
        'Content-Type': contentType(file),
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
      },
    })
  })
}

function lockDownSession(): void {
  const s = session.defaultSession
  s.setPermissionRequestHandler((_wc, permission, callback, details) =>
    callback(permissionAllowed(permission, details.requestingUrl, origin)),
  )
  s.setPermissionCheckHandler((_wc, permission, requestingOrigin, details) =>
    permissionAllowed(permission, details.requestingUrl ?? requestingOrigin, origin),
  )
  s.setDevicePermissionHandler(() => false)
  s.setDisplayMediaRequestHandler((_request, callback) => callback({}))
  s.on('will-download', (event) => event.preventDefault())
}

/** Every web contents, present and future: no navigation away, no new windows, no webviews. */
function guardWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!mayNavigate(url, origin)) {
      event.preventDefault()
      openOutside(url)
    }
  })
  contents.on('will-frame-navigate', (event) => {
    if (!mayNavigate(event.url, origin)) event.preventDefault()
  })
  contents.on('will-redirect', (event) => {
    if (!mayNavigate(event.url, origin)) event.preventDefault()
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(({ url }) => {
    openOutside(url)
    return { action: 'deny' }
  })
}

function openOutside(url: string): void {
  const allowed = externalUrl(url)
  if (allowed) void shell.openExternal(allowed)
}

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1100,
    height: 720,
    minWidth: 640,
    minHeight: 420,
    title: 'Beacon',
    show: false,
    autoHideMenuBar: true,
    backgroundColor: '#1e1f22',
    webPreferences: hardenedWebPreferences(PRELOAD),
  })
  // Belt and braces: read back what Electron actually applied (an undocumented but long-standing API).
  const applied = (w.webContents as unknown as { getLastWebPreferences?: () => Record<string, unknown> | null }).getLastWebPreferences?.()
  const problems = applied ? webPreferencesViolations(applied) : []
  if (problems.length) throw new Error(`refusing to open a window that is not hardened: ${problems.join(', ')}`)
  w.once('ready-to-show', () => w.show())
  w.on('focus', () => {
    const room = service?.session.room?.id
    if (room) service?.roomSeen(room)
    if (process.platform === 'win32') w.flashFrame(false)
  })
  w.on('closed', () => {
    if (win === w) win = undefined
  })
  void w.loadURL(START_URL)
  return w
}

function focusWindow(): void {
  if (!win) win = createWindow()
  if (win.isMinimized()) win.restore()
  win.show()
  win.focus()
}

app.on('second-instance', () => focusWindow())
app.on('web-contents-created', (_event, contents) => guardWebContents(contents))

app.on('before-quit', (event) => {
  if (quitConfirmed || !service) return
  const others = service.othersInHostedRoom
  if (others === 0) return
  event.preventDefault()
  void confirmStop(others, true).then((ok) => {
    if (!ok) return
    quitConfirmed = true
    app.quit()
  })
})

let disposed = false
app.on('will-quit', (event) => {
  if (disposed || !service) return
  event.preventDefault()
  disposed = true
  void service.dispose().finally(() => app.quit())
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
app.on('activate', () => {
  if (BrowserWindow.getAllWindows().length === 0) win = createWindow()
})

void app.whenReady().then(() => {
  if (!primary) return
  serveAppProtocol()
  lockDownSession()
  const svc = new AppService({
    userDataDir: app.getPath('userData'),
    discovery: createDiscovery(),
    webRoot: existsSync(join(WEB_CLIENT_DIR, 'index.html')) ? WEB_CLIENT_DIR : undefined,
    openExternal: (url) => shell.openExternal(url),
    confirmStopHosting: (others) => confirmStop(others, false),
    downloadsDir: app.getPath('downloads'),
    notifications: notificationPorts,
    files: {
      showInFolder: (path) => shell.showItemInFolder(path),
      openPath: async (path) => {
        const error = await shell.openPath(path)
        if (error) throw new Error(error)
      },
      confirmOpen,
    },
  }).start()
  service = svc
  bindBridge(ipcMain, svc, {
    origin,
    targets: () => (win && !win.isDestroyed() ? [win.webContents] : []),
    log: (m, e) => console.error(`beacon: ${m}`, e ?? ''),
  })
  win = createWindow()
})
