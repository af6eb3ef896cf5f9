// The layering of DESIGN.md, enforced: each layer's tsconfig limits the types it sees, and this test limits
// what it imports, so a wrong import fails `npm test` rather than a review.
// (It only reads import lines: the multicast-dns named below is an allowed package, and no namespace is needed.)
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, it } from 'node:test'

const ROOT = resolve(import.meta.dirname, '../..')

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|tsx)$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)))
}

/** Every module specifier a file imports or re-exports (type-only imports included: they couple layers too). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8')
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => (m[1] ?? m[2])!,
  )
}

/** The layer (top folder under src/) a relative import lands in. */
const layerOf = (file: string, spec: string): string | undefined =>
  spec.startsWith('.') ? relative(join(ROOT, 'src'), resolve(join(ROOT, dirname(file)), spec)).split('/')[0] : undefined

const RULES: Record<string, { layers: string[]; packages: RegExp }> = {
  // isomorphic: runs in main, preload and the browser
  shared: { layers: ['shared'], packages: /^zod$/ },
  renderer: {
    layers: ['renderer', 'shared'],
    packages:
      /^(react|react-dom|react-dom\/client|react\/jsx-runtime|react-virtuoso|qrcode|linkifyjs|zod|tus-js-client|@noble\/hashes\/.+)$/,
  },
  preload: { layers: ['preload', 'shared'], packages: /^(electron|zod)$/ },
  main: { layers: ['main', 'shared'], packages: /^(node:.*|electron|ws|zod|multicast-dns|rsocket-core|rsocket-composite-metadata)$/ },
}

describe('layers', () => {
  for (const [layer, rule] of Object.entries(RULES)) {
    it(`src/${layer} imports only from ${rule.layers.join(' and ')} and its allowed packages`, () => {
      const wrong: string[] = []
      for (const file of sources(`src/${layer}`)) {
        for (const spec of importsOf(file)) {
          const target = layerOf(file, spec)
          if (target ? !rule.layers.includes(target) : !rule.packages.test(spec)) wrong.push(`${file} → ${spec}`)
        }
      }
      assert.deepEqual(wrong, [])
    })
  }
})
