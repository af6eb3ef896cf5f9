// A loopback TCP relay that a test can break like a bad network: `stall` silently drops traffic (one or
// both directions, sockets stay open), `cut` resets every connection and refuses new ones, `restore` heals.
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net'

export class TcpProxy {
  #server: Server
  #target: { host: string; port: number }
  #pairs = new Set<[Socket, Socket]>()
  #drop = { toClient: false, toServer: false }
  #refusing = false
  #bytesToServer = 0

  private constructor(server: Server, target: { host: string; port: number }) {
    this.#server = server
    this.#target = target
    server.on('connection', (client) => this.#accept(client))
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    return new TcpProxy(server, target)
  }

  /** Bytes relayed from clients to the target so far (how much an upload really sent). */
  get bytesToServer(): number {
    return this.#bytesToServer
  }

  get address(): string {
    return `127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  #accept(client: Socket): void {
    if (this.#refusing) return void client.resetAndDestroy()
    const upstream = connect(this.#target.port, this.#target.host)
    const pair: [Socket, Socket] = [client, upstream]
    this.#pairs.add(pair)
    client.on('data', (d) => {
      if (this.#drop.toServer) return
      this.#bytesToServer += d.length
      // Backpressure as a real link has it: what the target has not read stays with the sender.
      if (!upstream.write(d)) {
        client.pause()
        upstream.once('drain', () => client.resume())
      }
    })
    upstream.on('data', (d) => {
      if (!this.#drop.toClient) client.write(d)
    })
    const end = () => {
      this.#pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  }

  /** Drop traffic silently, as a dead Wi-Fi does; the connections stay open. */
  stall(direction: { toClient?: boolean; toServer?: boolean } = { toClient: true, toServer: true }): void {
    this.#drop = { toClient: direction.toClient ?? false, toServer: direction.toServer ?? false }
  }

  /** Reset every connection and refuse new ones until `restore`. */
  cut(): void {
    this.#refusing = true
    for (const [a, b] of this.#pairs) {
      a.resetAndDestroy()
      b.destroy()
    }
    this.#pairs.clear()
  }

  restore(): void {
    this.#refusing = false
    this.#drop = { toClient: false, toServer: false }
  }

  async close(): Promise<void> {
    this.cut()
    await new Promise<void>((r) => this.#server.close(() => r()))
  }
}
