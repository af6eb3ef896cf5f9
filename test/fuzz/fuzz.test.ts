// Fuzzing: fast-check generates hostile input for every transport — beacon.v1 frames (file-bearing sends too), raw
// WebSocket frames, STOMP frames (whole, split, truncated, invalid UTF-8), RSocket frames (whole, cut, bit-flipped, out
// of order), HTTP requests to every route, tus uploads and downloads on the file routes, and hand-written HTTP
// request lines and headers — and sends it to one `beacon host` process. The parsers take a share in
// process (cheap, and shrunk to a minimal case when a property fails); every transport also gets real
// network input. Afterwards the host must be alive and a new member must chat normally. Prints the count
// per transport and the total (at least 100,000 per run).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request, Agent } from 'node:http'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import WebSocket from 'ws'
import { StompParser } from '../../src/main/server/transports/stomp-frame.ts'
import { STOMP_LIMITS } from '../../src/shared/http-transport.ts'
import { LIMITS } from '../../src/shared/limits.ts'
import { parseClientFrame, type FileRef } from '../../src/shared/protocol.ts'
import { spawnHost, type HostProcess } from '../helpers/host-process.ts'
import { httpRequest } from '../helpers/http-json.ts'
import { Probe } from '../helpers/probe.ts'
import { clientFrame, exchange, upgradeRequest } from '../helpers/raw-net.ts'
import {
  beaconText,
  fileRequest,
  httpRequestInput,
  rawHttpRequest,
  rawWsFrame,
  rsocketMessage,
  stompChunks,
  type FileRequest,
} from './arbitraries.ts'
import { FILES_PATH } from '../../src/shared/files.ts'
import { createUpload, downloadFile, uploadFile } from '../helpers/files.ts'
import { beaconMember, type BeaconMember } from '../integration/transports-lib.ts'
import { listTree, STORED_OR_PARTIAL } from '../abuse/files-lib.ts'
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
  files: 4_000,
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

/** A FileRef that passed the schema is safe to store and show: an address, a cleaned name, a declared raster thumbnail. */
function assertFileRef(file: FileRef): void {
  assert.match(file.fileId, /^[0-9a-f]{64}$/)
  assert.match(file.sha256, /^[0-9a-f]{64}$/)
  assert.ok(file.name.length >= 1 && file.name.length <= LIMITS.maxFileNameChars, 'name length')
  assert.doesNotMatch(file.name, /[/\\\p{Cc}\u202a-\u202e\u2066-\u2069]/u, 'no separators, controls or direction overrides in a name')
  assert.ok(Number.isSafeInteger(file.size) && file.size >= 0, 'size')
  assert.match(file.mime, /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/)
  if (file.thumb !== undefined) assert.match(file.thumb, /^data:image\/(jpeg|png|webp);base64,/)
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

/** A generated request's method and target, with the test's real uploads and stored file filled in. */
function fileTarget(input: FileRequest, own: readonly string[], others: readonly string[], storedId: string): [string, string] {
  const [method, target] = input.route
  const slot = (input.body?.length ?? 0) % 2
  return [
    method,
    target
      .replace('<upload-id>', own[slot]!.split('/').at(-1)!)
      .replace('<other-upload>', others[slot]!)
      .replace('<upload>', own[slot]!)
      .replace('<stored>', `${FILES_PATH}/${storedId}`),
  ]
}

/** What node:http lets a client send in a path (no spaces or controls): anything else percent-encoded. */
function httpSafePath(path: string): string {
  return path.replace(/[^\x21-\x7e]/gu, (c) => [...Buffer.from(c)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''))
}

/** What node:http lets a client send in a header value: tab, printable ASCII and Latin-1; the rest becomes `?`. */
function httpSafeValue(v: string): string {
  return v.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?')
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
  /** The host's data directory is the only entry of this one: anything else appearing here escaped it. */
  const parent = mkdtempSync(join(tmpdir(), 'beacon-fuzz-'))
  let dataEntries: string[] = []

  before(async () => {
    const dataDir = join(parent, 'room')
    mkdirSync(dataDir)
    host = await spawnHost({ name: 'Fuzz', dataDir })
    dataEntries = readdirSync(dataDir)
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
    rmSync(parent, { recursive: true, force: true })
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
          assert.ok(f.text !== undefined || f.file !== undefined, 'a send carries text or a file')
          // characters are code points: 4,000 emoji fit, as the limit's comment says
          if (f.text !== undefined) {
            assert.ok(f.text.length >= 1 && [...f.text].length <= LIMITS.maxTextChars)
            assert.ok(Buffer.byteLength(f.text) <= LIMITS.maxTextBytes)
          }
          if (f.file) assertFileRef(f.file)
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

  it('file routes: generated tus and download requests (methods, offsets, lengths, metadata, Range, path tricks, tokens)', async () => {
    // four members on their own addresses, each with real uploads to aim at, and one stored file
    const members: BeaconMember[] = []
    for (let i = 1; i <= 4; i++) members.push(await beaconMember(host.url, `Files ${i}`, { localAddress: loop(0, 56, i) }))
    /** A fresh upload of `m`'s to aim at (an upload that was finished or deleted is replaced by one). */
    const fresh = async (m: BeaconMember) =>
      (await createUpload(host.port, m.token, randomBytes(1024))).location ?? '/api/files/uploads/none'
    const uploads = await Promise.all(members.map(async (m) => [await fresh(m), await fresh(m)]))
    const stored = await uploadFile(host.port, members[0]!.token, randomBytes(2048), 'stored.png', 'image/png')
    const statuses = new Map<number, number>()
    const agent = new Agent({ keepAlive: true, maxSockets: 8 })
    await pool(sample(fileRequest, RUNS.files, 8), 8, async (input, i) => {
      const who = i % members.length
      const [method, target] = fileTarget(input, uploads[who]!, uploads[(who + 1) % members.length]!, stored.fileId)
      const token = {
        header: members[who]!.token,
        query: members[who]!.token,
        both: members[who]!.token,
        none: undefined,
        junk: `${members[who]!.token.slice(0, -3)}abc`,
        'other-member': members[(who + 1) % members.length]!.token,
      }[input.token]
      const q = new URLSearchParams(input.query)
      if (token !== undefined && input.token !== 'header') q.set('t', token)
      const path = httpSafePath(`${target}${q.size > 0 ? `?${q}` : ''}`)
      const headers: Record<string, string> = { Host: `127.0.0.1:${host.port}` }
      if (token !== undefined && input.token !== 'query') headers.Authorization = `Bearer ${token}`
      const named: [string, string | undefined][] = [
        ['Tus-Resumable', input.tusResumable],
        ['Upload-Length', input.uploadLength],
        ['Upload-Offset', input.uploadOffset],
        ['Upload-Metadata', input.uploadMetadata],
        ['Content-Type', input.contentType],
        ['Range', input.range],
        ['If-Range', input.ifRange],
      ]
      for (const [k, v] of named) if (v !== undefined) headers[k] = httpSafeValue(v)
      if (input.body && !input.chunked) headers['Content-Length'] = String(input.body.length)
      remember('file route', { method, path, headers, body: input.body?.length })
      const status = await new Promise<number>((resolve) => {
        const req = request(
          { host: '127.0.0.1', port: host.port, method, path, headers, agent, localAddress: loop(0, 56, who + 1) },
          (res) => {
            res.resume()
            res.on('end', () => resolve(res.statusCode ?? 0))
            res.on('error', () => resolve(res.statusCode ?? 0))
          },
        )
        req.on('error', () => resolve(0))
        req.setTimeout(3000, () => req.destroy())
        if (input.body) req.write(input.body)
        req.end()
      })
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
      const slot = (input.body?.length ?? 0) % 2
      if (target === uploads[who]![slot] && (status === 404 || status === 460 || (method === 'PATCH' && status === 204)))
        uploads[who]![slot] = await fresh(members[who]!)
      count('file routes (HTTP)')
    })
    agent.destroy()
    members.forEach((m) => m.close())
    assertAlive('file route fuzzing')
    console.log(`file routes: answers by status ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`)
    assert.equal(statuses.get(500) ?? 0, 0, 'no request made the host fail (500)')
    // nothing written outside the room's files/ folder, and inside it only stored files and unfinished uploads
    assert.deepEqual(readdirSync(parent), ['room'], 'nothing appeared beside the data directory')
    const sqlite = /^room\.db(-wal|-shm|-journal)?$/
    const strays = readdirSync(host.dataDir).filter((e) => !dataEntries.includes(e) && !sqlite.test(e))
    assert.deepEqual(strays, [], 'nothing new in the data directory but the room log')
    const odd = listTree(join(host.dataDir, 'files')).filter((f) => !STORED_OR_PARTIAL.test(f.path))
    assert.deepEqual(odd, [], 'files/ holds only stored files and unfinished uploads')
  })

  it('afterwards the host is alive, a new member chats normally and sends a file', async () => {
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
    // and can send a file: upload, message, download
    const member = await beaconMember(host.url, 'Uploader after the storm')
    const bytes = randomBytes(10_000)
    const ref = await uploadFile(host.port, member.token, bytes, 'after.png', 'image/png')
    const ack = await member.send({ id: 'after-file', text: 'still here', file: ref })
    assert.equal(ack.type, 'ack', JSON.stringify(ack))
    const got = await downloadFile(host.port, member.token, ref.fileId)
    assert.equal(got.status, 200)
    assert.deepEqual(got.body, bytes)
    member.close()
  })

  it(`in all at least ${MIN_TOTAL.toLocaleString('en')} inputs were sent (a failing property above stops its part early)`, () => {
    const total = Object.values(counts).reduce((a, b) => a + b, 0)
    assert.ok(total >= MIN_TOTAL, `only ${total} inputs`)
  })
})
