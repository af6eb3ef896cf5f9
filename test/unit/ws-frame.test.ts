import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as ws from 'ws'
import { encodeTextFrames } from '../../src/main/server/transports/ws-frame.ts'

type ReceiverLike = { on(e: 'message', fn: (data: Buffer, isBinary: boolean) => void): void; write(b: Buffer): void }
// ws's own frame parser (not in its type declarations).
const { Receiver } = ws as unknown as { Receiver: new (o: { isServer: boolean }) => ReceiverLike }

/** Frames as a WebSocket client (ws's own parser) reads them. */
function decode(bytes: Buffer): string[] {
  const out: string[] = []
  const r = new Receiver({ isServer: false })
  r.on('message', (data, isBinary) => {
    assert.equal(isBinary, false)
    out.push(data.toString())
  })
  r.write(bytes)
  return out
}

describe('encodeTextFrames', () => {
  it('frames a batch so a client reads back every message, for all three length encodings and any UTF-8', () => {
    const frames = [
      '',
      'hi',
      'é'.repeat(100),
      'x'.repeat(125),
      'y'.repeat(126),
      '🙂'.repeat(20_000),
      'z'.repeat(65_535),
      'w'.repeat(70_000),
    ]
    assert.deepEqual(decode(encodeTextFrames(frames)), frames)
  })
})
