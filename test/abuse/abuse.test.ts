// The attack classes found against the host (issue 10, and the file routes of issue 14), each run against a real
// `beacon host` process while a well-behaved member chats: the host must stay up, lose or duplicate nothing it
// acknowledged, and keep its memory bounded. Prints, per attack: inputs, RSS before/peak/after, the member's latency, messages lost.
//
// Latency is printed, not asserted as a performance claim (tests here make no timing assertions): the
// only bound checked is a generous "room stalled" one — a member waiting 2 s for its own message to come
// back means the room stopped working for everyone, whatever the machine's speed. The target is
// p99 ≤ 250 ms; the printed p99 is compared with it in the report.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync } from 'node:fs'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { after, afterEach, describe, it } from 'node:test'
import WebSocket from 'ws'
import { History } from '../../src/main/server/history.ts'
import { LIMITS } from '../../src/shared/limits.ts'
import { spawnHost, type HostProcess } from '../helpers/host-process.ts'
import { httpRequest } from '../helpers/http-json.ts'
import { Probe, type ProbeReport } from '../helpers/probe.ts'
import { exchange, openSocket, upgradeRequest } from '../helpers/raw-net.ts'
import { waitFor } from '../helpers/wait.ts'
import { createUpload, downloadFile, fileRequest, patchUpload, sha256, uploadFile, uploadOffset } from '../helpers/files.ts'
import { beaconMember, type BeaconMember } from '../integration/transports-lib.ts'
import { eventually, listTree, patchHead, STORED_OR_PARTIAL } from './files-lib.ts'

const MB = 2 ** 20
/** The bound on the host's memory growth during any one attack. */
const MAX_RSS_GROWTH = 256 * MB
/** Beyond this the test kills the host itself, so a runaway cannot take the shared machine's memory. */
const RSS_KILL = 1024 * MB
/** "The room stalled" (see the header): not a performance target. */
const STALLED_MS = 2000

interface Row {
  attack: string
  inputs: string
  rssBefore: number
  rssPeak: number
  rssAfter: number
  probe: ProbeReport
  alive: boolean
  killedForMemory: boolean
}

const rows: Row[] = []
const loop = (a: number, b: number, c: number) => `127.${a}.${b}.${c}`

/**
 * Join a probe, sample the host's RSS while `attack` runs, then check what a member would notice.
 * `attack` returns a description of what it sent.
 */
async function underAttack(host: HostProcess, attack: string, run: () => Promise<string>, password?: string): Promise<Row> {
  const probe = await Probe.join(host.url, { password })
  const rssBefore = host.rss()
  let rssPeak = rssBefore
  let killedForMemory = false
  const sampler = setInterval(() => {
    const r = host.rss()
    rssPeak = Math.max(rssPeak, r)
    if (r > rssBefore + RSS_KILL && host.alive()) {
      killedForMemory = true
      host.proc.kill('SIGKILL')
    }
  }, 50)
  probe.start()
  let inputs = ''
  const started = Date.now()
  try {
    inputs = await run()
    // a quick attack still gets a second and a half of the member's messages to judge by
    await new Promise((r) => setTimeout(r, Math.max(0, started + 1500 - Date.now())))
  } finally {
    const report = await probe.stop()
    clearInterval(sampler)
    probe.close()
    const row: Row = { attack, inputs, rssBefore, rssPeak, rssAfter: host.rss(), probe: report, alive: host.alive(), killedForMemory }
    rows.push(row)
  }
  const row = rows.at(-1)!
  const p = row.probe
  assert.ok(
    row.alive,
    `${attack}: the host process died (${row.killedForMemory ? 'killed by the test at +1 GB RSS' : host.stderr().slice(-2000)})`,
  )
  assert.ok(p.p99 < STALLED_MS, `${attack}: the room stalled (member p99 ${p.p99.toFixed(0)} ms; errors: ${p.errors.join('; ')})`)
  assert.equal(p.closeCode, undefined, `${attack}: the well-behaved member was closed (${p.closeCode})`)
  assert.deepEqual(p.errors, [], `${attack}: the well-behaved member got errors`)
  assert.equal(p.lost, 0, `${attack}: acknowledged messages never delivered`)
  assert.equal(p.duplicated, 0, `${attack}: messages delivered twice`)
  assert.equal(p.unanswered, 0, `${attack}: sends neither acknowledged nor delivered`)
  assert.ok(p.sent > 0 && p.acked === p.sent, `${attack}: ${p.acked} of ${p.sent} sends acknowledged`)
  assert.ok(row.rssPeak - row.rssBefore <= MAX_RSS_GROWTH, `${attack}: RSS grew ${mb(row.rssPeak - row.rssBefore)} MB`)
  return row
}

const mb = (b: number) => (b / MB).toFixed(1)

function printTable(): void {
  const lines = [
    'abuse suite: each attack against a `beacon host` process while a member sends a message every 110 ms',
    'attack | inputs | RSS before → peak → after (MB) | growth MB | member p50 / p99 / max ms | sent/acked | lost | dup | host',
    ...rows.map(
      (r) =>
        `${r.attack} | ${r.inputs} | ${mb(r.rssBefore)} → ${mb(r.rssPeak)} → ${mb(r.rssAfter)} | ${mb(r.rssPeak - r.rssBefore)} | ` +
        `${r.probe.p50.toFixed(1)} / ${r.probe.p99.toFixed(1)} / ${r.probe.max.toFixed(0)} | ${r.probe.sent}/${r.probe.acked} | ` +
        `${r.probe.lost} | ${r.probe.duplicated} | ${r.alive ? 'alive' : r.killedForMemory ? 'KILLED at +1 GB' : 'DIED'}`,
    ),
  ]
  console.log(lines.join('\n'))
}

/** Run `task` over `items`, `width` at a time. */
async function pool<T>(items: readonly T[], width: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        await task(items[i]!, i)
      }
    }),
  )
}

/** A ws client from `localAddress` that resolves once open (or undefined when refused). */
function wsFrom(url: string, protocol: string, localAddress: string): Promise<WebSocket | undefined> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, [protocol], { localAddress })
    ws.once('open', () => resolve(ws))
    ws.once('error', () => resolve(undefined))
    ws.once('unexpected-response', () => {
      ws.terminate()
      resolve(undefined)
    })
  })
}

// The whole suite: the file rows' stalled uploads alone wait out the host's 30 s stall timeout.
describe('abuse: a hostile client cannot crash the host, exhaust it or stall the room', { timeout: 300_000 }, () => {
  after(printTable)

  describe('one request kills it', () => {
    it('requests and upgrades whose target is an invalid absolute URL are refused; the host stays up', async () => {
      const host = await spawnHost()
      try {
        const targets = [
          'http://[',
          'http://[ ',
          'https://[::g]/ws',
          'http://a b/',
          'http://%zz/',
          'http://:99999999/',
          '//[',
          'ws://[/ws',
          'http://[::1/api/room',
        ]
        const requests = targets.flatMap((t) => [
          `GET ${t} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\n\r\n`,
          `POST ${t} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
          upgradeRequest(host.port, 'beacon.v1', t),
          upgradeRequest(host.port, 'v12.stomp', t),
        ])
        const all = Array.from({ length: 5 }, (_, i) => requests.map((r) => ({ r, from: loop(0, 2, i + 1) }))).flat()
        await underAttack(host, 'invalid URL as request target', async () => {
          await pool(all, 16, async ({ r, from }) => void (await exchange(host.port, [r], { localAddress: from, timeoutMs: 2000 })))
          return `${all.length} requests/upgrades`
        })
      } finally {
        await host.dispose()
      }
    })
  })

  describe('amplification to out-of-memory', () => {
    const MESSAGES = 10_000
    /** 4,000 three-byte characters: the longest text a member may send, about 12 KB each. */
    const LONG = '€'.repeat(LIMITS.maxTextChars)
    let host: HostProcess
    let epoch = ''

    it('a room with 10,000 long messages starts (seeded on disk before the host opens it)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'beacon-abuse-'))
      const history = new History(dir)
      epoch = history.epoch
      for (let seq = 1; seq <= MESSAGES; seq++)
        history.append('seeder', {
          type: 'message',
          seq,
          id: `s${seq}`,
          from: { id: 'seeder', name: 'Seeder' },
          text: LONG,
          ts: Date.now(),
        })
      history.close()
      host = await spawnHost({ dataDir: dir })
    })
    after(() => host?.dispose())

    it('hellos resuming from 0 on sockets that never read do not make the host build a welcome of everything', async () => {
      const sockets: WebSocket[] = []
      try {
        await underAttack(host, 'resume after 0, never read', async () => {
          const froms = Array.from({ length: 60 }, (_, i) => loop(0, 3, (i % 3) + 1))
          await pool(froms, 20, async (from) => {
            const ws = await wsFrom(host.url, 'beacon.v1', from)
            if (!ws) return
            sockets.push(ws)
            ws.send(
              JSON.stringify({
                type: 'hello',
                protocol: 1,
                name: 'Greedy',
                client: randomBytes(6).toString('hex'),
                resume: { epoch, after: 0 },
              }),
            )
            ;(ws as unknown as { _socket: Socket })._socket.pause()
          })
          await new Promise((r) => setTimeout(r, 3000))
          return `${froms.length} hellos (~110 B each), 3 addresses`
        })
      } finally {
        sockets.forEach((s) => s.terminate())
      }
    })

    it('plain hellos on sockets that never read cost the host at most a bounded welcome each', async () => {
      const sockets: WebSocket[] = []
      try {
        await underAttack(host, 'plain hello, never read', async () => {
          const froms = Array.from({ length: 200 }, (_, i) => loop(0, 4, (i % 4) + 1))
          await pool(froms, 20, async (from) => {
            const ws = await wsFrom(host.url, 'beacon.v1', from)
            if (!ws) return
            sockets.push(ws)
            ws.send(JSON.stringify({ type: 'hello', protocol: 1, name: 'Greedy', client: randomBytes(6).toString('hex') }))
            ;(ws as unknown as { _socket: Socket })._socket.pause()
          })
          await new Promise((r) => setTimeout(r, 3000))
          return `${froms.length} hellos, 4 addresses`
        })
      } finally {
        sockets.forEach((s) => s.terminate())
      }
    })

    it('replaying polls (after=0, wait=0) that are never read count against the address and stay bounded', async () => {
      const from = loop(0, 5, 1)
      const join = await httpRequest(host.port, 'POST', '/api/join', {
        body: JSON.stringify({ type: 'hello', protocol: 1, name: 'Poller', client: 'poller' }),
        localAddress: from,
      })
      assert.equal(join.status, 200, join.body)
      const token = (JSON.parse(join.body) as { member: string }).member
      const sockets: Socket[] = []
      try {
        await underAttack(host, 'poll after=0 wait=0, never read', async () => {
          const request = `GET /api/poll?member=${token}&after=0&wait=0 HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\n\r\n`
          await pool(
            Array.from({ length: 600 }, () => from),
            20,
            async (f) => {
              const s = await openSocket(host.port, f).catch(() => undefined)
              if (!s) return
              s.on('error', () => {})
              sockets.push(s)
              s.write(request)
              s.pause()
            },
          )
          await new Promise((r) => setTimeout(r, 3000))
          return '600 polls from 1 address'
        })
      } finally {
        sockets.forEach((s) => s.destroy())
      }
    })
    it('SSE streams replaying from 0 that are never read stay bounded', async () => {
      const froms = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => loop(0, 6, i))
      const tokens = new Map<string, string>()
      for (const from of froms) {
        const join = await httpRequest(host.port, 'POST', '/api/join', {
          body: JSON.stringify({ type: 'hello', protocol: 1, name: 'Streamer', client: `streamer-${from}` }),
          localAddress: from,
        })
        assert.equal(join.status, 200, join.body)
        tokens.set(from, (JSON.parse(join.body) as { member: string }).member)
      }
      const sockets: Socket[] = []
      try {
        await underAttack(host, 'SSE after=0, never read', async () => {
          await pool(
            froms.flatMap((f) => Array.from({ length: 40 }, () => f)),
            20,
            async (f) => {
              const s = await openSocket(host.port, f).catch(() => undefined)
              if (!s) return
              s.on('error', () => {})
              sockets.push(s)
              s.write(
                `GET /api/events?member=${tokens.get(f)}&after=0 HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nAccept: text/event-stream\r\n\r\n`,
              )
              s.pause()
            },
          )
          await new Promise((r) => setTimeout(r, 3000))
          return '40 streams per member, 8 members on 8 addresses'
        })
      } finally {
        sockets.forEach((s) => s.destroy())
      }
    })
  })

  describe('password guessing', () => {
    const PASSWORD = 'correct horse battery staple'
    const WINDOW_MS = 4000
    // one host per transport, so each attack's memory is measured from a fresh process
    let host: HostProcess
    const guesses: string[] = []

    after(() => {
      console.log(['password guessing: wrong guesses the host verified (checked against the key) in a 4 s window', ...guesses].join('\n'))
    })

    /** Keep `width` wrong guesses in flight from each address until the window ends; count those verified. */
    async function guess(addresses: string[], width: number, attempt: (from: string) => Promise<'verified' | 'refused'>): Promise<number> {
      let verified = 0
      const deadline = Date.now() + WINDOW_MS
      await Promise.all(
        addresses.flatMap((from) =>
          Array.from({ length: width }, async () => {
            while (Date.now() < deadline) if ((await attempt(from)) === 'verified') verified++
          }),
        ),
      )
      return verified
    }

    const beaconGuess = (from: string): Promise<'verified' | 'refused'> =>
      new Promise((resolve) => {
        const ws = new WebSocket(host.url, ['beacon.v1'], { localAddress: from })
        let verdict: 'verified' | 'refused' = 'refused'
        const t = setTimeout(() => ws.terminate(), 5000)
        ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: 1, name: 'Eve', client: randomBytes(6).toString('hex') })))
        ws.on('message', (d) => {
          const f = JSON.parse(d.toString()) as { type: string; code?: string }
          if (f.type === 'challenge') ws.send(JSON.stringify({ type: 'auth', proof: randomBytes(32).toString('base64') }))
          if (f.type === 'error' && f.code === 'wrong_password') verdict = 'verified'
        })
        ws.on('error', () => {})
        ws.on('close', () => {
          clearTimeout(t)
          resolve(verdict)
        })
      })

    const stompGuess = (from: string): Promise<'verified' | 'refused'> =>
      new Promise((resolve) => {
        const ws = new WebSocket(host.url, ['v12.stomp'], { localAddress: from })
        let verdict: 'verified' | 'refused' = 'refused'
        const t = setTimeout(() => ws.terminate(), 5000)
        ws.on('open', () => ws.send(`CONNECT\naccept-version:1.2\nhost:room\nlogin:Eve\npasscode:${randomBytes(8).toString('hex')}\n\n\0`))
        ws.on('message', (d) => {
          if (/^ERROR\n/.test(d.toString()) && d.toString().includes('wrong_password')) verdict = 'verified'
        })
        ws.on('error', () => {})
        ws.on('close', () => {
          clearTimeout(t)
          resolve(verdict)
        })
      })

    const httpGuess = async (from: string): Promise<'verified' | 'refused'> => {
      const join = await httpRequest(host.port, 'POST', '/api/join', {
        body: JSON.stringify({ type: 'hello', protocol: 1, name: 'Eve', client: randomBytes(6).toString('hex') }),
        localAddress: from,
      }).catch(() => undefined)
      if (join?.status !== 200) return 'refused'
      const token = (JSON.parse(join.body) as { member: string }).member
      const auth = await httpRequest(host.port, 'POST', `/api/auth?member=${token}`, {
        body: JSON.stringify({ type: 'auth', proof: randomBytes(32).toString('base64') }),
        localAddress: from,
      }).catch(() => undefined)
      return auth?.body.includes('"wrong_password"') ? 'verified' : 'refused'
    }

    const many = (b: number) => Array.from({ length: 250 }, (_, i) => loop(1, b, i + 1))
    const perMinute = (n: number) => ((n * 60_000) / WINDOW_MS).toFixed(0)
    const cases = [
      { via: 'beacon.v1', attempt: beaconGuess, one: loop(0, 10, 1), width: 50, spread: many(1) },
      { via: 'HTTP join+auth', attempt: httpGuess, one: loop(0, 11, 1), width: 30, spread: many(2) },
      { via: 'STOMP CONNECT passcode', attempt: stompGuess, one: loop(0, 12, 1), width: 50, spread: many(3) },
    ]
    for (const c of cases) {
      it(`over ${c.via}, one address gets at most ${LIMITS.wrongProofsPerMinute} wrong guesses checked a minute, however many it sends at once`, async () => {
        let one = 0
        let spread = 0
        host = await spawnHost({ password: PASSWORD })
        try {
          await underAttack(
            host,
            `wrong passwords over ${c.via}`,
            async () => {
              one = await guess([c.one], c.width, (f) => c.attempt(f))
              spread = await guess(c.spread, 2, (f) => c.attempt(f))
              return `${c.width} at once from 1 address, then 2 at once from each of 250, ${WINDOW_MS / 1000} s each`
            },
            PASSWORD,
          )
        } finally {
          await host.dispose()
          // An address that has had its wrong guesses is locked out for LIMITS.lockoutMs (a minute), so what it got
          // verified in the window is what it gets in that minute; ×60/window is the figure if the rate held.
          guesses.push(
            `${c.via}: 1 address: ${one} in ${WINDOW_MS / 1000} s (a minute's worth while the lockout holds; ${perMinute(one)}/min if that rate held); ` +
              `250 addresses: ${spread} in ${WINDOW_MS / 1000} s (${perMinute(spread)}/min if that rate held)`,
          )
        }
        assert.ok(one <= LIMITS.wrongProofsPerMinute, `${c.via}: one address had ${one} wrong guesses verified in ${WINDOW_MS} ms`)
        assert.ok(spread <= 250 * LIMITS.wrongProofsPerMinute, `${c.via}: 250 addresses had ${spread} verified`)
      })
    }
  })

  describe('connection churn', () => {
    let host: HostProcess
    it('a password room starts', async () => {
      host = await spawnHost({ password: 'correct horse battery staple' })
    })
    after(() => host?.dispose())

    it('connections that say hello, get a challenge and vanish, as fast as 200 sockets can, do not pile up in memory', async () => {
      await underAttack(
        host,
        'hello → challenge → gone, churn',
        async () => {
          let n = 0
          const deadline = Date.now() + 12_000
          const once = (from: string) =>
            new Promise<void>((resolve) => {
              const ws = new WebSocket(host.url, ['beacon.v1'], { localAddress: from })
              const t = setTimeout(() => ws.terminate(), 5000)
              ws.on('open', () =>
                ws.send(JSON.stringify({ type: 'hello', protocol: 1, name: 'Passer', client: randomBytes(6).toString('hex') })),
              )
              ws.on('message', () => ws.terminate())
              ws.on('error', () => {})
              ws.on('close', () => {
                clearTimeout(t)
                resolve()
              })
            })
          await Promise.all(
            Array.from({ length: 50 }, (_, i) => loop(0, 60, i + 1)).flatMap((from) =>
              Array.from({ length: 4 }, async () => {
                while (Date.now() < deadline) {
                  await once(from)
                  n++
                }
              }),
            ),
          )
          return `${n} connections in 12 s from 50 addresses`
        },
        'correct horse battery staple',
      )
    })
  })

  describe('holding resources', () => {
    let host: HostProcess
    it('a host limited to 1,024 open files starts', async () => {
      host = await spawnHost({ maxFiles: 1024 })
    })
    after(() => host?.dispose())

    it('1,100 WebSockets that never say hello (or STOMP CONNECT) and never read are let go by the deadline, and never lock newcomers out for good', async () => {
      const sockets: Socket[] = []
      const baseline = host.fds()
      let during = ''
      try {
        await underAttack(host, 'idle upgrades, no hello, never read', async () => {
          const froms = Array.from({ length: 1100 }, (_, i) => loop(0, 20, (i % 20) + 1))
          // half beacon.v1 (no hello), half STOMP (no CONNECT)
          await pool(froms, 50, async (from, i) => {
            const s = await openSocket(host.port, from).catch(() => undefined)
            if (!s) return
            s.on('error', () => {})
            sockets.push(s)
            s.write(upgradeRequest(host.port, i % 2 ? 'v12.stomp' : 'beacon.v1')) // and never reads: refusals and closes stay unread
          })
          // While the budget is full a newcomer may be refused, but as `busy` (503), not by a reset connection.
          during = await Probe.join(host.url, { name: 'Newcomer' }).then(
            (p) => (p.close(), 'joined'),
            (e: Error) => e.message,
          )
          assert.match(during, /^(joined|Unexpected server response: 503)$/, `a newcomer during the attack`)
          const deadline = LIMITS.helloTimeoutMs + 5000
          await waitFor(
            () => host.fds() <= baseline + 50,
            `the host letting go of idle sockets (${host.fds()} descriptors open, ${baseline} before)`,
            deadline,
          )
          const after = await Probe.join(host.url, { name: 'Latecomer' })
          after.close()
          return `${sockets.length} sockets (half STOMP) from 20 addresses; newcomer during: ${during}`
        })
      } finally {
        sockets.forEach((s) => s.destroy())
      }
    })

    it('HTTP members that never poll do not queue the room without bound', async () => {
      const from = loop(0, 30, 1)
      const tokens: string[] = []
      await underAttack(host, 'HTTP members never polling', async () => {
        for (let i = 0; i < 64; i++) {
          const r = await httpRequest(host.port, 'POST', '/api/join', {
            body: JSON.stringify({ type: 'hello', protocol: 1, name: `Silent ${i}`, client: `silent-${i}` }),
            localAddress: from,
          })
          if (r.status === 200) tokens.push((JSON.parse(r.body) as { member: string }).member)
        }
        // members coming and going: every join and leave is a frame queued for each silent member
        const churn = Array.from({ length: 200 }, (_, i) => loop(0, 31, (i % 4) + 1))
        await pool(churn, 10, async (f) => {
          const ws = await wsFrom(host.url, 'beacon.v1', f)
          if (!ws) return
          ws.send(JSON.stringify({ type: 'hello', protocol: 1, name: 'Passer-by', client: randomBytes(6).toString('hex') }))
          await new Promise((r) => setTimeout(r, 20))
          ws.close()
        })
        return `${tokens.length} silent HTTP members, 200 members joining and leaving`
      })
    })

    it('64 KB STOMP frames sent one byte per WebSocket message do not stall the room', async () => {
      await underAttack(host, 'STOMP frame 1 byte per message', async () => {
        const frame = Buffer.from(`SEND\ndestination:/topic/room\ncontent-type:text/plain\n\n${'x'.repeat(64 * 1024 - 80)}`)
        let sent = 0
        let frames = 0
        const deadline = Date.now() + 4000
        await Promise.all(
          [loop(0, 40, 1), loop(0, 40, 2)].map(async (from) => {
            while (Date.now() < deadline) {
              const ws = await wsFrom(host.url, 'v12.stomp', from)
              assert.ok(ws, 'STOMP connection refused')
              ws.send('CONNECT\naccept-version:1.2\nhost:room\nlogin:Drip\n\n\0')
              for (let i = 0; i < frame.length && ws.readyState === WebSocket.OPEN; i++) {
                ws.send(frame.subarray(i, i + 1))
                sent++
                // let the socket drain now and then, so the drip reaches the host message by message
                if (i % 256 === 255) await waitFor(() => ws.bufferedAmount === 0, 'drip drained', 10_000)
              }
              ws.send('\0')
              await waitFor(() => ws.bufferedAmount === 0 || ws.readyState !== WebSocket.OPEN, 'drip drained', 10_000)
              frames++
              ws.terminate()
            }
          }),
        )
        return `${frames} frames as ${sent} one-byte messages on 2 connections at a time`
      })
    })
  })

  describe('files', () => {
    // a small per-file limit and quota, so the quota row fills it with little disk; everything else as shipped
    const MAX_FILE = 8 * MB
    const MAX_ROOM = 64 * MB
    let host: HostProcess
    const members: BeaconMember[] = []
    /** A member on an address of its own (each transfer counts against its address's connections). */
    const member = async (i: number): Promise<BeaconMember> => {
      const m = await beaconMember(host.url, `Filer ${i}`, { client: `filer-${i}`, localAddress: loop(0, 70, i) })
      members.push(m)
      return m
    }
    /** Uploads a row made: deleted once it is done (passed or not), so the next row starts with the quota free. */
    let made: [BeaconMember, string][] = []
    const create = async (m: BeaconMember, bytes: Buffer, declare: Parameters<typeof createUpload>[3]) => {
      const u = await createUpload(host.port, m.token, bytes, declare)
      if (u.location) made.push([m, u.location])
      return u
    }
    afterEach(async () => {
      const gone = made
      made = []
      for (const [m, l] of gone) await fileRequest(host.port, 'DELETE', l, { token: m.token }).catch(() => {})
    })

    it('a host with an 8 MiB file limit and a 64 MiB room quota starts', async () => {
      host = await spawnHost({ args: ['--max-file-size', String(MAX_FILE), '--max-room-bytes', String(MAX_ROOM)] })
    })
    after(async () => {
      members.forEach((m) => m.close())
      await host?.dispose()
    })

    it('oversized Upload-Length is refused at creation, whatever form the number takes', async () => {
      const m = await member(1)
      const statuses = new Map<number, number>()
      await underAttack(host, 'oversized Upload-Length', async () => {
        const lengths = [
          MAX_FILE + 1,
          2 ** 31,
          2 ** 40,
          Number.MAX_SAFE_INTEGER,
          '9007199254740993',
          '1e12',
          '-1',
          '0x7fffffff',
          ' 9999999999',
        ]
        const all = Array.from({ length: 400 }, (_, i) => lengths[i % lengths.length]!)
        await pool(all, 16, async (size) => {
          const a = await create(m, Buffer.alloc(0), { length: size as number })
          statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1)
        })
        return `${all.length} creations, Upload-Length up to 2^53 and junk`
      })
      assert.equal(statuses.get(201), undefined, `no oversized upload was created: ${JSON.stringify([...statuses])}`)
      assert.deepEqual([...statuses.keys()].sort(), [400, 413])
    })

    it('a lying Content-Length: more declared than sent (the bytes that came are kept), less declared than sent (nothing past it is written)', async () => {
      const m = await member(2)
      const checks: string[] = []
      await underAttack(host, 'lying Content-Length', async () => {
        // declares the whole file, sends 64 KiB, holds the socket for 3 s, then goes: the 64 KiB stay
        const held: Socket[] = []
        const more: string[] = []
        for (let i = 0; i < 4; i++) {
          const u = await create(m, Buffer.alloc(0), { length: MAX_FILE, sha256: 'a'.repeat(64) })
          assert.equal(u.status, 201, u.body.toString())
          more.push(u.location!)
          const s = await openSocket(host.port, loop(0, 70, 2))
          s.on('error', () => {})
          s.write(patchHead(host.port, u.location!, m.token, 0, MAX_FILE))
          s.write(randomBytes(64 * 1024))
          held.push(s)
        }
        await new Promise((r) => setTimeout(r, 3000))
        held.forEach((s) => s.destroy())
        for (const l of more) {
          await eventually(
            async () => (await uploadOffset(host.port, m.token, l).catch(() => -1)) === 64 * 1024,
            'the kept bytes',
            5000,
          ).catch(() => {})
          checks.push(`more declared: offset ${await uploadOffset(host.port, m.token, l)}`)
        }
        // declares 1,000 bytes, sends 256 KiB on the same request: the rest is not part of the body
        const less: string[] = []
        for (let i = 0; i < 20; i++) {
          const u = await create(m, Buffer.alloc(0), { length: MAX_FILE, sha256: 'b'.repeat(64) })
          less.push(u.location!)
          await exchange(host.port, [patchHead(host.port, u.location!, m.token, 0, 1000), randomBytes(256 * 1024)], {
            localAddress: loop(0, 70, 2),
            timeoutMs: 2000,
          })
          // nothing past the declared 1,000 is written (what the host kept of those may be less when the junk
          // behind them broke the connection), and the upload goes on from where the host says it is (asking again
          // after a 409, as a tus client does, while the broken request's last write lands)
          let at = 0
          let next = 0
          for (let tries = 0; tries < 5 && next !== 204; tries++) {
            at = Math.max(at, await uploadOffset(host.port, m.token, u.location!))
            next = (await patchUpload(host.port, m.token, u.location!, at, randomBytes(10))).status
          }
          checks.push(`less declared: offset ${at <= 1000 ? 'at most 1000' : at}, then ${next}`)
          await fileRequest(host.port, 'DELETE', u.location!, { token: m.token }) // its 8 MiB back in the quota
        }
        return '4 PATCHes declaring 8 MiB that send 64 KiB and hold 3 s; 20 declaring 1,000 bytes that send 256 KiB'
      })
      assert.deepEqual(
        checks.filter((c) => c.startsWith('more')),
        Array(4).fill(`more declared: offset ${64 * 1024}`),
      )
      assert.deepEqual(
        checks.filter((c) => c.startsWith('less')),
        Array(20).fill('less declared: offset at most 1000, then 204'),
      )
    })

    it('PATCHes at wrong offsets, in a loop, are refused 409 and move nothing', async () => {
      const m = await member(3)
      const statuses = new Map<number, number>()
      let offset = -1
      await underAttack(host, 'wrong offsets in a loop', async () => {
        const u = await create(m, Buffer.alloc(0), { length: 1 * MB, sha256: 'c'.repeat(64) })
        assert.equal((await patchUpload(host.port, m.token, u.location!, 0, randomBytes(1000))).status, 204)
        const wrong = Array.from({ length: 2000 }, (_, i) => [0, 999, 1001, 1 * MB, 2 ** 40, i][i % 6]!)
        await pool(wrong, 8, async (at) => {
          const a = await patchUpload(host.port, m.token, u.location!, at, randomBytes(100))
          statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1)
        })
        offset = await uploadOffset(host.port, m.token, u.location!)
        return `${wrong.length} PATCHes of 100 bytes at wrong offsets, 8 at a time`
      })
      assert.equal(offset, 1000, 'the upload did not move')
      assert.equal(statuses.get(204), undefined, `answers: ${JSON.stringify([...statuses])}`)
      // 409 wrong_offset; 413 past the length; 503 busy while another PATCH holds the upload
      for (const s of statuses.keys()) assert.ok([409, 413, 503].includes(s), `answers: ${JSON.stringify([...statuses])}`)
      assert.ok((statuses.get(409) ?? 0) > 0)
    })

    it('uploads whose bytes do not hash as declared are refused 460 and leave nothing stored', async () => {
      const m = await member(4)
      const statuses = new Map<number, number>()
      await underAttack(host, 'hash mismatch', async () => {
        await pool(
          Array.from({ length: 40 }, (_, i) => i),
          4,
          async () => {
            const bytes = randomBytes(256 * 1024)
            const u = await create(m, bytes, { sha256: sha256(randomBytes(8)) })
            const a = await patchUpload(host.port, m.token, u.location!, 0, bytes)
            statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1)
          },
        )
        return '40 uploads of 256 KiB declaring another SHA-256'
      })
      assert.deepEqual([...statuses], [[460, 40]])
      const kept = listTree(join(host.dataDir, 'files'))
      assert.deepEqual(kept, [], 'no stored file and no partial left')
    })

    it('path tricks in names and ids reach nothing outside files/', async () => {
      const m = await member(5)
      const before = readdirSync(host.dataDir)
      const statuses = new Map<number, number>()
      await underAttack(host, 'path tricks in names and ids', async () => {
        const names = ['../../room.db', '..\\..\\room.db', '/etc/passwd', 'files/../../x', 'a\u0000b', '.', '..', 'CON', '\u202egnp.exe']
        const created: string[] = []
        for (const name of names) {
          const bytes = Buffer.from(`a file called ${name}`)
          const u = await create(m, bytes, { name })
          statuses.set(u.status, (statuses.get(u.status) ?? 0) + 1)
          if (u.location) {
            created.push(u.location)
            await patchUpload(host.port, m.token, u.location, 0, bytes)
          }
        }
        const ids = [
          '../room.db',
          '..%2froom.db',
          '%2e%2e%2froom.db',
          'partial/..%2f..%2froom.db',
          'uploads/../../room.db',
          'uploads/..%2f..%2froom.db',
          `${'0'.repeat(63)}/`,
          '.',
          '%00',
          'A'.repeat(64),
        ]
        for (const id of ids)
          for (const method of ['GET', 'HEAD', 'PATCH', 'DELETE']) {
            const r = await exchange(
              host.port,
              [
                `${method} /api/files/${id}?t=${m.token} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nAuthorization: Bearer ${m.token}\r\nTus-Resumable: 1.0.0\r\nContent-Length: 0\r\n\r\n`,
              ],
              { localAddress: loop(0, 70, 5), timeoutMs: 2000 },
            )
            const status = Number(/^HTTP\/1\.1 (\d+)/.exec(r.response.toString('latin1'))?.[1] ?? 0)
            statuses.set(status, (statuses.get(status) ?? 0) + 1)
            assert.ok(status >= 400 && status < 500, `${method} /api/files/${id}: ${status}`)
          }
        return `${names.length} hostile names uploaded, ${ids.length} hostile ids × GET/HEAD/PATCH/DELETE`
      })
      const sqlite = /^room\.db(-wal|-shm|-journal)?$/
      assert.deepEqual(
        readdirSync(host.dataDir).filter((e) => !before.includes(e) && !sqlite.test(e)),
        [],
        'nothing new beside files/ and the room log',
      )
      assert.deepEqual(
        listTree(join(host.dataDir, 'files')).filter((f) => !STORED_OR_PARTIAL.test(f.path)),
        [],
        'files/ holds only content addresses and upload ids',
      )
    })

    it(`stalled uploads (a few bytes, then nothing) are cut after ${LIMITS.uploadStallMs / 1000} s; at most ${LIMITS.uploadsPerMember} run at once per member`, async () => {
      const ms = await Promise.all([6, 7, 8, 9].map((i) => member(i)))
      const sockets: Socket[] = []
      const baseline = host.fds()
      let refused = 0
      let cut = 0
      await underAttack(host, 'stalled uploads', async () => {
        for (const m of ms) {
          for (let i = 0; i < LIMITS.uploadsPerMember + 4; i++) {
            const u = await create(m, Buffer.alloc(0), { length: MB, sha256: 'd'.repeat(64) })
            const s = await openSocket(host.port, loop(0, 70, 6 + ms.indexOf(m)))
            let answer = ''
            s.on('data', (d: Buffer) => (answer += d.toString('latin1')))
            s.on('error', () => {})
            s.on('close', () => (answer.startsWith('HTTP/1.1 503') ? refused++ : cut++))
            s.write(patchHead(host.port, u.location!, m.token, 0, MB))
            s.write(randomBytes(10))
            sockets.push(s)
          }
        }
        // each member's fifth and later PATCHes are refused at once; the others hold until the stall timeout
        await waitFor(() => refused === ms.length * 4, 'the PATCHes over the per-member limit refused', 10_000)
        await waitFor(() => cut === ms.length * LIMITS.uploadsPerMember, 'the stalled PATCHes cut', LIMITS.uploadStallMs + 10_000)
        await waitFor(
          () => host.fds() <= baseline + 10,
          `the host letting go of them (${host.fds()} descriptors, ${baseline} before)`,
          5000,
        )
        return `${sockets.length} PATCHes from 4 members sending 10 bytes of 1 MiB, then nothing`
      })
      sockets.forEach((s) => s.destroy())
      assert.equal(refused, ms.length * 4)
      assert.equal(cut, ms.length * LIMITS.uploadsPerMember)
    })

    it(`open uploads are bounded per member (${LIMITS.openUploadsPerMember}) and by the room's quota (507 quota_full)`, async () => {
      const hog = await member(10)
      const filler = await Promise.all([11, 12].map((i) => member(i)))
      const statuses = { hog: new Map<number, number>(), quota: new Map<number, number>() }
      await underAttack(host, 'many open uploads, quota', async () => {
        for (let i = 0; i < 100; i++) {
          const u = await create(hog, Buffer.alloc(0), { length: 1024, sha256: 'e'.repeat(64) })
          statuses.hog.set(u.status, (statuses.hog.get(u.status) ?? 0) + 1)
        }
        for (let i = 0; i < 2 * LIMITS.openUploadsPerMember; i++) {
          const m = filler[i % 2]!
          const u = await create(m, Buffer.alloc(0), { length: MAX_FILE, sha256: 'f'.repeat(64) })
          statuses.quota.set(u.status, (statuses.quota.get(u.status) ?? 0) + 1)
        }
        return `100 creations by one member; ${2 * LIMITS.openUploadsPerMember} of 8 MiB by two others against a 64 MiB quota`
      })
      assert.deepEqual([...statuses.hog].sort(), [
        [201, LIMITS.openUploadsPerMember],
        [503, 100 - LIMITS.openUploadsPerMember],
      ])
      // the hog's 16 KiB are reserved too: 7 files of 8 MiB fit beside them in 64 MiB
      assert.deepEqual([...statuses.quota].sort(), [
        [201, 7],
        [507, 2 * LIMITS.openUploadsPerMember - 7],
      ])
    })

    it(`a download flood: more than ${LIMITS.downloadsPerMember} at once per member are refused, readers that never read stay bounded`, async () => {
      const ms = await Promise.all([13, 14, 15, 16].map((i) => member(i)))
      const file = await uploadFile(host.port, ms[0]!.token, randomBytes(MAX_FILE), 'flood.bin', 'application/octet-stream')
      await ms[0]!.send({ id: 'flood-file', file })
      const sockets: Socket[] = []
      const answers: string[] = []
      await underAttack(host, 'download flood', async () => {
        await pool(
          ms.flatMap((m, i) => Array.from({ length: 3 * LIMITS.downloadsPerMember }, () => ({ m, from: loop(0, 70, 13 + i) }))),
          16,
          async ({ m, from }) => {
            const s = await openSocket(host.port, from)
            s.on('error', () => {})
            let head = ''
            s.once('data', (d: Buffer) => {
              head = d.toString('latin1').slice(0, 12)
              answers.push(head)
              s.pause() // and never read the rest
            })
            s.write(`GET /api/files/${file.fileId}?t=${m.token} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\n\r\n`)
            sockets.push(s)
          },
        )
        await waitFor(() => answers.length === sockets.length, 'every download answered', 10_000)
        await new Promise((r) => setTimeout(r, 2000))
        return `${sockets.length} GETs of an 8 MiB file from 4 members, never read`
      })
      sockets.forEach((s) => s.destroy())
      const ok = answers.filter((a) => a === 'HTTP/1.1 200').length
      const busy = answers.filter((a) => a === 'HTTP/1.1 503').length
      assert.equal(ok, ms.length * LIMITS.downloadsPerMember, `answers: ${answers.join(', ')}`)
      assert.equal(busy, answers.length - ok)
      // and once they are gone, a member downloads it whole
      await eventually(
        async () => (await downloadFile(host.port, ms[1]!.token, file.fileId)).status === 200,
        'a download after the flood',
        5000,
      )
    })
  })

  it('`beacon host --json | head -1`: the host keeps serving after its reader goes, and stops cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beacon-epipe-'))
    const bin = resolve(import.meta.dirname, '../../bin/beacon')
    const proc = spawn(bin, ['host', '--name', 'Pipe', '--port', '0', '--listen', '127.0.0.1', '--json', '--no-advertise', '--data', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let err = ''
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)))
    const first = (await createInterface({ input: proc.stdout! })[Symbol.asyncIterator]().next()).value as string
    const { url } = JSON.parse(first) as { url: string }
    proc.stdout!.destroy() // what `head -1` does once it has its line
    const probe = await Probe.join(url)
    probe.start(50)
    await new Promise((r) => setTimeout(r, 500))
    const report = await probe.stop()
    probe.close()
    assert.equal(report.acked, report.sent)
    proc.kill('SIGTERM')
    assert.equal(await exited, 0, `exit code; stderr: ${err}`)
    assert.doesNotMatch(err, /EPIPE/)
  })
})
