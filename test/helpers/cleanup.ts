// What a test file sets up and must take down: steps run once its tests are done, the last added first.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'

export interface Cleanup {
  push(step: () => unknown): void
  /** A fresh directory under the system's temp folder, removed afterwards. */
  tempDir(prefix: string): string
}

/** Call at the top of a test file: its steps run in the file's `after`. */
export function cleanupAfter(): Cleanup {
  const steps: Array<() => unknown> = []
  after(async () => {
    for (const step of steps.reverse()) await step()
  })
  return {
    push: (step) => steps.push(step),
    tempDir(prefix) {
      const dir = mkdtempSync(join(tmpdir(), prefix))
      steps.push(() => rmSync(dir, { recursive: true, force: true }))
      return dir
    },
  }
}
