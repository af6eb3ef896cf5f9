// The few host-environment globals shared code needs, named once. src/shared compiles without DOM
// or Node types, so everything it takes from the platform is declared here, and nothing else leaks in.
export interface CryptoKeyLike {
  readonly type: string
}
export interface SubtleLike {
  importKey(format: 'raw', key: Uint8Array, algorithm: unknown, extractable: boolean, usages: string[]): Promise<CryptoKeyLike>
  deriveBits(algorithm: unknown, key: CryptoKeyLike, length: number): Promise<ArrayBuffer>
  sign(algorithm: string, key: CryptoKeyLike, data: Uint8Array): Promise<ArrayBuffer>
}
export type TimerHandle = { readonly __timer?: never } | number

interface Platform {
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle | undefined): void
  crypto: { subtle: SubtleLike; getRandomValues<T extends Uint8Array>(a: T): T; randomUUID(): string }
  btoa(s: string): string
  atob(s: string): string
  TextEncoder: new () => { encode(s: string): Uint8Array }
}

export const platform = globalThis as unknown as Platform

export function toBase64(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return platform.btoa(s)
}

export function fromBase64(b64: string): Uint8Array {
  const s = platform.atob(b64)
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}

export function randomId(bytes = 12): string {
  return toBase64(platform.crypto.getRandomValues(new Uint8Array(bytes))).replace(/[+/=]/g, (c) => (c === '+' ? '-' : c === '/' ? '_' : ''))
}
