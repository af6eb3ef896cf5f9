// `beacon host` as scripts use it: its output piped into something that stops reading, a room log it
// cannot use, and the folder a room's name gets.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { after, describe, it } from 'node:test'
import { RawClient } from '../helpers/raw-client.ts'

const BEACON = resolve(import.meta.dirname, '../../bin/beacon')

function host(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(BEACON, ['host', '--port', '0', '--no-advertise', '--listen', '127.0.0.1', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
}
const exited = (proc: ChildProcess) => new Promise<number | null>((r) => (proc.exitCode !== null ? r(proc.exitCode) : proc.once('exit', r)))
const firstLine = async (proc: ChildProcess) =>
  (await createInterface({ input: proc.stdout! })[Symbol.asyncIterator]().next()).value as string

describe('beacon host output', () => {
  const dirs: string[] = []
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'beacon-cli-out-'))
    dirs.push(d)
    return d
  }
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

  it('keeps hosting when whoever read its --json output went away (| head -1)', async () => {
    const proc = host(['--name', 'Lunch', '--json', '--data', dir()])
    let stderr = ''
    proc.stderr!.on('data', (d) => (stderr += d))
    const first = JSON.parse(await firstLine(proc)) as { url: string }
    proc.stdout!.destroy() // the reader is gone: the next line written is an EPIPE
    const ann = await RawClient.join(first.url, 'Ann', 'ann') // a `members` line is printed now
    const bo = await RawClient.join(first.url, 'Bo', 'bo')
    assert.equal(bo.welcome?.members.length, 2, 'the room is still open and still has Ann')
    assert.equal(proc.exitCode, null, `the host died: ${stderr}`)
    proc.kill('SIGINT')
    assert.equal(await exited(proc), 0)
    ann.close()
    bo.close()
  })

  it('says what is wrong with a room log it cannot use, and exits 1', async () => {
    const data = dir()
    mkdirSync(data, { recursive: true })
    writeFileSync(join(data, 'room.db'), 'not a database, just some text that is long enough to be read as a header')
    const proc = host(['--name', 'Lunch', '--data', data])
    let stderr = ''
    proc.stderr!.on('data', (d) => (stderr += d))
    assert.equal(await exited(proc), 1)
    assert.match(stderr, /^beacon host: .*room\.db/m)
  })

  it('gives "Lunch" and "lunch!" their own data folders', async () => {
    const home = dir()
    const urls: string[] = []
    const procs = ['Lunch', 'lunch!'].map((name) => host(['--name', name, '--json'], { XDG_DATA_HOME: home }))
    for (const proc of procs) urls.push((JSON.parse(await firstLine(proc)) as { url: string }).url)
    // Both run at once, so neither holds the other's folder (a shared folder is locked by the first).
    const ids = await Promise.all(
      urls.map(async (url) => {
        const c = await RawClient.join(url, 'Ann', 'ann')
        c.close()
        return c.welcome?.room.id
      }),
    )
    assert.notEqual(ids[0], ids[1])
    for (const proc of procs) proc.kill('SIGINT')
    for (const proc of procs) assert.equal(await exited(proc), 0)
  })
})
