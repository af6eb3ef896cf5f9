// The Electron-less desktop harness (DESIGN.md "Testing here"): the real AppService in Node, the real
// renderer build in Chromium, and window.beacon built by the real preload bridge factory over a Playwright
// binding that goes through the same sender check and argument parsing as ipc.ts. Several instances can
// run side by side (each its own user-data folder and browser context) and host and join each other.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { AppService, type AppServiceOptions, type DiscoveryPort } from '../../src/main/app-service.ts'
import { dispatch } from '../../src/main/bridge-dispatch.ts'
import type { Notice } from '../../src/main/notifications/policy.ts'
import { isTrustedSender } from '../../src/main/security/ipc-sender.ts'
import { appOrigin, type AppOrigin } from '../../src/main/security/urls.ts'
import type { Theme } from '../../src/shared/bridge.ts'
import { bridgeScript } from './bundle.ts'
import { serveRenderer, type StaticServer } from './static-server.ts'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Why browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`
}

/** `extra`: flags one test needs besides the usual ones. */
export function launchChromium(extra: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extra] })
}

/** main → page events, batched, for the one live document of a page (a reload starts a new one). */
class EventPipe {
  #token: string | undefined
  #queue: Array<[string, unknown]> = []
  #waiter: ((batch: Array<[string, unknown]> | null) => void) | undefined

  hello(token: string): void {
    this.#waiter?.(null)
    this.#waiter = undefined
    this.#token = token
    this.#queue = []
  }

  push(event: string, payload: unknown): void {
    if (this.#token === undefined) return
    this.#queue.push([event, payload])
    const w = this.#waiter
    if (w) {
      this.#waiter = undefined
      w(this.#queue.splice(0))
    }
  }

  next(token: string): Promise<Array<[string, unknown]> | null> | Array<[string, unknown]> | null {
    if (token !== this.#token) return null
    if (this.#queue.length) return this.#queue.splice(0)
    return new Promise((r) => (this.#waiter = r))
  }

  close(): void {
    this.#token = undefined
    this.#waiter?.(null)
    this.#waiter = undefined
  }
}

export interface InstanceOptions {
  /** Display name set before the window opens (skips the first-run prompt); omit to see the prompt. */
  name?: string
  theme?: Theme
  colorScheme?: 'light' | 'dark'
  /** Reuse a user-data folder (e.g. to restart an instance); a fresh temporary one by default. */
  userDataDir?: string
  discovery?: DiscoveryPort
  service?: Partial<AppServiceOptions>
  viewport?: { width: number; height: number }
}

/** The harness's stand-ins for shell.showItemInFolder, the "open this program?" dialog and shell.openPath. */
export interface FileCalls {
  shown: string[]
  confirmed: Array<{ name: string; answer: boolean }>
  opened: string[]
  /** What the next "open this file that may run code?" question answers (Cancel, the dialog's default, unless set). */
  answer: boolean
}

/** The harness's stand-in for Electron's Notification and badge: what main showed, and whether the window is looked at. */
export interface NotificationCalls {
  shown: Notice[]
  /** Every badge count main set, in order. */
  badges: number[]
  /** The room the user is looking at (a focused window showing it); none by default: the window is in the background. */
  lookingAt: string | undefined
}

export class DesktopInstance {
  readonly service: AppService
  readonly page: Page
  readonly context: BrowserContext
  readonly userDataDir: string
  readonly origin: AppOrigin
  readonly url: string
  /** Links the page asked main to open in the system browser (after the allowlist). */
  readonly openedExternally: string[]
  /** Calls refused because they came from somewhere other than the app's top frame. */
  readonly refusedCalls: string[]
  /** Where this instance saves room files (a temporary folder, removed on close unless given). */
  readonly downloadsDir: string
  /** What main did with saved files instead of the shell and dialogs: revealed, asked about (name, answer), opened. */
  readonly files: FileCalls
  readonly notifications: NotificationCalls
  #server: StaticServer
  #pipe: EventPipe
  #ownDir: boolean

  private constructor(p: {
    service: AppService
    page: Page
    context: BrowserContext
    userDataDir: string
    server: StaticServer
    pipe: EventPipe
    ownDir: boolean
    opened: string[]
    refused: string[]
    downloadsDir: string
    files: FileCalls
    notifications: NotificationCalls
  }) {
    this.service = p.service
    this.page = p.page
    this.context = p.context
    this.userDataDir = p.userDataDir
    this.#server = p.server
    this.#pipe = p.pipe
    this.#ownDir = p.ownDir
    this.url = p.server.url
    this.origin = appOrigin(p.server.url)
    this.openedExternally = p.opened
    this.refusedCalls = p.refused
    this.downloadsDir = p.downloadsDir
    this.files = p.files
    this.notifications = p.notifications
  }

  static async start(browser: Browser, opts: InstanceOptions = {}): Promise<DesktopInstance> {
    const ownDir = opts.userDataDir === undefined
    const userDataDir = opts.userDataDir ?? mkdtempSync(join(tmpdir(), 'beacon-harness-'))
    const opened: string[] = []
    const refused: string[] = []
    const downloadsDir = opts.service?.downloadsDir ?? join(userDataDir, 'Downloads')
    const files: FileCalls = { shown: [], confirmed: [], opened: [], answer: false }
    const notifications: NotificationCalls = { shown: [], badges: [], lookingAt: undefined }
    const service = new AppService({
      userDataDir,
      discovery: opts.discovery,
      openExternal: (url) => void opened.push(url),
      downloadsDir,
      files: {
        showInFolder: (path) => void files.shown.push(path),
        confirmOpen: (name) => {
          files.confirmed.push({ name, answer: files.answer })
          return files.answer
        },
        openPath: (path) => void files.opened.push(path),
      },
      notifications: {
        show: (notice) => void notifications.shown.push(notice),
        badge: (count) => void notifications.badges.push(count),
        lookingAt: (roomId) => notifications.lookingAt === roomId,
      },
      ...opts.service,
    }).start()
    if (opts.name !== undefined || opts.theme !== undefined)
      service.setProfile({ ...(opts.name !== undefined ? { name: opts.name } : {}), ...(opts.theme ? { theme: opts.theme } : {}) })
    const server = await serveRenderer(undefined, (request) => service.roomFiles(request))
    const origin = appOrigin(server.url)
    const context = await browser.newContext({
      colorScheme: opts.colorScheme ?? 'light',
      viewport: opts.viewport ?? { width: 1100, height: 720 },
    })
    const pipe = new EventPipe()
    service.onAny((event, payload) => pipe.push(event, payload))
    await context.exposeBinding('__beaconHarness', (source, op: unknown, ...args: unknown[]) => {
      const frame = { url: source.frame.url(), isTopFrame: source.frame === source.page.mainFrame() }
      const trusted = isTrustedSender(frame, origin)
      if (op === 'invoke') {
        const [channel, callArgs] = args
        const method = typeof channel === 'string' && channel.startsWith('beacon:') ? channel.slice('beacon:'.length) : undefined
        if (!trusted) refused.push(`${String(channel)} from ${frame.url}`)
        return dispatch(service, method, callArgs, { trusted, onInternalError: (m, e) => console.error(`harness: ${m} failed`, e) })
      }
      if (!trusted) return null
      if (op === 'hello') return pipe.hello(String(args[0])) ?? null
      if (op === 'events') return pipe.next(String(args[0]))
      return null
    })
    await context.addInitScript({ content: await bridgeScript() })
    const page = await context.newPage()
    page.on('pageerror', (e) => console.error(`[page ${userDataDir}] ${e.message}`))
    const instance = new DesktopInstance({
      service,
      page,
      context,
      userDataDir,
      server,
      pipe,
      ownDir,
      opened,
      refused,
      downloadsDir,
      files,
      notifications,
    })
    await page.goto(server.url)
    return instance
  }

  async reload(): Promise<void> {
    await this.page.reload()
  }

  async close(): Promise<void> {
    this.#pipe.close()
    await this.context.close().catch(() => {})
    await this.service.dispose()
    await this.#server.close()
    if (this.#ownDir) rmSync(this.userDataDir, { recursive: true, force: true })
  }
}
