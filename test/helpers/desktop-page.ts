// The desktop app in the harness, as the e2e tests drive it: instances whose hosted rooms listen on loopback only
// and that reconnect quickly (a room coming back is seen soon), and joining by address as a person does.
import { expect, type Browser, type Page } from '@playwright/test'
import { DesktopInstance } from '../harness/harness.ts'

export class LoopbackApps {
  #open = new Set<DesktopInstance>()
  #browser: () => Browser

  constructor(browser: () => Browser) {
    this.#browser = browser
  }

  /** `name`'s app, on `userDataDir` (a restart) or a fresh folder. */
  async start(name: string, userDataDir?: string): Promise<DesktopInstance> {
    const i = await DesktopInstance.start(this.#browser(), {
      name,
      ...(userDataDir ? { userDataDir } : {}),
      service: { listen: '127.0.0.1', backoff: { baseMs: 200, maxMs: 1000 } },
    })
    this.#open.add(i)
    return i
  }

  /** Quit one app (its user data stays for a restart). */
  async close(i: DesktopInstance): Promise<void> {
    this.#open.delete(i)
    await i.close()
  }

  closeAll(): Promise<void[]> {
    return Promise.all([...this.#open].map((i) => this.close(i)))
  }
}

/** "Join by address…": type the address (and the password), Join, and the dialog closes. */
export async function joinByAddress(p: Page, address: string, password?: string): Promise<void> {
  await p.getByRole('button', { name: 'Join by address…' }).click()
  const dialog = p.getByRole('dialog', { name: 'Join by address' })
  await dialog.getByRole('textbox', { name: 'Address' }).fill(address)
  if (password !== undefined) await dialog.getByLabel('Password').fill(password)
  await dialog.getByRole('button', { name: 'Join' }).click()
  await expect(dialog).toHaveCount(0, { timeout: 20_000 })
}
