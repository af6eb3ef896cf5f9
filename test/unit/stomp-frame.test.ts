import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { header, serializeFrame, StompParser, type ParseEvent, type StompFrame } from '../../src/main/server/transports/stomp-frame.ts'

const opts = { maxFrameBytes: 1024, maxHeaders: 8 }
const frames = (evs: ParseEvent[]) => evs.filter((e) => e.kind === 'frame').map((e) => (e as { frame: StompFrame }).frame)
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8')

describe('StompParser', () => {
  it('parses a frame with headers and a NUL-terminated body', () => {
    const p = new StompParser(opts)
    const [f] = frames(p.push(Buffer.from('SEND\ndestination:/topic/room\n\nhello\0')))
    assert.equal(f!.command, 'SEND')
    assert.equal(header(f!, 'destination'), '/topic/room')
    assert.equal(text(f!.body), 'hello')
  })

  it('reassembles a frame split across many chunks, byte by byte', () => {
    const p = new StompParser(opts)
    const bytes = Buffer.from('SEND\r\ndestination:/topic/room\r\n\r\nhé\0')
    const out: ParseEvent[] = []
    for (const b of bytes) out.push(...p.push(Buffer.from([b])))
    const [f] = frames(out)
    assert.equal(text(f!.body), 'hé')
    assert.equal(header(f!, 'destination'), '/topic/room')
  })

  it('reads several frames and heart-beats batched in one chunk', () => {
    const p = new StompParser(opts)
    const evs = p.push(Buffer.from('\n\r\nSEND\ndestination:a\n\none\0\nSEND\ndestination:b\n\ntwo\0'))
    assert.equal(evs.filter((e) => e.kind === 'heartbeat').length, 3)
    assert.deepEqual(
      frames(evs).map((f) => text(f.body)),
      ['one', 'two'],
    )
  })

  it('reads a content-length body that contains NUL', () => {
    const p = new StompParser(opts)
    const [f] = frames(p.push(Buffer.from('SEND\ncontent-length:5\n\na\0b\0c\0')))
    assert.deepEqual([...f!.body], [0x61, 0, 0x62, 0, 0x63])
  })

  it('refuses a content-length body not followed by NUL', () => {
    const p = new StompParser(opts)
    const [e] = p.push(Buffer.from('SEND\ncontent-length:2\n\nabc\0'))
    assert.equal(e!.kind, 'error')
  })

  it('unescapes 1.2 headers but not CONNECT headers', () => {
    const p = new StompParser(opts)
    const [c, s] = frames(p.push(Buffer.from('CONNECT\nlogin:a\\cb\n\n\0SEND\nx:a\\cb\\nc\\\\d\\re\n\n\0')))
    assert.equal(header(c!, 'login'), 'a\\cb')
    assert.equal(header(s!, 'x'), 'a:b\nc\\d\re')
  })

  it('treats \\r as undefined in 1.1 and refuses undefined escapes', () => {
    const p = new StompParser(opts)
    p.version = '1.1'
    const [e] = p.push(Buffer.from('SEND\nx:a\\rb\n\n\0'))
    assert.equal(e!.kind, 'error')
    const q = new StompParser(opts)
    assert.equal(q.push(Buffer.from('SEND\nx:a\\tb\n\n\0'))[0]!.kind, 'error')
  })

  it('keeps repeated headers in order, the first one counting', () => {
    const p = new StompParser(opts)
    const [f] = frames(p.push(Buffer.from('SEND\nfoo:1\nfoo:2\n\n\0')))
    assert.equal(header(f!, 'foo'), '1')
    assert.equal(f!.headers.length, 2)
  })

  it('refuses an oversized frame, a bad header line, a bad command and too many headers', () => {
    assert.equal(new StompParser(opts).push(Buffer.alloc(2000, 0x41)).at(-1)!.kind, 'error')
    assert.equal(new StompParser(opts).push(Buffer.from('SEND\nnocolon\n\n\0'))[0]!.kind, 'error')
    assert.equal(new StompParser(opts).push(Buffer.from('send\n\n\0'))[0]!.kind, 'error')
    assert.equal(new StompParser(opts).push(Buffer.from(`SEND\n${'a:b\n'.repeat(20)}\n\0`))[0]!.kind, 'error')
    assert.equal(new StompParser(opts).push(Buffer.from('SEND\ncontent-length:99999\n\n'))[0]!.kind, 'error')
  })

  it('a STOMP frame sent one byte per message is parsed in linear work', () => {
    // The largest frame the gateway takes, without content-length: the parser must look for its header end
    // and its NUL. Re-scanning from the start on every byte would examine ~n²/2 bytes.
    const max = 64 * 1024
    const head = Buffer.from('SEND\ndestination:/topic/room\nreceipt:r\n\n')
    const frame = Buffer.concat([head, Buffer.alloc(max - head.length - 1, 0x61), Buffer.from([0])])
    const p = new StompParser({ maxFrameBytes: max, maxHeaders: 8 })
    const got: ParseEvent[] = []
    for (let i = 0; i < frame.length; i++) got.push(...p.push(frame.subarray(i, i + 1)))
    assert.equal(frames(got).length, 1)
    assert.equal(frames(got)[0]!.body.length, max - head.length - 1)
    assert.ok(p.bytesScanned <= 2 * frame.length, `scanned ${p.bytesScanned} bytes for a ${frame.length}-byte frame`)
    // The same holds for frames with many header lines.
    const q = new StompParser({ maxFrameBytes: max, maxHeaders: 64 })
    const many = Buffer.from(`SEND\n${'h:v\n'.repeat(60)}\nbody\0`)
    for (let i = 0; i < many.length; i++) q.push(many.subarray(i, i + 1))
    assert.ok(q.bytesScanned <= 2 * many.length)
  })

  it('says nothing more after an error', () => {
    const p = new StompParser(opts)
    p.push(Buffer.from('bad\n\n\0'))
    assert.deepEqual(p.push(Buffer.from('SEND\n\n\0')), [])
  })
})

describe('serializeFrame', () => {
  it('escapes header values per 1.2 and adds content-length to a body', () => {
    const b = serializeFrame('MESSAGE', [['sender', 'a:b\nc\\d\re']], 'hi')
    assert.equal(b.toString(), 'MESSAGE\nsender:a\\cb\\nc\\\\d\\re\ncontent-length:2\n\nhi\0')
  })

  it('does not escape CONNECTED, and 1.0 cannot escape at all', () => {
    assert.equal(
      serializeFrame('CONNECTED', [
        ['version', '1.2'],
        ['server', 'x:y'],
      ]).toString(),
      'CONNECTED\nversion:1.2\nserver:x:y\n\n\0',
    )
    assert.equal(serializeFrame('RECEIPT', [['receipt-id', 'a\nb']], '', '1.0').toString(), 'RECEIPT\nreceipt-id:a b\n\n\0')
  })

  it('names and values with newlines or NUL cannot forge headers, escaped or raw', () => {
    const evil = 'Eve\nforged:yes\0\r\n'
    for (const escaping of ['1.2', '1.1', '1.0', 'raw'] as const) {
      const p = new StompParser(opts)
      p.version = escaping === 'raw' ? '1.0' : escaping
      const evs = p.push(
        serializeFrame(
          'ERROR',
          [
            ['message', evil],
            [`x${evil}`, 'v'],
          ],
          'body',
          escaping,
        ),
      )
      const [f] = frames(evs)
      assert.equal(evs.length, 1, escaping)
      assert.equal(header(f!, 'forged'), undefined, escaping)
      assert.equal(f!.headers.length, 3, escaping) // message, the odd name, content-length
      assert.equal(Buffer.from(f!.body).toString(), 'body')
    }
    assert.equal(serializeFrame('CONNECTED', [['server', 'a\nb:c\0']]).toString(), 'CONNECTED\nserver:a b:c \n\n\0')
  })

  it('round-trips through the parser, NUL in the body included', () => {
    const p = new StompParser(opts)
    const [f] = frames(p.push(serializeFrame('MESSAGE', [['k:ey', 'v\nal']], Buffer.from([1, 0, 2]))))
    assert.equal(header(f!, 'k:ey'), 'v\nal')
    assert.deepEqual([...f!.body], [1, 0, 2])
  })
})
