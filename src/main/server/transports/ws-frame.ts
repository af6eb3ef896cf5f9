// Unmasked server text frames (RFC 6455 §5.2), many written into one buffer: the broadcast path frames a
// flush's batch once and writes the same bytes to every socket.
export function encodeTextFrames(frames: readonly string[]): Buffer {
  let total = 0
  const sizes = frames.map((f) => {
    const n = Buffer.byteLength(f)
    total += n + headerSize(n)
    return n
  })
  const out = Buffer.allocUnsafe(total)
  let at = 0
  frames.forEach((f, i) => {
    const n = sizes[i]!
    out[at] = 0x81 // FIN + text opcode
    if (n < 126) {
      out[at + 1] = n
      at += 2
    } else if (n < 65536) {
      out[at + 1] = 126
      out.writeUInt16BE(n, at + 2)
      at += 4
    } else {
      out[at + 1] = 127
      out.writeUInt32BE(Math.floor(n / 2 ** 32), at + 2)
      out.writeUInt32BE(n >>> 0, at + 6)
      at += 10
    }
    at += out.write(f, at)
  })
  return out
}

const headerSize = (n: number): number => (n < 126 ? 2 : n < 65536 ? 4 : 10)

/** The header of one unmasked text frame of `length` payload bytes, for a payload written after it. */
export function textFrameHeader(length: number): Buffer {
  const header = Buffer.allocUnsafe(headerSize(length))
  header[0] = 0x81
  if (length < 126) header[1] = length
  else if (length < 65536) {
    header[1] = 126
    header.writeUInt16BE(length, 2)
  } else {
    header[1] = 127
    header.writeUInt32BE(Math.floor(length / 2 ** 32), 2)
    header.writeUInt32BE(length >>> 0, 6)
  }
  return header
}
