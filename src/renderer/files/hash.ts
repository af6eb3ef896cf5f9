// SHA-256 of a file as the host will compute it, read in slices so a 2 GB file never sits in memory.
// @noble/hashes rather than crypto.subtle: subtle is missing on plain-http pages (the browser client on a LAN
// address) and cannot hash a stream anyway.
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'

/** Bytes read per step: large enough to be quick, small enough to keep memory flat and progress smooth. */
const SLICE_BYTES = 4 * 1024 * 1024

export async function sha256OfFile(file: Blob, opts: { onProgress?: (done: number) => void; signal?: AbortSignal } = {}): Promise<string> {
  const hasher = sha256.create()
  for (let at = 0; at < file.size; at += SLICE_BYTES) {
    opts.signal?.throwIfAborted()
    hasher.update(new Uint8Array(await file.slice(at, at + SLICE_BYTES).arrayBuffer()))
    opts.onProgress?.(Math.min(file.size, at + SLICE_BYTES) / Math.max(1, file.size))
  }
  opts.signal?.throwIfAborted()
  return bytesToHex(hasher.digest())
}
