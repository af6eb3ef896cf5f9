// Scrollback and a rename over the HTTP fall-backs: a member whose WebSocket is blocked (SSE + POST, or long
// polling) scrolls back to "Beginning of the room" just as one on WebSocket does.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { RoomSession } from '../../src/shared/room-session.ts'
import { TransportChooser, type ChooserOptions } from '../../src/shared/transports/chooser.ts'
import type { EventSourceCtor, FetchLike } from '../../src/shared/transports/http-socket.ts'
import { roomDirWith, startHost, type TestHost } from '../helpers/host.ts'
import { waitFor } from '../helpers/wait.ts'
import { NodeEventSource } from './transports-lib.ts'

const TRANSPORTS: Array<[string, ChooserOptions]> = [
  ['sse', { fetch: fetch as unknown as FetchLike, EventSource: NodeEventSource as unknown as EventSourceCtor }],
  ['long-poll', { fetch: fetch as unknown as FetchLike }],
]

describe('scrollback over the HTTP fall-backs', () => {
  const hosts: TestHost[] = []
  const sessions: RoomSession[] = []
  after(async () => {
    for (const s of sessions) s.close()
    for (const h of hosts) await h.dispose()
  })

  for (const [transport, deps] of TRANSPORTS) {
    it(`walks back to the beginning over ${transport}`, async () => {
      const h = await startHost({ dataDir: roomDirWith(230).dir })
      hosts.push(h)
      const chooser = new TransportChooser(deps)
      const s = new RoomSession({
        url: h.url,
        name: 'Ann',
        clientId: `ann-${transport}`,
        WebSocket: chooser.WebSocket,
        room: { id: '', name: 'Lunch' },
        transport: () => chooser.current,
        backoff: { baseMs: 50, maxMs: 200 },
      })
      sessions.push(s)
      await s.join({ keepTrying: true })
      assert.equal(s.state.transport, transport)
      await waitFor(() => s.snapshot.messages.length === 100, 'the latest page')
      let state = await s.loadOlder()
      while (!state.start) state = await s.loadOlder()
      const seqs = s.snapshot.messages.map((m) => m.seq)
      assert.deepEqual(
        seqs,
        Array.from({ length: 230 }, (_, i) => i + 1),
        'every message once, in order, from the first',
      )
    })
  }
})
