// A RoomClient on `ws` that records what a member would see: the room's messages in order, its outbox.
import WebSocket from 'ws'
import type { ChatMessage } from '../../src/shared/protocol.ts'
import { RoomClient, type RoomClientOptions, type WebSocketCtor } from '../../src/shared/room-client.ts'
import { waitFor } from './wait.ts'

/** ws's WebSocket, recording every instance so a test can cut a connection from under the client. */
export function trackedWebSocket(): { ctor: WebSocketCtor; sockets: WebSocket[]; sent: string[] } {
  const sockets: WebSocket[] = []
  const sent: string[] = []
  class Tracked extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols)
      sockets.push(this)
    }
    override send(data: string): void {
      sent.push(data)
      super.send(data)
    }
  }
  return { ctor: Tracked as unknown as WebSocketCtor, sockets, sent }
}

export class Member {
  readonly client: RoomClient
  readonly sockets: WebSocket[]
  /** Every frame this member's client wrote. */
  readonly sent: string[]
  /** Every message this member has seen, in the order shown. */
  seen: ChatMessage[] = []

  constructor(url: string, name: string, clientId: string, extra: Partial<RoomClientOptions> = {}) {
    const ws = trackedWebSocket()
    this.sockets = ws.sockets
    this.sent = ws.sent
    this.client = new RoomClient({ url, name, clientId, WebSocket: ws.ctor, backoff: { baseMs: 50, maxMs: 400 }, ...extra })
    this.client.on('history', ({ messages, reset }) => (this.seen = reset ? [...messages] : [...this.seen, ...messages]))
    this.client.on('message', (m) => this.seen.push(m))
  }

  static async join(url: string, name: string, clientId: string, extra: Partial<RoomClientOptions> = {}): Promise<Member> {
    const m = new Member(url, name, clientId, extra)
    m.client.connect()
    await m.until(() => m.client.state.status === 'open', 'welcome')
    return m
  }

  /** Cut the connection the way a network does: no close handshake. */
  cut(): void {
    const s = this.sockets.at(-1) as unknown as { _socket: { destroy(): void } }
    s._socket.destroy()
  }

  texts(): string[] {
    return this.seen.map((m) => m.text)
  }

  until(pred: () => unknown, what: string, ms = 10_000): Promise<void> {
    return waitFor(pred, `${what} (state: ${JSON.stringify(this.client.state)}, seen: ${this.seen.length})`, ms)
  }

  leave(): void {
    this.client.close()
  }
}
