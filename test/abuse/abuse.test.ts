// The attack classes found against the host (issue 10), each run against a real `beacon host` process while
// a well-behaved member chats: the host must stay up, lose or duplicate nothing it acknowledged, and keep its
// memory bounded. Prints, per attack: inputs, RSS before/peak/after, the member's latency, messages lost.
//
// Latency is printed, not asserted as a performance claim (tests here make no timing assertions): the
// only bound checked is a generous "room stalled" one — a member waiting 2 s for its own message to come
// back means the room stopped working for everyone, whatever the machine's speed. The target is
// p99 ≤ 250 ms; the printed p99 is compared with it in the report.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { after, describe, it } from 'node:test'
import WebSocket from 'ws'
import { History } from '../../src/main/server/history.ts'
import { LIMITS } from '../../src/shared/limits.ts'
import { spawnHost, type HostProcess } from '../helpers/host-process.ts'
import { httpRequest } from '../helpers/http-json.ts'
import { Probe, type ProbeReport } from '../helpers/probe.ts'
import { exchange, openSocket, upgradeRequest } from '../helpers/raw-net.ts'
import { waitFor } from '../helpers/wait.ts'

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

describe('abuse: a hostile client cannot crash the host, exhaust it or stall the room', { timeout: 150_000 }, () => {
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
