// Sizes as people write them on a command line (`2G`, `500M`, `1048576`) and as the host says them back.

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }

/** `2G`, `500M`, `1.5G`, `64k`, `1048576` (binary units; a trailing `B`/`iB` is allowed) → bytes; undefined when not a size. */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text)
  if (!m) return undefined
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2]!.toUpperCase()]!)
  return Number.isSafeInteger(bytes) ? bytes : undefined
}

/** 10737418240 → `10 GiB`, 10522669875 → `9.8 GiB`. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  let v = n
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${i === 0 ? v : Number(v.toFixed(1))} ${units[i]}`
}
