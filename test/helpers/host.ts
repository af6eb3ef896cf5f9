// A real room host on loopback for tests, in a fresh data directory, always torn down.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { History } from '../../src/main/server/history.ts'
import { RoomServer, type RoomServerOptions } from '../../src/main/server/room-server.ts'
import type { Peer } from '../../src/main/server/room.ts'

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

/**
 * A fresh data directory whose room log already holds messages 1…`count` (from a member who is gone), for
 * tests of scrollback and resume. `text` and `ts` shape each message.
 */
export function roomDirWith(
  count: number,
  { text = (seq: number) => `message ${seq}`, ts = (seq: number) => 1_700_000_000_000 + seq } = {},
): { dir: string; epoch: string } {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-filled-'))
  const h = new History(dir)
  for (let seq = 1; seq <= count; seq++)
    h.append('old-client', { type: 'message', seq, id: `m${seq}`, from: { id: 'old', name: 'Old' }, text: text(seq), ts: ts(seq) })
  const epoch = h.epoch
  h.close()
  return { dir, epoch }
}

/** A member that posts straight into a room the test runs (`server.room.post(bot, …)`), with no connection. */
export function botPeer(name: string): Peer {
  const transport = { remoteAddress: 'bot', send: () => {}, sendWelcome: () => {}, deliver: () => {}, close: () => {} }
  return { member: { id: `bot-${name}`, name }, clientId: `bot-${name}`, transport, close: () => {} }
}
