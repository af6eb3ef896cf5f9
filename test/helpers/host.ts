// A real room host on loopback for tests, in a fresh data directory, always torn down.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RoomServer, type RoomServerOptions } from '../../src/main/server/room-server.ts'

export interface TestHost {
  server: RoomServer
  url: string
  dataDir: string
  /** Stop the host and keep its data directory (for restart tests). */
  stop(): Promise<void>
  /** Stop the host and remove its data. */
  dispose(): Promise<void>
}

export async function startHost(opts: Partial<RoomServerOptions> = {}): Promise<TestHost> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'beacon-test-'))
  const server = await RoomServer.start({ name: 'Lunch', hostName: 'test host', listen: '127.0.0.1', port: 0, ...opts, dataDir })
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await server.stop()
  }
  return {
    server,
    url: server.url,
    dataDir,
    stop,
    dispose: async () => {
      await stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
