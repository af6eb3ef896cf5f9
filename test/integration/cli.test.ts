import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { after, describe, it } from 'node:test'
import { CLOSE } from '../../src/shared/protocol.ts'
import { RawClient } from '../helpers/raw-client.ts'

const BEACON = resolve(import.meta.dirname, '../../bin/beacon')

/** `beacon host` as a user runs it (never advertising: these tests stay off the network). */
function host(args: string[], dataDir: string): { proc: ChildProcess; lines: AsyncIterator<string> } {
  const proc = spawn(BEACON, ['host', '--port', '0', '--no-advertise', '--listen', '127.0.0.1', '--data', dataDir, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    // a PATH with an old Node first must not matter: the bin runs the project's own Node 24
    env: { ...process.env, PATH: `/usr/bin:${process.env.PATH}` },
  })
  return { proc, lines: createInterface({ input: proc.stdout! })[Symbol.asyncIterator]() }
}

const exited = (proc: ChildProcess) => new Promise<number | null>((r) => (proc.exitCode !== null ? r(proc.exitCode) : proc.once('exit', r)))

describe('beacon host', () => {
  const dirs: string[] = []
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'beacon-cli-'))
    dirs.push(d)
    return d
  }
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`--json says where it listens, and ${signal} tells every member the host is closing, closes them with 1001 and exits 0`, async () => {
      const { proc, lines } = host(['--name', 'Lunch', '--json'], dir())
      const first = JSON.parse((await lines.next()).value as string)
      assert.equal(first.event, 'listening')
      assert.equal(first.url, `ws://127.0.0.1:${first.port}/ws`)
      assert.equal(first.web, `http://127.0.0.1:${first.port}/`)
      assert.equal(first.room.name, 'Lunch')
      assert.match(first.room.id, /\S/)

      const member = await RawClient.join(first.url, 'Ann', 'ann')
      assert.equal(member.welcome?.room.id, first.room.id)
      proc.kill(signal)
      assert.equal(await member.closed(), CLOSE.goingAway)
      assert.deepEqual(member.of('closing'), [{ type: 'closing', reason: 'host_stopped' }])
      assert.equal(await exited(proc), 0)
    })
  }

  it('without --json, a person gets one clear line with the address to share', async () => {
    const { proc, lines } = host(['--name', 'Book club'], dir())
    const line = (await lines.next()).value as string
    assert.match(line, /^Room "Book club" is open: share http:\/\/\S+:\d+\/ /)
    proc.kill('SIGINT')
    assert.equal(await exited(proc), 0)
  })

  it('refuses a missing or too long room name with a clear message and exit code 2', async () => {
    for (const args of [[], ['--name', 'x'.repeat(33)]]) {
      const proc = spawn(BEACON, ['host', '--no-advertise', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
      let err = ''
      proc.stderr!.on('data', (d) => (err += d))
      assert.equal(await exited(proc), 2)
      assert.match(err, /--name is required, 1–32 characters/)
    }
  })
})

describe('bin/beacon', () => {
  it('runs the host with the Node flags the benchmark measured (HOST_NODE_FLAGS)', async () => {
    const { HOST_NODE_FLAGS } = await import('../../src/main/server/host-flags.ts')
    const script = (await import('node:fs')).readFileSync(BEACON, 'utf8')
    const exec = script.split('\n').find((l) => l.startsWith('exec '))!
    for (const flag of HOST_NODE_FLAGS) assert.ok(exec.includes(` ${flag} `), `${flag} in: ${exec}`)
  })
})
