// Bundles browser-entry.ts (with the real bridge factory and the contract) into one classic script for
// page.addInitScript. Built once per process with rolldown, the bundler vite already brings.
import { fileURLToPath } from 'node:url'
import { rolldown } from 'rolldown'

let cached: Promise<string> | undefined

export function bridgeScript(): Promise<string> {
  cached ??= (async () => {
    const bundle = await rolldown({
      input: fileURLToPath(new URL('./browser-entry.ts', import.meta.url)),
      platform: 'browser',
      logLevel: 'silent',
    })
    try {
      const { output } = await bundle.generate({ format: 'iife' })
      return output[0].code
    } finally {
      await bundle.close()
    }
  })()
  return cached
}
