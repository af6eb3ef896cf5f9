// RoomClient on the transport chooser, in Node: WebSocket first, SSE + POST when it fails, long polling
// when there is no EventSource or the stream fails, and back up to WebSocket when it works again.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { WebSocket } from 'ws'
import type { WebSocketCtor } from '../../src/shared/room-client.ts'
import { TransportChooser, type ChooserOptions } from '../../src/shared/transports/chooser.ts'
import type { EventSourceCtor, FetchLike } from '../../src/shared/transports/http-socket.ts'
import { nodeClient, NodeEventSource, startHost, until } from './transports-lib.ts'

type Host = Awaited<ReturnType<typeof startHost>>
const RealWS = WebSocket as unknown as WebSocketCtor

/** A WebSocket-like stand-in for what a proxy does to the upgrade: it opens or fails, then carries nothing. */
class ProxiedWS {
  readyState = 0
  onopen: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onclose: ((ev: { code: number; reason: string }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  constructor(opens: boolean) {
    setTimeout(() => {
      this.readyState = opens ? 1 : 3
      if (opens) return this.onopen?.({})
      this.onerror?.({})
      this.onclose?.({ code: 1006, reason: '' })
    }, 5)
  }
  send(): void {}
  close(): void {
    this.readyState = 3
  }
}
/** A WebSocket whose upgrade a proxy refuses: it closes (1006) without opening. */
class RefusedWS extends ProxiedWS {
  constructor() {
    super(false)
  }
}
/** A WebSocket that opens but never carries a frame (a proxy that swallows them). */
class SilentWSOpen extends ProxiedWS {
  constructor() {
    super(true)
  }
}

function member(host: Host, name: string, opts: ChooserOptions) {
  const chooser = new TransportChooser({ fetch: fetch as unknown as FetchLike, firstFrameTimeoutMs: 500, ...opts })
  return {
    chooser,
    ...nodeClient(host.server.url, name, `fb-${name}`, undefined, { WebSocket: chooser.WebSocket, backoff: { baseMs: 50, maxMs: 200 } }),
  }
}

describe('RoomClient picks its transport', () => {
  let host: Host
  before(async () => {
    host = await startHost({})
  })
  after(async () => {
    await host.stop()
  })

  async function chats(m: ReturnType<typeof member>, text: string) {
    const ws = nodeClient(host.server.url, `peer-${text}`)
    await until(() => ws.client.state.status === 'open' && m.client.state.status === 'open', 'both open')
    m.client.send(`${text} from fallback`)
    ws.client.send(`${text} from ws`)
    await until(
      () => m.messages.some((x) => x.text === `${text} from ws`) && ws.messages.some((x) => x.text === `${text} from fallback`),
      'both hear each other',
    )
    ws.client.close()
  }

  it('uses WebSocket when it works', async () => {
    const m = member(host, 'Wes', { WebSocket: RealWS, EventSource: NodeEventSource as unknown as EventSourceCtor })
    await chats(m, 'ws')
    assert.equal(m.chooser.current, 'websocket')
    m.client.close()
  })

  it('falls back to SSE + POST when the upgrade fails', async () => {
    const m = member(host, 'Sara', {
      WebSocket: RefusedWS as unknown as WebSocketCtor,
      EventSource: NodeEventSource as unknown as EventSourceCtor,
    })
    await chats(m, 'sse')
    assert.equal(m.chooser.current, 'sse')
    m.client.close()
  })

  it('falls back to SSE when a WebSocket opens but no frame arrives', async () => {
    const m = member(host, 'Quiet', {
      WebSocket: SilentWSOpen as unknown as WebSocketCtor,
      EventSource: NodeEventSource as unknown as EventSourceCtor,
    })
    await chats(m, 'silent')
    assert.equal(m.chooser.current, 'sse')
    m.client.close()
  })

  it('uses long polling without EventSource, and when the SSE stream fails', async () => {
    const a = member(host, 'Polly', { fetch: fetch as unknown as FetchLike })
    await chats(a, 'poll')
    assert.equal(a.chooser.current, 'long-poll')
    a.client.close()
    class BrokenES {
      readyState = 0
      onopen: ((ev: unknown) => void) | null = null
      onmessage: ((ev: { data: unknown }) => void) | null = null
      onerror: ((ev: unknown) => void) | null = null
      constructor() {
        setTimeout(() => {
          this.readyState = 2
          this.onerror?.({})
        }, 5)
      }
      close(): void {}
    }
    const b = member(host, 'Broken', {
      WebSocket: RefusedWS as unknown as WebSocketCtor,
      EventSource: BrokenES as unknown as EventSourceCtor,
    })
    await chats(b, 'broken-sse')
    assert.equal(b.chooser.current, 'long-poll')
    b.client.close()
  })

  it('an SSE member whose stream is cut resumes (Last-Event-ID) and misses nothing, without duplicates', async () => {
    NodeEventSource.instances = []
    const m = member(host, 'Cutty', { EventSource: NodeEventSource as unknown as EventSourceCtor })
    const ws = nodeClient(host.server.url, 'CutPeer')
    await until(() => ws.client.state.status === 'open' && m.client.state.status === 'open', 'open')
    for (let i = 0; i < 5; i++) ws.client.send(`c${i}`)
    await until(() => m.messages.filter((x) => x.text.startsWith('c')).length === 5, 'first five')
    NodeEventSource.instances.at(-1)!.cut()
    for (let i = 5; i < 10; i++) ws.client.send(`c${i}`)
    await until(() => m.messages.filter((x) => x.text.startsWith('c')).length >= 10, 'all ten')
    const seqs = m.messages.map((x) => x.seq)
    assert.equal(new Set(seqs).size, seqs.length)
    assert.deepEqual(
      m.messages.filter((x) => x.text.startsWith('c')).map((x) => x.text),
      Array.from({ length: 10 }, (_, i) => `c${i}`),
    )
    assert.equal(m.chooser.current, 'sse')
    m.client.close()
    ws.client.close()
  })

  it('moves back up to WebSocket once it works, missing nothing', async () => {
    let broken = true
    class FlakyWS {
      constructor(url: string, protocols?: string | string[]) {
        return (broken ? new RefusedWS() : new RealWS(url, protocols)) as unknown as FlakyWS
      }
    }
    const m = member(host, 'Climber', {
      WebSocket: FlakyWS as unknown as WebSocketCtor,
      EventSource: NodeEventSource as unknown as EventSourceCtor,
      upgradeAfterMs: 400,
    })
    await until(() => m.chooser.current === 'sse' && m.client.state.status === 'open', 'on SSE')
    const ws = nodeClient(host.server.url, 'ClimbPeer')
    await until(() => ws.client.state.status === 'open', 'peer open')
    ws.client.send('u0')
    broken = false
    await until(() => m.chooser.current === 'websocket' && m.client.state.status === 'open', 'back on WebSocket')
    ws.client.send('u1')
    await until(() => m.messages.some((x) => x.text === 'u1'), 'u1')
    assert.deepEqual(
      m.messages.filter((x) => x.text.startsWith('u')).map((x) => x.text),
      ['u0', 'u1'],
    )
    m.client.close()
    ws.client.close()
  })
})
