// The host's one error log, on stderr: rate-limited, so a flood of bad requests cannot flood the disk or
// the terminal (what is dropped is counted and said once the window ends).
const WINDOW_MS = 10_000
/** Lines per window; the rest are counted. */
const LINES_PER_WINDOW = 20

let windowStart = 0
let lines = 0
let dropped = 0

export function logError(where: string, error: unknown): void {
  const now = Date.now()
  if (now - windowStart >= WINDOW_MS) {
    if (dropped > 0) process.stderr.write(`beacon host: ${dropped} more errors not shown\n`)
    windowStart = now
    lines = 0
    dropped = 0
  }
  if (++lines > LINES_PER_WINDOW) {
    dropped++
    return
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error)
  process.stderr.write(`beacon host: ${where}: ${detail}\n`)
}
