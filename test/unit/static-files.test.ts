// The browser client's file server: nothing outside the web root (symlinks included), no favicon 404 on every
// page load, and Cross-Origin-Opener-Policy only where a browser honours it.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { isLoopbackHost, serveStatic } from '../../src/main/server/static-files.ts'

function get(port: number, path: string, host?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: host ? { Host: host } : {} }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('static files', () => {
  let dir: string
  let server: Server
  let port: number
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'beacon-static-'))
    const root = join(dir, 'web')
    mkdirSync(join(root, 'assets'), { recursive: true })
    mkdirSync(join(dir, 'outside'))
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>x</title>')
    writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)')
    writeFileSync(join(dir, 'outside', 'secret.txt'), 'secret')
    symlinkSync(join(dir, 'outside', 'secret.txt'), join(root, 'leak.txt'))
    symlinkSync(join(dir, 'outside'), join(root, 'linked-dir'))
    symlinkSync(join(root, 'assets', 'app.js'), join(root, 'inside-link.js'))
    server = createServer((req, res) => serveStatic(root, new URL(req.url ?? '/', 'http://x').pathname, res))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    port = (server.address() as AddressInfo).port
  })
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()))
    rmSync(dir, { recursive: true, force: true })
  })

  it('a symlink out of the web root is not served', async () => {
    for (const path of ['/leak.txt', '/linked-dir/secret.txt']) {
      const r = await get(port, path)
      assert.equal(r.status, 404, path)
      assert.doesNotMatch(r.body, /secret/)
    }
    // Files inside, and links that stay inside, are served.
    assert.equal((await get(port, '/assets/app.js')).status, 200)
    assert.equal((await get(port, '/inside-link.js')).body, 'console.log(1)')
  })

  it('answers /favicon.ico without an error status when the build has none', async () => {
    const r = await get(port, '/favicon.ico')
    assert.equal(r.status, 204)
  })

  it('sends Cross-Origin-Opener-Policy on loopback but not on a plain-http LAN name', async () => {
    const local = await get(port, '/')
    assert.equal(local.status, 200)
    assert.equal(local.headers['cross-origin-opener-policy'], 'same-origin')
    assert.ok(local.headers['content-security-policy'])
    const lan = await get(port, '/', 'beacon-host.local:7000')
    assert.equal(lan.status, 200)
    assert.equal(lan.headers['cross-origin-opener-policy'], undefined)
    assert.ok(lan.headers['content-security-policy'])
  })

  it('knows loopback host names', () => {
    for (const h of ['localhost', 'localhost:80', '127.0.0.1:7000', '127.1.2.3', '[::1]:7000', 'app.localhost'])
      assert.equal(isLoopbackHost(h), true, h)
    for (const h of ['198.18.0.1:7000', 'beacon.local', '[fe80::1]', 'localhost.evil.example', undefined])
      assert.equal(isLoopbackHost(h), false, String(h))
  })
})
