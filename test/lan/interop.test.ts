// Beacon's DNS-SD against other mDNS stacks, each in its own network namespace: Avahi (avahi-daemon,
// avahi-browse, avahi-publish), python3-zeroconf and stock bonjour-service. CI installs the Debian packages
// (.ci/run); a suite skips only when its tool is missing.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { FIXTURES, Lab, namespaceUnavailableReason, type Proc } from './netns.ts'

const noNamespaces = namespaceUnavailableReason()
const WAIT_MS = 20_000

type Ev = Record<string, unknown>
interface Room {
  id: string
  name: string
  roomName: string
  addresses: { address: string; port: number }[]
}
const roomOf = (e: Ev) => e.room as Room

function missing(what: string, check: () => void): string | undefined {
  if (noNamespaces) return noNamespaces
  try {
    check()
    return undefined
  } catch {
    return `${what} is not installed`
  }
}
const onPath = (cmd: string) => () => execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' })
/** python3-zeroconf is a Debian package: the system Python has it, a pyenv or venv python3 may not. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'

const skipAvahi = missing('avahi-daemon, avahi-utils, dbus or unshare', () => {
  for (const c of ['avahi-daemon', 'avahi-browse', 'avahi-publish', 'dbus-daemon', 'unshare']) onPath(c)()
})
const skipZeroconf = missing('python3-zeroconf', () => execFileSync(PYTHON, ['-c', 'import zeroconf'], { stdio: 'ignore' }))
const skipBonjour = missing('bonjour-service (npm devDependency)', () => import.meta.resolve('bonjour-service'))

async function startHost(lab: Lab, ns: string, name: string, extra: string[] = []): Promise<{ proc: Proc; id: string; port: number }> {
  const proc = lab.beacon(ns, ['host', '--json', '--name', name, '--data', lab.tempDir(), '--port', '0', ...extra])
  const ev = await proc.waitFor<{ port: number; room: { id: string } }>((e) => e.event === 'listening', WAIT_MS, 'listening')
  return { proc, id: ev.room.id, port: ev.port }
}

/** A command next to its own avahi-daemon and D-Bus, on `iface` of `ns` (fixtures/avahi.sh). */
function avahi(lab: Lab, ns: string, iface: string, command: string[]): Proc {
  return lab.spawn(ns, 'unshare', ['--mount', '--pid', '--fork', '--kill-child', 'sh', join(FIXTURES, 'avahi.sh'), iface, ...command])
}

/** avahi-browse -p escapes a label's dots and backslashes with `\`, other bytes as `\DDD`. */
const unescapeAvahi = (s: string) => s.replace(/\\(\d{3})/g, (_m, d: string) => String.fromCharCode(Number(d))).replace(/\\(.)/g, '$1')
/** Fields of one `avahi-browse -p` line: kind (+ = -), interface, protocol, name, type, domain[, host, address, port, txt]. */
const avahiLine = (e: Ev) => (e.event === 'text' ? String(e.line).split(';') : [])

describe('interop with Avahi', { skip: skipAvahi }, () => {
  let lab: Lab
  before(() => {
    lab = new Lab('v')
  })
  after(async () => {
    await lab.destroy()
  })

  test('avahi-browse resolves a Beacon room with its TXT, dotted name intact, and sees it leave on stop', async () => {
    const h = lab.namespace('h')
    const p = lab.namespace('p')
    const { ifB } = lab.link(h, '198.18.131.1', p, '198.18.131.2')
    const host = await startHost(lab, h, 'Lunch v1.2')
    await host.proc.waitFor((e) => e.event === 'advertised', WAIT_MS, 'advertised')
    const browse = avahi(lab, p, ifB, [
      'sh',
      '-c',
      'avahi-browse -rpt _beacon-chat._tcp; echo "#live"; exec avahi-browse -rp _beacon-chat._tcp',
    ])
    const resolved = avahiLine(
      await browse.waitFor((e) => avahiLine(e)[0] === '=' && unescapeAvahi(avahiLine(e)[3] ?? '') === 'Lunch v1.2', WAIT_MS, 'resolved'),
    )
    assert.equal(resolved[7], '198.18.131.1')
    assert.equal(Number(resolved[8]), host.port)
    const txt = resolved[9] ?? ''
    for (const pair of [`"id=${host.id}"`, '"v=1"', '"room=Lunch v1.2"', '"n=0"', '"pw=0"'])
      assert.ok(txt.includes(pair), `${pair} in ${txt}`)

    // Avahi's resolver asks for the SRV and TXT records alone: that must never look like a conflict.
    assert.deepEqual(
      host.proc.events.filter((e) => e.event === 'advertised').map((e) => e.name),
      ['Lunch v1.2'],
    )
    const live = await browse.waitFor((e) => e.event === 'text' && e.line === '#live', WAIT_MS, 'the -rpt dump ended')
    const mark = browse.events.indexOf(live)
    await host.proc.kill('SIGTERM')
    await browse.waitFor(
      (e) => avahiLine(e)[0] === '-' && unescapeAvahi(avahiLine(e)[3] ?? '') === 'Lunch v1.2',
      WAIT_MS,
      'removed after the stop',
      mark,
    )
    await browse.kill('SIGKILL')
  })

  test('beacon rooms lists a room that avahi-publish announces for a running host', async () => {
    const h = lab.namespace('h2')
    const p = lab.namespace('p2')
    const { ifA } = lab.link(h, '198.18.132.1', p, '198.18.132.2')
    const host = await startHost(lab, h, 'Via Avahi', ['--no-advertise'])
    const txt = ['v=1', `id=${host.id}`, 'room=Via Avahi', 'host=avahi', 'n=0', 'pw=0']
    const publish = avahi(lab, h, ifA, ['avahi-publish', '-s', 'Via Avahi', '_beacon-chat._tcp', String(host.port), ...txt])
    const rooms = lab.beacon(p, ['rooms', '--json'])
    const room = roomOf(await rooms.waitFor((e) => e.event === 'up', WAIT_MS, 'room listed'))
    assert.equal(room.id, host.id)
    assert.equal(room.name, 'Via Avahi')
    assert.deepEqual(room.addresses[0], { address: '198.18.132.1', port: host.port })
    await Promise.all([rooms.kill(), publish.kill('SIGKILL'), host.proc.kill()])
  })
})

describe('interop with python3-zeroconf', { skip: skipZeroconf }, () => {
  let lab: Lab
  before(() => {
    lab = new Lab('z')
  })
  after(async () => {
    await lab.destroy()
  })

  test('ServiceBrowser sees a Beacon room appear, its member count change, and the room go', async () => {
    const h = lab.namespace('h')
    const p = lab.namespace('p')
    lab.link(h, '198.18.133.1', p, '198.18.133.2')
    const browser = lab.spawn(p, PYTHON, [join(FIXTURES, 'zeroconf-browse.py')])
    await browser.waitFor((e) => e.event === 'ready', WAIT_MS, 'zeroconf ready')
    const host = await startHost(lab, h, 'Zeroconf')
    const txtOf = (e: Ev) => e.txt as Record<string, string> | undefined
    const added = await browser.waitFor((e) => e.event === 'add' && txtOf(e)?.id === host.id, WAIT_MS, 'add')
    assert.equal(txtOf(added)?.n, '0')
    assert.equal(added.port, host.port)
    assert.deepEqual(added.addresses, ['198.18.133.1'])

    const member = lab.fixture(p, 'member', ['--address', `198.18.133.1:${host.port}`, '--name', 'Ann'])
    await member.waitFor((e) => e.event === 'welcome', WAIT_MS, 'member joined')
    await browser.waitFor((e) => e.event === 'update' && txtOf(e)?.n === '1', WAIT_MS, 'update to one member')

    await Promise.all([member.kill(), host.proc.kill('SIGTERM')])
    await browser.waitFor((e) => e.event === 'remove' && String(e.name).startsWith('Zeroconf.'), WAIT_MS, 'remove')
    await browser.kill('SIGKILL')
  })
})

describe('interop with stock bonjour-service', { skip: skipBonjour }, () => {
  let lab: Lab
  before(() => {
    lab = new Lab('o')
  })
  after(async () => {
    await lab.destroy()
  })

  test('bonjour-service finds a Beacon room with its TXT', async () => {
    const h = lab.namespace('h')
    const p = lab.namespace('p')
    lab.link(h, '198.18.134.1', p, '198.18.134.2')
    const find = lab.fixture(p, 'bonjour', ['browse'])
    await find.waitFor((e) => e.event === 'ready', WAIT_MS, 'bonjour ready')
    // No dot in this name: bonjour-service's browser cuts an instance name at its first dot (Avahi does not).
    const host = await startHost(lab, h, 'Bonjour room')
    const up = await find.waitFor((e) => e.event === 'up' && (e.txt as Record<string, string>)?.id === host.id, WAIT_MS, 'found')
    assert.equal(up.name, 'Bonjour room')
    assert.equal(up.port, host.port)
    assert.ok((up.addresses as string[]).includes('198.18.134.1'))
    await Promise.all([find.kill(), host.proc.kill()])
  })

  test('beacon rooms lists a room that bonjour-service publishes for a running host', async () => {
    const h = lab.namespace('h2')
    const p = lab.namespace('p2')
    lab.link(h, '198.18.135.1', p, '198.18.135.2')
    const host = await startHost(lab, h, 'Via Bonjour', ['--no-advertise'])
    const txt = { v: '1', id: host.id, room: 'Via Bonjour', host: 'bonjour', n: '0', pw: '0' }
    const publish = lab.fixture(h, 'bonjour', [
      'publish',
      '--name',
      'Via Bonjour',
      '--port',
      String(host.port),
      '--txt',
      JSON.stringify(txt),
    ])
    const rooms = lab.beacon(p, ['rooms', '--json'])
    const room = roomOf(await rooms.waitFor((e) => e.event === 'up', WAIT_MS, 'room listed'))
    assert.equal(room.id, host.id)
    assert.equal(room.name, 'Via Bonjour')
    assert.deepEqual(room.addresses[0], { address: '198.18.135.1', port: host.port })
    await Promise.all([rooms.kill(), publish.kill(), host.proc.kill()])
  })
})
