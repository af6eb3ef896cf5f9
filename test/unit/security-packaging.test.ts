// Packaging and layering: the builder configuration is valid and sets the fuses, and only the thin
// wiring files import electron (so Node tests never load it, and never trigger its download).
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js'
import { DebugLogger } from 'builder-util'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

describe('packaging', () => {
  it('electron-builder accepts the configuration, with installers for Linux, Windows and macOS', async () => {
    const config = await getConfig(ROOT, join(ROOT, 'electron-builder.yml'), null)
    await validateConfiguration(config, new DebugLogger(false))
    assert.deepEqual(config.linux?.target, ['AppImage', 'deb'])
    assert.deepEqual(config.win?.target, ['nsis'])
    assert.deepEqual(config.mac?.target, ['dmg'])
    assert.equal(config.asar, true)
  })

  it('flips the Electron fuses: no run-as-node, no NODE_OPTIONS, no --inspect, only an integrity-checked asar', async () => {
    const { electronFuses: f } = await getConfig(ROOT, join(ROOT, 'electron-builder.yml'), null)
    assert.equal(f?.runAsNode, false)
    assert.equal(f?.enableNodeOptionsEnvironmentVariable, false)
    assert.equal(f?.enableNodeCliInspectArguments, false)
    assert.equal(f?.onlyLoadAppFromAsar, true)
    assert.equal(f?.enableEmbeddedAsarIntegrityValidation, true)
    assert.equal(f?.grantFileProtocolExtraPrivileges, false)
  })

  it('has a 1024×1024 app icon', () => {
    const png = readFileSync(join(ROOT, 'build', 'icon.png'))
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG')
    assert.equal(png.readUInt32BE(16), 1024)
    assert.equal(png.readUInt32BE(20), 1024)
  })

  it('`npm run dist` builds first, then packages', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
    assert.match(pkg.scripts.dist, /^npm run build && electron-builder/)
  })
})

describe('layers', () => {
  const WIRING = new Set(['src/main/index.ts', 'src/preload/index.ts'])
  const files = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
      .map((e) => relative(ROOT, join(e.parentPath, e.name)))

  it('only the wiring files import electron at run time; everything else is Node-testable', () => {
    const offenders: string[] = []
    for (const file of [...files('src'), ...files('test')]) {
      const text = readFileSync(join(ROOT, file), 'utf8')
      const runtime =
        /^\s*import\s+(?!type\b)[^;]*?from\s+['"]electron['"]|require\(\s*['"]electron['"]\s*\)|import\(\s*['"]electron['"]\s*\)/m
      if (runtime.test(text) && !WIRING.has(file)) offenders.push(file)
    }
    assert.deepEqual(offenders, [])
  })
})
