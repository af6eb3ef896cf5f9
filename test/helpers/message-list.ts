// The message list as tests read it, in the app and the browser client alike.
import assert from 'node:assert/strict'
import { expect, type Page } from '@playwright/test'

/**
 * Wait until the message list stops changing height (its first positioning done). A list just opened still
 * measures its rows and goes on scrolling itself to the latest for some frames: a scroll the test makes before
 * then can be undone, which a person, a moment slower, would not meet.
 */
export async function messageListSettled(p: Page): Promise<void> {
  const height = () => p.getByRole('log', { name: 'Messages' }).evaluate((el) => el.scrollHeight)
  await expect(async () => {
    const before = await height()
    await p.waitForTimeout(300)
    assert.equal(await height(), before, 'the message list still changes height')
  }).toPass({ timeout: 15_000 })
}
