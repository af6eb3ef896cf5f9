// Helpers for the transports tests: a room host on loopback, bounded waits, a raw SSE reader.
import { mkdtempSync, rmSync } from 'node:fs'
import { request, type ClientRequest, type IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import { Client, type IMessage } from '@stomp/stompjs'
import { WebSocket } from 'ws'
import { RoomServer, type RoomServerOptions } from '../../src/main/server/room-server.ts'
import { RoomClient, type RoomClientOptions, type WebSocketCtor } from '../../src/shared/room-client.ts'
import type { ChatMessage } from '../../src/shared/protocol.ts'

export async function startHost(
  opts: Partial<RoomServerOptions> = {},
): Promise<{ server: RoomServer; base: string; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(joinPath(tmpdir(), 'beacon-transports-'))
  const server = await RoomServer.start({ name: 'Transports', dataDir, listen: '127.0.0.1', port: 0, hostName: 'tester', ...opts })
  return {
    server,
    base: `http://127.0.0.1:${server.port}`,
    stop: async () => {
      await server.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Wait until `pred` holds, checking often; fails after `ms` with `what`. */
export async function until<T>(pred: () => T | undefined | false, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = pred()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export function nodeClient(
  url: string,
  name: string,
  clientId = `node-${name}`,
  password?: string,
  extra: Partial<RoomClientOptions> = {},
): { client: RoomClient; messages: ChatMessage[] } {
  const client = new RoomClient({
    url,
    name,
    clientId,
    WebSocket: WebSocket as unknown as WebSocketCtor,
    ...(password ? { password } : {}),
    ...extra,
  })
  const messages: ChatMessage[] = []
  client.on('history', (h) => {
    if (h.reset) messages.length = 0
    messages.push(...h.messages)
  })
  client.on('message', (m) => messages.push(m))
  client.connect()
  return { client, messages }
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  let json: any
  try {
    json = text ? JSON.parse(text) : undefined
  } catch {
    json = undefined
  }
  return { status: res.status, json, text }
}

export async function join(
  base: string,
  name: string,
  client: string,
  extra: Record<string, unknown> = {},
): Promise<{ member: string; frames: any[] }> {
  const r = await postJson(`${base}/api/join`, { type: 'hello', protocol: 1, name, client, ...extra })
  if (r.status !== 200) throw new Error(`join answered ${r.status}: ${r.text}`)
  return r.json
}

export interface SseEvent {
  id: string | undefined
  data: any
}

/** A raw SSE reader (what EventSource does, visible): events, comments, the retry field, and a way to cut it. */
export class SseReader {
  events: SseEvent[] = []
  comments: string[] = []
  retry: number | undefined
  status: number | undefined
  ended = false
  #req: ClientRequest
  #res: IncomingMessage | undefined
  #buf = ''

  constructor(url: string, headers: Record<string, string> = {}) {
    this.#req = request(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      this.#res = res
      this.status = res.statusCode
      res.setEncoding('utf8')
      res.on('data', (d: string) => this.#feed(d))
      res.on('end', () => (this.ended = true))
      res.on('error', () => (this.ended = true))
    })
    this.#req.on('error', () => (this.ended = true))
    this.#req.end()
  }

  /** Stop reading, but keep the connection: a slow reader. */
  pause(): void {
    this.#res?.pause()
  }

  cut(): void {
    this.#req.destroy()
    this.ended = true
  }

  get messages(): any[] {
    return this.events.map((e) => e.data).filter((f) => f.type === 'message')
  }

  get lastId(): string | undefined {
    return this.events.filter((e) => e.id !== undefined).at(-1)?.id
  }

  #feed(d: string): void {
    this.#buf += d
    let i: number
    while ((i = this.#buf.indexOf('\n\n')) >= 0) {
      const block = this.#buf.slice(0, i)
      this.#buf = this.#buf.slice(i + 2)
      let id: string | undefined
      let data: string | undefined
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim())
        else if (line.startsWith('retry: ')) this.retry = Number(line.slice(7))
        else if (line.startsWith('id: ')) id = line.slice(4)
        else if (line.startsWith('data: ')) data = (data === undefined ? '' : data + '\n') + line.slice(6)
      }
      if (data !== undefined) this.events.push({ id, data: JSON.parse(data) })
    }
  }
}

/** A small EventSource for Node tests (browsers have their own; Playwright tests use those): reconnects with Last-Event-ID. */
export class NodeEventSource {
  static instances: NodeEventSource[] = []
  readyState = 0
  onopen: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  url: string
  #lastId = ''
  #req: ClientRequest | undefined
  #retry = 1000

  constructor(url: string) {
    this.url = url
    NodeEventSource.instances.push(this)
    this.#connect()
  }

  close(): void {
    this.readyState = 2
    this.#req?.destroy()
  }

  /** Cut the connection as a network would; the source reconnects by itself. */
  cut(): void {
    this.#req?.destroy()
  }

  #connect(): void {
    let buf = ''
    const headers: Record<string, string> = { Accept: 'text/event-stream' }
    if (this.#lastId) headers['Last-Event-ID'] = this.#lastId
    const req = request(this.url, { headers }, (res) => {
      if (res.statusCode !== 200) {
        res.resume()
        this.readyState = 2
        this.onerror?.({})
        return
      }
      this.readyState = 1
      this.onopen?.({})
      res.setEncoding('utf8')
      res.on('data', (d: string) => {
        buf += d
        let i: number
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i)
          buf = buf.slice(i + 2)
          let data: string | undefined
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) this.#lastId = line.slice(4)
            else if (line.startsWith('retry: ')) this.#retry = Number(line.slice(7))
            else if (line.startsWith('data: ')) data = line.slice(6)
          }
          if (data !== undefined && this.readyState === 1) this.onmessage?.({ data })
        }
      })
      res.on('end', () => this.#lost())
      res.on('error', () => this.#lost())
    })
    req.on('error', () => this.#lost())
    req.end()
    this.#req = req
  }

  #lost(): void {
    if (this.readyState === 2) return
    this.readyState = 0
    this.onerror?.({})
    setTimeout(() => this.readyState !== 2 && this.#connect(), Math.min(this.#retry, 200))
  }
}

/** A beacon.v1 member on a raw socket: every frame it gets, its file token, and sends that wait for their ack. */
export interface BeaconMember {
  ws: WebSocket
  frames: any[]
  welcome: any
  /** The welcome's file token (docs/PROTOCOL-FILES.md); it stays valid while this socket is open. */
  token: string
  messages(): any[]
  /** Send a frame; with an id, resolves with its ack or error frame. */
  send(frame: Record<string, unknown>): Promise<any>
  close(): void
}

export function beaconMember(
  url: string,
  name: string,
  opts: { client?: string; resume?: { epoch: string; after: number }; localAddress?: string } = {},
): Promise<BeaconMember> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['beacon.v1'], opts.localAddress ? { localAddress: opts.localAddress } : {})
    const frames: any[] = []
    const waiting = new Map<string, (f: any) => void>()
    const t = setTimeout(() => (ws.terminate(), reject(new Error(`${name}: no welcome in time`))), 10_000)
    ws.on('open', () =>
      ws.send(
        JSON.stringify({
          type: 'hello',
          protocol: 1,
          name,
          client: opts.client ?? `raw-${name}`,
          ...(opts.resume ? { resume: opts.resume } : {}),
        }),
      ),
    )
    ws.on('error', (e) => (clearTimeout(t), reject(e)))
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString())
      frames.push(f)
      if ((f.type === 'ack' || f.type === 'error') && f.id !== undefined) waiting.get(f.id)?.(f)
      if (f.type !== 'welcome') return
      clearTimeout(t)
      resolve({
        ws,
        frames,
        welcome: f,
        token: f.files?.token ?? '',
        messages: () => [...(f.history ?? []), ...frames.filter((x) => x.type === 'message')],
        send: (frame) =>
          new Promise((done) => {
            if (typeof frame.id === 'string') waiting.set(frame.id, done)
            ws.send(JSON.stringify({ type: 'send', ...frame }))
            if (typeof frame.id !== 'string') done(undefined)
          }),
        close: () => ws.terminate(),
      })
    })
  })
}

/** A STOMP member (stompjs, no heart-beats, no reconnect) connected and subscribed to the room; `got` fills as MESSAGEs come. */
export async function stompMember(url: string, login: string): Promise<{ client: Client; got: IMessage[] }> {
  const got: IMessage[] = []
  const client = new Client({ brokerURL: url, connectHeaders: { login }, reconnectDelay: 0, heartbeatIncoming: 0, heartbeatOutgoing: 0 })
  await new Promise<void>((resolve) => {
    client.onConnect = () => resolve()
    client.activate()
  })
  client.subscribe('/topic/room', (m) => got.push(m))
  return { client, got }
}
