// A load worker: holds many client connections to one server, sends from a few of them at a fixed rate,
// and on every connection records each benchmark message's latency (send time is in the text) and
// checks per-sender counters for gaps and duplicates.
import { io as ioClient, type Socket as IOSocket } from 'socket.io-client'
import { RSocketConnector, type Payload } from 'rsocket-core'
import { encodeCompositeMetadata, encodeRoute, WellKnownMimeType } from 'rsocket-composite-metadata'
import { WebsocketClientTransport } from 'rsocket-websocket-client'
import { WebSocket } from 'ws'
import { Histogram } from './lib/histogram.ts'
import { isBeacon, makeText, now, type WorkerCommand, type WorkerInit, type WorkerReply, type WorkerStats } from './lib/wire.ts'

const reply = (r: WorkerReply): void => void process.send!(r)

interface Conn {
  send(id: string, text: string): void
  close(): void
}

let init: WorkerInit
const latency = new Histogram()
let received = 0
let sent = 0
let sentMeasured = 0
let gaps = 0
let duplicates = 0
let refused = 0
let resumed = 0
let closedUnexpectedly = 0
let lateSchedule = 0
let measuring = false
let closing = false
const conns: Conn[] = []

/** A benchmark message's text arrived on connection `last` (per-sender counters of that connection). */
function onText(last: Int32Array, text: string): void {
  if (text.charCodeAt(0) !== 98 /* b */) return
  const p = text.split('|')
  const sender = +p[1]!
  const k = +p[2]!
  const prev = last[sender]!
  if (k <= prev) {
    duplicates++
    return
  }
  if (k > prev + 1) gaps += k - prev - 1
  last[sender] = k
  received++
  if (p[4] === '1') latency.add(now() - +p[3]!)
}

/** The text field of a JSON envelope, without parsing the whole frame (no escapes in benchmark texts). */
function textOf(json: string): string {
  const i = json.indexOf('"text":"') + 8
  return json.slice(i, json.indexOf('"', i))
}

/**
 * The loopback address member `i` connects from: one per member, as on a LAN, so the host's per-address
 * connection cap (LIMITS.maxConnectionsPerAddress) applies to each member, not to the whole load.
 */
const addressOf = (i: number): string => `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`

function connectWs(i: number): Promise<Conn> {
  const last = new Int32Array(init.totalSenders).fill(-1)
  const ws = new WebSocket(`ws://127.0.0.1:${init.port}${init.path}?name=m${i}`, { perMessageDeflate: false, localAddress: addressOf(i) })
  ws.on('message', (data) => onText(last, textOf(data.toString())))
  ws.on('close', () => {
    if (!closing) closedUnexpectedly++
  })
  return new Promise((resolve, reject) => {
    ws.once('error', reject)
    ws.once('open', () =>
      resolve({
        send: (id, text) => ws.send(JSON.stringify({ id, text })),
        close: () => ws.close(),
      }),
    )
  })
}

function connectSocketIO(i: number): Promise<Conn> {
  const last = new Int32Array(init.totalSenders).fill(-1)
  const socket: IOSocket = ioClient(`http://127.0.0.1:${init.port}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    query: { name: `m${i}` },
  })
  socket.on('message', (m: { text: string }) => onText(last, m.text))
  socket.on('disconnect', () => {
    if (!closing) closedUnexpectedly++
  })
  return new Promise((resolve, reject) => {
    socket.once('connect_error', reject)
    socket.once('connect', () =>
      resolve({
        send: (id, text) => socket.emit('send', { id, text }),
        close: () => socket.close(),
      }),
    )
  })
}

/**
 * A beacon.v1 member as a real client behaves: hello, sends with ids, acks; when the host closes it as too
 * slow (1013) it resumes from the last seq it saw and retransmits what was not acknowledged.
 */
function connectBeacon(i: number): Promise<Conn> {
  const last = new Int32Array(init.totalSenders).fill(-1)
  const client = `${init.tag}-${i}`
  const unacked = new Map<string, string>()
  let epoch = ''
  let lastSeq = 0
  let ws: WebSocket
  let first = true
  return new Promise((resolve, reject) => {
    const conn: Conn = {
      send(id, text) {
        unacked.set(id, text)
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'send', id, text }))
      },
      close: () => ws.close(),
    }
    const open = (): void => {
      ws = new WebSocket(`ws://127.0.0.1:${init.port}${init.path}`, 'beacon.v1', { perMessageDeflate: false, localAddress: addressOf(i) })
      ws.on('open', () =>
        ws.send(
          JSON.stringify({ type: 'hello', protocol: 1, name: `m${i}`, client, ...(epoch ? { resume: { epoch, after: lastSeq } } : {}) }),
        ),
      )
      ws.on('message', (data) => {
        const s = data.toString()
        if (s.startsWith('{"type":"message"')) {
          lastSeq = +s.slice(24, s.indexOf(',', 24))
          return onText(last, textOf(s))
        }
        const f = JSON.parse(s) as {
          type: string
          id?: string
          seq: number
          code?: string
          room?: { epoch: string }
          history?: { seq: number; text: string }[]
          resumed?: boolean
        }
        if (f.type === 'ack') unacked.delete(f.id!)
        else if (f.type === 'welcome') {
          if (f.resumed) for (const m of f.history!) onText(last, m.text)
          lastSeq = f.seq
          epoch = f.room!.epoch
          if (first) {
            first = false
            resolve(conn)
          } else for (const [id, text] of unacked) ws.send(JSON.stringify({ type: 'send', id, text }))
        } else if (f.type === 'error' && f.id !== undefined) {
          refused++
          const id = f.id
          setTimeout(() => {
            const text = unacked.get(id)
            if (text !== undefined && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'send', id, text }))
          }, 100)
        }
      })
      ws.on('error', (e) => {
        if (first) reject(e)
      })
      ws.on('close', (code) => {
        if (closing || first) return
        if (code === 1013) {
          resumed++
          setTimeout(open, 50)
        } else closedUnexpectedly++
      })
    }
    open()
  })
}

const ROUTES = new Map(
  ['room.stream', 'room.send'].map((r) => [r, encodeCompositeMetadata([[WellKnownMimeType.MESSAGE_RSOCKET_ROUTING, encodeRoute(r)]])]),
)
/** RSocket demand: this many at first, and as many again each time half of it has arrived. */
const RSOCKET_WINDOW = 256

/**
 * A Beacon member over RSocket (rsocket-js): room.stream with request(n) flow control, sends by room.send
 * (request-response, answered by the ack). No resume: a member the host closes counts as closed unexpectedly.
 */
async function connectRSocket(i: number): Promise<Conn> {
  const last = new Int32Array(init.totalSenders).fill(-1)
  const rsocket = await new RSocketConnector({
    setup: {
      keepAlive: 20_000,
      lifetime: 90_000,
      dataMimeType: 'application/json',
      metadataMimeType: WellKnownMimeType.MESSAGE_RSOCKET_COMPOSITE_METADATA.string,
    },
    transport: new WebsocketClientTransport({
      url: `ws://127.0.0.1:${init.port}${init.path}`,
      wsCreator: (url) => new WebSocket(url, { perMessageDeflate: false, localAddress: addressOf(i) }) as unknown as globalThis.WebSocket,
    }),
  }).connect()
  const json = (data: unknown, route: string): Payload => ({ data: Buffer.from(JSON.stringify(data)), metadata: ROUTES.get(route)! })
  return new Promise((resolve, reject) => {
    let joined = false
    let unasked = 0
    const stream = rsocket.requestStream(json({ name: `m${i}`, client: `${init.tag}-${i}` }, 'room.stream'), RSOCKET_WINDOW, {
      onNext: (p) => {
        const s = p.data!.toString()
        if (++unasked >= RSOCKET_WINDOW / 2) {
          stream.request(unasked)
          unasked = 0
        }
        if (s.startsWith('{"type":"message"')) return onText(last, textOf(s))
        if (!joined && s.startsWith('{"type":"welcome"')) {
          joined = true
          resolve({
            send: (id, text) =>
              rsocket.requestResponse(json({ id, text }, 'room.send'), {
                onNext: () => {},
                onError: () => refused++,
                onComplete: () => {},
                onExtension: () => {},
              }),
            close: () => rsocket.close(),
          })
        }
      },
      onError: (e) => {
        if (!joined) reject(e)
        else if (!closing) closedUnexpectedly++
      },
      onComplete: () => {},
      onExtension: () => {},
    })
  })
}

async function connectAll(): Promise<void> {
  const connect =
    init.kind === 'rsocket' ? connectRSocket : isBeacon(init.kind) ? connectBeacon : init.kind === 'socketio' ? connectSocketIO : connectWs
  const started = performance.now()
  const BATCH = 50
  for (let i = 0; i < init.conns; i += BATCH) {
    const wave = []
    for (let j = i; j < Math.min(init.conns, i + BATCH); j++) wave.push(connect(j))
    conns.push(...(await Promise.all(wave)))
  }
  reply({ ev: 'ready', connectMs: performance.now() - started })
}

let timer: NodeJS.Timeout | undefined
function startSending(): void {
  const n = init.senders
  if (n === 0) return
  const rate = init.perSenderRate * n
  const counters = new Array<number>(n).fill(0)
  const t0 = performance.now()
  let due = 0
  let next = 0
  timer = setInterval(() => {
    const target = Math.floor(((performance.now() - t0) / 1000) * rate)
    let todo = target - due
    // The generator fell behind (its process is starved): catch up at most 20 ms of schedule at once,
    // round-robin so no sender bursts past the host's rate limit; the rest is skipped and reported, and
    // shows as a lower achieved send rate.
    const burst = Math.max(1, Math.ceil(rate * 0.02))
    if (todo > burst) {
      lateSchedule += todo - burst
      todo = burst
    }
    due = target
    for (let j = 0; j < todo; j++) {
      const s = next
      next = (next + 1) % n
      const k = counters[s]!++
      const g = init.senderBase + s
      conns[s]!.send(`${g}-${k}`, makeText(g, k, now(), measuring))
      sent++
      if (measuring) sentMeasured++
    }
  }, 5)
}

function stats(): WorkerStats {
  const c = process.cpuUsage()
  return { received, sent, sentMeasured, cpuUs: c.user + c.system }
}

process.on('message', async (m: WorkerCommand) => {
  try {
    switch (m.cmd) {
      case 'init':
        init = m.init
        await connectAll()
        break
      case 'send':
        measuring = m.measure
        startSending()
        break
      case 'phase':
        measuring = m.measure
        break
      case 'stopSending':
        clearInterval(timer)
        reply({ ev: 'stats', stats: stats() })
        break
      case 'stats':
        reply({ ev: 'stats', stats: stats() })
        break
      case 'report':
        reply({
          ev: 'report',
          report: { ...stats(), latency: latency.toJSON(), gaps, duplicates, refused, resumed, closedUnexpectedly, lateSchedule },
        })
        break
      case 'close':
        closing = true
        clearInterval(timer)
        for (const c of conns) c.close()
        setTimeout(() => process.exit(0), 300)
        break
    }
  } catch (e) {
    reply({ ev: 'error', message: (e as Error).stack ?? String(e) })
  }
})
process.on('disconnect', () => process.exit(0))
