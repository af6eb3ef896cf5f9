// Hosting a room from the app: start its server (on the port it had last time, so members find it again),
// announce it on the LAN, report its state and member count, and stop it.
import { join } from 'node:path'
import type { DiscoveryPort } from './app-service.ts'
import type { HostingState } from '../shared/bridge.ts'
import { Emitter } from '../shared/emitter.ts'
import { BeaconError } from '../shared/errors.ts'
import { roomDirName } from './room-dir.ts'
import { RoomServer } from './server/room-server.ts'
import type { Settings } from './settings.ts'

export interface HostingOptions {
  userDataDir: string
  settings: Settings
  discovery?: DiscoveryPort
  webRoot?: string
  listen?: string
}

export class Hosting extends Emitter<{ hosting: HostingState; error: { code: 'internal'; message: string } }> {
  #opts: HostingOptions
  #server: RoomServer | undefined
  #advert: { stop(): Promise<void> } | undefined
  #state: HostingState = { status: 'off' }

  constructor(opts: HostingOptions) {
    super()
    this.#opts = opts
  }

  get state(): HostingState {
    return this.#state
  }
  get server(): RoomServer | undefined {
    return this.#server
  }

  async start(req: { name: string; password?: string }, hostName: string): Promise<RoomServer> {
    if (this.#server || this.#state.status !== 'off')
      throw new BeaconError('already_hosting', `You are already hosting "${this.#state.room?.name ?? req.name}"`)
    const dir = roomDirName(req.name)
    this.#set({ status: 'starting', room: { id: '', name: req.name, passwordRequired: req.password !== undefined } })
    let server: RoomServer
    try {
      server = await this.#listen(dir, {
        name: req.name,
        dataDir: join(this.#opts.userDataDir, 'rooms', dir),
        hostName,
        password: req.password,
        webRoot: this.#opts.webRoot,
        listen: this.#opts.listen,
      })
    } catch (e) {
      this.#set({ status: 'off' })
      throw new BeaconError('internal', `Could not open the room: ${(e as Error).message}`)
    }
    this.#server = server
    const room = { id: server.room.id, name: server.room.name, passwordRequired: server.room.secret !== undefined }
    server.room.on('members', (n) => {
      if (this.#server === server) this.#set({ ...this.#state, members: n })
    })
    this.#set({ status: 'on', room, members: server.room.memberCount })
    try {
      this.#advert = this.#opts.discovery?.advertise(server)
    } catch (e) {
      this.emit('error', {
        code: 'internal',
        message: `The room is open but could not be announced on the network: ${(e as Error).message}`,
      })
    }
    return server
  }

  /** Say goodbye on the network, then close the room (members are told it stopped). */
  async stop(): Promise<void> {
    const server = this.#server
    if (!server) return
    this.#server = undefined
    const advert = this.#advert
    this.#advert = undefined
    await advert?.stop().catch(() => {})
    await server.stop('host_stopped').catch(() => {})
    this.#set({ status: 'off' })
  }

  async #listen(key: string, opts: Parameters<typeof RoomServer.start>[0]): Promise<RoomServer> {
    const settings = this.#opts.settings
    const last = settings.portOf(key)
    let server: RoomServer | undefined
    if (last !== undefined) server = await RoomServer.start({ ...opts, port: last }).catch(() => undefined)
    server ??= await RoomServer.start({ ...opts, port: 0 })
    settings.setPort(key, server.port)
    return server
  }

  #set(h: HostingState): void {
    this.#state = h
    this.emit('hosting', h)
  }
}
