// Fuzzing: fast-check generates hostile input for every transport — beacon.v1 frames, raw WebSocket frames,
// STOMP frames (whole, split, truncated, invalid UTF-8), RSocket frames (whole, cut, bit-flipped, out of order), HTTP requests to every route, and hand-written HTTP
// request lines and headers — and sends it to one `beacon host` process. The parsers take a share in
// process (cheap, and shrunk to a minimal case when a property fails); every transport also gets real
// network input. Afterwards the host must be alive and a new member must chat normally. Prints the count
// per transport and the total (at least 100,000 per run).
import assert from 'node:assert/strict'
import { request, Agent } from 'node:http'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import WebSocket from 'ws'
import { StompParser } from '../../src/main/server/transports/stomp-frame.ts'
import { STOMP_LIMITS } from '../../src/shared/http-transport.ts'
import { LIMITS } from '../../src/shared/limits.ts'
import { parseClientFrame } from '../../src/shared/protocol.ts'
import { spawnHost, type HostProcess } from '../helpers/host-process.ts'
import { httpRequest } from '../helpers/http-json.ts'
import { Probe } from '../helpers/probe.ts'
import { clientFrame, exchange, upgradeRequest } from '../helpers/raw-net.ts'
import { beaconText, httpRequestInput, rawHttpRequest, rawWsFrame, rsocketMessage, stompChunks } from './arbitraries.ts'
import { encodeRoute } from 'rsocket-composite-metadata'
import { Flags, FrameTypes, serializeFrame, type Frame } from 'rsocket-core'
import { connectRSocket, request as rsRequest, RoomStream, setupFrame } from '../integration/rsocket-lib.ts'

/** Fixed, so a run in CI is repeatable; BEACON_FUZZ_SEED=<n> explores other inputs (and replays them). */
const SEED = Number(process.env.BEACON_FUZZ_SEED ?? 20_261_125)
const MIN_TOTAL = 100_000

/** Inputs per part of the run, chosen so the whole suite stays near a minute on two shared cores. */
const RUNS = {
  parseClientFrame: 45_000,
  stompParser: 25_000,
  beaconWs: 20_000,
  rawWsFrames: 5_000,
  stompWs: 8_000,
  rsocketWs: 10_000,
  http: 8_000,
  rawHttp: 4_000,
}

const counts: Record<string, number> = {}
const count = (transport: string, n = 1) => (counts[transport] = (counts[transport] ?? 0) + n)

/** The last inputs sent, to name the culprit when the host dies. */
const recent: string[] = []
function remember(transport: string, input: unknown): void {
  recent.push(`${transport}: ${JSON.stringify(Buffer.isBuffer(input) ? input.toString('latin1') : input).slice(0, 400)}`)
  if (recent.length > 20) recent.shift()
}

/**
 * fc.check with a short failure message: the shrunk counterexample cut to a readable length, and the seed
 * and path that replay it (fc.assert would print a 64 KiB buffer byte by byte).
 */
function holds<T>(property: fc.IProperty<T>, params: fc.Parameters<T>): void {
  const r = fc.check(property, params)
  if (!r.failed) return
  const shown = JSON.stringify(r.counterexample, (_k, v: unknown) =>
    v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer'
      ? `<${(v as { data: number[] }).data.length} bytes: ${Buffer.from((v as { data: number[] }).data)
          .toString('latin1')
          .slice(0, 120)}…>`
      : v,
  )
  assert.fail(
    `property failed after ${r.numRuns} inputs (seed ${r.seed}, path "${r.counterexamplePath}"): ${String(r.errorInstance)}\n` +
      `counterexample: ${shown.slice(0, 600)}`,
  )
}

const sample = <T>(arb: fc.Arbitrary<T>, numRuns: number, salt: number): T[] => fc.sample(arb, { numRuns, seed: SEED + salt })
const loop = (a: number, b: number, c: number) => `127.${a}.${b}.${c}`

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

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

function openWs(url: string, protocol: string, localAddress: string): Promise<WebSocket | undefined> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, [protocol], { localAddress })
    ws.on('error', () => resolve(undefined))
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (req) => {
      req.destroy()
      resolve(undefined)
    })
  })
}

/** Close after everything sent has reached the host (it reads in order), or drop it after a while. */
function finish(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve()
    const t = setTimeout(() => {
      ws.terminate()
      resolve()
    }, 5000)
    ws.once('close', () => {
      clearTimeout(t)
      resolve()
    })
    if (ws.readyState === WebSocket.OPEN) ws.close()
  })
}

describe(`fuzzing every transport with generated input (fast-check, seed ${SEED})`, { timeout: 240_000 }, () => {
  let host: HostProcess

  before(async () => {
    host = await spawnHost({ name: 'Fuzz' })
  })
  after(async () => {
    const total = Object.values(counts).reduce((a, b) => a + b, 0)
    console.log(
      [
        `fuzz (seed ${SEED}; replay with BEACON_FUZZ_SEED=${SEED}): inputs per transport`,
        ...Object.entries(counts).map(([k, v]) => `  ${k}: ${v}`),
        `  total: ${total}`,
      ].join('\n'),
    )
    await host?.dispose()
  })

  /** The host survived the last part; otherwise say what it was sent last and how it died. */
  function assertAlive(part: string): void {
    assert.ok(
      host.alive(),
      `the host died during ${part}.\nLast inputs:\n${recent.join('\n')}\nHost stderr:\n${host.stderr().slice(-3000)}`,
    )
  }

  it('parseClientFrame answers every generated text with a frame within the limits or a refusal, never a throw', () => {
    holds(
      fc.property(beaconText, (text) => {
        count('beacon.v1 parser (in process)')
        const r = parseClientFrame(text)
        if (!r.ok) return assert.ok(r.code === 'bad_frame' || r.code === 'too_large', r.code)
        const f = r.frame
        if (f.type === 'send') {
          // characters are code points: 4,000 emoji fit, as the limit's comment says
          assert.ok(f.text.length >= 1 && [...f.text].length <= LIMITS.maxTextChars)
          assert.ok(Buffer.byteLength(f.text) <= LIMITS.maxTextBytes)
        }
        if (f.type === 'hello') assert.ok(f.name.length >= 1 && [...f.name].length <= LIMITS.maxNameChars && f.name.trim() === f.name)
      }),
      { numRuns: RUNS.parseClientFrame, seed: SEED },
    )
  })

  it('StompParser turns any bytes, split anywhere, into frames within the limits or one error, never a throw', () => {
    holds(
      fc.property(stompChunks, (chunks) => {
        count('STOMP parser (in process)')
        const parser = new StompParser({ maxFrameBytes: STOMP_LIMITS.maxFrameBytes, maxHeaders: STOMP_LIMITS.maxHeaders })
        let failed = false
        for (const c of chunks)
          for (const ev of parser.push(c)) {
            assert.ok(!failed, 'no events after an error')
            if (ev.kind === 'error') failed = true
            if (ev.kind === 'frame') {
              assert.ok(ev.frame.headers.length <= STOMP_LIMITS.maxHeaders)
              assert.ok(ev.frame.body.length <= STOMP_LIMITS.maxFrameBytes)
            }
          }
      }),
      { numRuns: RUNS.stompParser, seed: SEED + 1 },
    )
  })

  it('beacon.v1: generated frames over WebSocket, before and after hello, from 8 addresses', async () => {
    const texts = sample(beaconText, RUNS.beaconWs, 2)
    const hello = JSON.stringify({ type: 'hello', protocol: 1, name: 'Fuzzer', client: 'fuzzer' })
    // below the abuse limit per connection, so most frames reach the room rather than a closed socket
    await pool(chunk(texts, 80), 8, async (batch, i) => {
      const ws = await openWs(host.url, 'beacon.v1', loop(0, 50, (i % 8) + 1))
      if (!ws) return
      ws.on('message', () => {})
      if (i % 5 !== 0) ws.send(hello)
      for (const t of batch) {
        if (ws.readyState !== WebSocket.OPEN) break
        remember('beacon.v1', t)
        ws.send(t)
        count('beacon.v1 over WebSocket')
      }
      await finish(ws)
    })
    assertAlive('beacon.v1 fuzzing')
  })

  it('WebSocket frames made by hand: reserved opcodes, RSV bits, fragments, invalid UTF-8', async () => {
    const frames = sample(rawWsFrame, RUNS.rawWsFrames, 3)
    const hello = clientFrame(1, Buffer.from(JSON.stringify({ type: 'hello', protocol: 1, name: 'Raw', client: 'raw' })))
    await pool(chunk(frames, 8), 12, async (batch, i) => {
      const bytes = batch.map((f) => clientFrame(f.opcode, f.payload, { fin: f.fin, rsv: f.rsv }))
      batch.forEach((f) =>
        remember('raw WebSocket frame', { opcode: f.opcode, rsv: f.rsv, fin: f.fin, payload: f.payload.toString('latin1') }),
      )
      await exchange(host.port, [upgradeRequest(host.port, i % 2 ? 'beacon.v1' : 'v12.stomp'), hello, ...bytes], {
        localAddress: loop(0, 51, (i % 8) + 1),
        timeoutMs: 2000,
      })
      count('raw WebSocket frames', batch.length)
    })
    assertAlive('raw WebSocket frame fuzzing')
  })

  it('STOMP: generated frames, split across messages and cut short, after a CONNECT or instead of one', async () => {
    const inputs = sample(stompChunks, RUNS.stompWs, 4)
    await pool(chunk(inputs, 4), 8, async (batch, i) => {
      const ws = await openWs(host.url, 'v12.stomp', loop(0, 52, (i % 8) + 1))
      if (!ws) return
      ws.on('message', () => {})
      if (i % 4 !== 0)
        ws.send(`CONNECT\naccept-version:1.0,1.1,1.2\nhost:room\nlogin:Fuzz ${i}\n\n\0SUBSCRIBE\nid:0\ndestination:/topic/room\n\n\0`)
      for (const parts of batch) {
        if (ws.readyState !== WebSocket.OPEN) break
        remember('STOMP', Buffer.concat(parts))
        for (const p of parts) if (ws.readyState === WebSocket.OPEN) ws.send(p)
        count('STOMP over WebSocket')
      }
      await finish(ws)
    })
    assertAlive('STOMP fuzzing')
  })

  it('RSocket: generated frames on /rsocket, after a SETUP and a joined room.stream or instead of them', async () => {
    const inputs = sample(rsocketMessage, RUNS.rsocketWs, 7)
    const url = host.url.replace(/\/ws$/, '/rsocket')
    const setup = serializeFrame(setupFrame())
    await pool(chunk(inputs, 20), 8, async (batch, i) => {
      const ws = await openWs(url, 'rsocket', loop(0, 55, (i % 8) + 1))
      if (!ws) return
      ws.on('message', () => {})
      if (i % 4 !== 0) {
        ws.send(setup)
        ws.send(
          serializeFrame({
            type: FrameTypes.REQUEST_STREAM,
            streamId: 1,
            flags: Flags.METADATA,
            requestN: 100,
            data: Buffer.from(JSON.stringify({ name: `Fuzz ${i}`, client: `rs-fuzz-${i}` })),
            metadata: encodeRoute('room.stream'),
          } as Frame),
        )
      }
      for (const m of batch) {
        if (ws.readyState !== WebSocket.OPEN) break
        remember('RSocket', m)
        ws.send(m)
        count('RSocket over WebSocket')
      }
      await finish(ws)
    })
    assertAlive('RSocket fuzzing')
    // and an rsocket-js member still joins, sends and is acknowledged
    const rs = await connectRSocket(url)
    const s = new RoomStream(rs, { name: 'After RSocket fuzz', client: 'rs-after' }, 100)
    const ack = await rsRequest(rs, 'room.send', { id: 'after-1', text: 'still here' })
    assert.equal(ack.id, 'after-1')
    assert.ok(s.welcome, 'welcomed first')
    rs.close()
  })

  it('HTTP fall-backs: every route with generated methods, queries, headers and bodies', async () => {
    const from = loop(0, 53, 1)
    const tokens: string[] = []
    for (let i = 0; i < 4; i++) {
      const r = await httpRequest(host.port, 'POST', '/api/join', {
        body: JSON.stringify({ type: 'hello', protocol: 1, name: `Http ${i}`, client: `http-fuzz-${i}` }),
        localAddress: from,
      })
      if (r.status === 200) tokens.push((JSON.parse(r.body) as { member: string }).member)
    }
    const agent = new Agent({ keepAlive: true, maxSockets: 8 })
    const inputs = sample(httpRequestInput, RUNS.http, 5)
    await pool(inputs, 8, async (input, i) => {
      const q = new URLSearchParams(
        input.query.map(([k, v]) => [k, k === 'member' && tokens.length > 0 && i % 3 === 0 ? tokens[i % tokens.length]! : v]),
      )
      const path = `${input.path}${input.query.length ? `?${q}` : ''}`
      remember('HTTP', { ...input, path })
      const headers: Record<string, string> = { Host: `127.0.0.1:${host.port}` }
      if (input.contentType) headers['Content-Type'] = input.contentType
      if (input.lastEventId !== undefined) headers['Last-Event-ID'] = input.lastEventId
      const body = input.method === 'GET' || input.method === 'HEAD' ? undefined : input.body
      await new Promise<void>((resolve) => {
        const req = request(
          { host: '127.0.0.1', port: host.port, method: input.method, path, headers, agent, localAddress: from },
          (res) => {
            res.resume()
            res.on('end', resolve)
            // streams and long polls stay open: enough once they have answered
            setTimeout(() => req.destroy(), 50)
          },
        )
        req.on('error', () => resolve())
        req.on('close', () => resolve())
        req.setTimeout(2000, () => req.destroy())
        req.end(body)
      })
      count('HTTP requests')
    })
    agent.destroy()
    assertAlive('HTTP fuzzing')
  })

  it('HTTP request lines and headers written by hand: invalid targets, versions, header lines, upgrades', async () => {
    const inputs = sample(rawHttpRequest(host.port), RUNS.rawHttp, 6)
    await pool(inputs, 16, async (bytes, i) => {
      remember('raw HTTP', bytes)
      await exchange(host.port, [bytes], { localAddress: loop(0, 54, (i % 8) + 1), timeoutMs: 1000 })
      count('raw HTTP requests')
    })
    assertAlive('raw HTTP fuzzing')
  })

  it('afterwards the host is alive and a new member chats normally', async () => {
    assertAlive('the run')
    const room = await httpRequest(host.port, 'GET', '/api/room')
    assert.equal(room.status, 200)
    const probe = await Probe.join(host.url, { name: 'After the storm' })
    probe.start(110)
    await new Promise((r) => setTimeout(r, 1200))
    const report = await probe.stop()
    probe.close()
    assert.ok(report.sent >= 5)
    assert.deepEqual(
      { acked: report.acked, lost: report.lost, duplicated: report.duplicated, errors: report.errors, closed: report.closeCode },
      { acked: report.sent, lost: 0, duplicated: 0, errors: [], closed: undefined },
    )
  })

  it(`in all at least ${MIN_TOTAL.toLocaleString('en')} inputs were sent (a failing property above stops its part early)`, () => {
    const total = Object.values(counts).reduce((a, b) => a + b, 0)
    assert.ok(total >= MIN_TOTAL, `only ${total} inputs`)
  })
})
