// Beacon's real room host (RoomServer): the full beacon.v1 protocol with its SQLite room log.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { RoomServer as CurrentRoomServer } from '../../src/main/server/room-server.ts'
import type { Peer } from '../../src/main/server/room.ts'
import type { Started } from './baselines.ts'

export interface BeaconStarted extends Started {
  seed(count: number): number
}

/** `root`: another checkout of the project whose host to run instead of this one's. */
export async function startBeacon(dataDir?: string, port = 0, root?: string): Promise<BeaconStarted> {
  const RoomServer: typeof CurrentRoomServer = root
    ? ((await import(pathToFileURL(join(root, 'src/main/server/room-server.ts')).href)) as { RoomServer: typeof CurrentRoomServer })
        .RoomServer
    : CurrentRoomServer
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'beacon-bench-'))
  // As shipped, per-address connection cap included: each simulated member connects from a loopback address
  // of its own (bench/worker.ts, addressOf), as members of a LAN do.
  const server = await RoomServer.start({ name: 'bench', hostName: 'bench', dataDir: dir, port, listen: '127.0.0.1' })
  return {
    port: server.port,
    path: '/ws',
    /** Post messages from a member that is not connected (the messages a resuming client missed). */
    seed(count: number): number {
      const peer: Peer = {
        member: { id: 'seeder', name: 'Seeder' },
        clientId: 'bench-seeder',
        transport: { remoteAddress: 'bench', send() {}, sendWelcome() {}, deliver() {}, close() {} },
        close() {},
      }
      const base = server.room.seq
      for (let i = 0; i < count; i++) {
        server.room.post(peer, { type: 'send', id: `seed-${base + i}`, text: `missed message ${base + i} `.padEnd(100, 'x') }, () => true)
      }
      return server.room.seq
    },
    async stop() {
      await server.stop()
      if (dataDir === undefined) rmSync(dir, { recursive: true, force: true })
    },
  }
}
