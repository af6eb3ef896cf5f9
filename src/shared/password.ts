// Room passwords as PROTOCOL.md defines them: key = PBKDF2-HMAC-SHA256(password, salt, iterations),
// proof = HMAC-SHA256(key, nonce). Web Crypto only, so the host, Node clients and browsers share it.
import { fromBase64, platform, toBase64 } from './platform.ts'

const enc = () => new platform.TextEncoder()

export async function deriveKey(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const subtle = platform.crypto.subtle
  const base = await subtle.importKey('raw', enc().encode(password), 'PBKDF2', false, ['deriveBits'])
  const bits = await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, base, 256)
  return new Uint8Array(bits)
}

export async function proofFor(key: Uint8Array, nonceB64: string): Promise<string> {
  const subtle = platform.crypto.subtle
  const hmac = await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return toBase64(new Uint8Array(await subtle.sign('HMAC', hmac, fromBase64(nonceB64))))
}

/** What a client computes from a `challenge`. */
export async function answerChallenge(password: string, ch: { nonce: string; salt: string; iterations: number }): Promise<string> {
  return proofFor(await deriveKey(password, fromBase64(ch.salt), ch.iterations), ch.nonce)
}
