// A raw beacon.v1 client on `ws`: sends exactly the frames a test writes, records every frame it gets.
import type { Socket } from 'node:net'
import WebSocket from 'ws'
import type { ChatMessage, HostFrame } from '../../src/shared/protocol.ts'
import { waitFor } from './wait.ts'

export class RawClient {
  readonly frames: HostFrame[] = []
  closeCode: number | undefined
  ws!: WebSocket

  static async open(url: string, options: WebSocket.ClientOptions = {}, protocols: string[] = ['beacon.v1']): Promise<RawClient> {
    const c = new RawClient()
    c.ws = new WebSocket(url, protocols, options)
    c.ws.on('message', (data, isBinary) => {
      if (!isBinary) c.frames.push(JSON.parse(data.toString()) as HostFrame)
    })
    c.ws.on('close', (code) => (c.closeCode = code))
    await new Promise<void>((resolve, reject) => {
      c.ws.once('open', () => resolve())
      c.ws.once('error', reject)
    })
    return c
  }

  /** Open and say hello; resolves with the welcome (or whatever answered the hello). */
  static async join(url: string, name: string, client: string, resume?: { epoch: string; after: number }): Promise<RawClient> {
    const c = await RawClient.open(url)
    c.send({ type: 'hello', protocol: 1, name, client, ...(resume ? { resume } : {}) })
    await c.until(() => c.frames.some((f) => f.type === 'welcome' || f.type === 'challenge' || f.type === 'error'))
    return c
  }

  get socket(): Socket {
    return (this.ws as unknown as { _socket: Socket })._socket
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  of<T extends HostFrame['type']>(type: T): Extract<HostFrame, { type: T }>[] {
    return this.frames.filter((f): f is Extract<HostFrame, { type: T }> => f.type === type)
  }

  get welcome() {
    return this.of('welcome')[0]
  }

  get messages(): ChatMessage[] {
    return this.of('message')
  }

  until(pred: () => unknown, what = 'condition', ms = 10_000): Promise<void> {
    return waitFor(pred, `${what} (frames: ${this.frames.length}, close: ${this.closeCode})`, ms)
  }

  /** Send a `send` frame and wait for the host's answer naming it: its ack or its refusal. */
  async post(frame: Record<string, unknown>): Promise<{ type: string; seq?: number; code?: string }> {
    this.send({ type: 'send', ...frame })
    const answer = () => this.frames.find((f) => (f.type === 'ack' || f.type === 'error') && (f as { id?: unknown }).id === frame['id'])
    await this.until(answer, `answer to ${String(frame['id'])}`)
    return answer() as { type: string; seq?: number; code?: string }
  }

  closed(ms = 10_000): Promise<number> {
    return this.until(() => this.closeCode !== undefined, 'close', ms).then(() => this.closeCode!)
  }

  close(): void {
    this.ws.terminate()
  }
}
