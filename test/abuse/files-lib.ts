// What the file-route attacks and fuzzing need besides test/helpers/files.ts: a PATCH head written by hand (to lie
// in it), and a look at what the host keeps in its files/ folder.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { TUS_VERSION } from '../../src/shared/files.ts'

/** The raw bytes of a PATCH head: `Content-Length` as given (the body may say otherwise). */
export function patchHead(port: number, path: string, token: string, offset: number | string, contentLength: number | string): string {
  return (
    `PATCH ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nTus-Resumable: ${TUS_VERSION}\r\n` +
    `Content-Type: application/offset+octet-stream\r\nUpload-Offset: ${offset}\r\nContent-Length: ${contentLength}\r\n\r\n`
  )
}

/** Every file under `dir`, relative to it, with its size. */
export function listTree(dir: string, prefix = ''): { path: string; size: number }[] {
  const out: { path: string; size: number }[] = []
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...listTree(dir, rel))
    else out.push({ path: rel, size: statSync(join(dir, rel)).size })
  }
  return out
}

/** What may live under a room's files/ folder: stored files by address, unfinished uploads by id. */
export const STORED_OR_PARTIAL = /^(?:[0-9a-f]{64}|partial\/[0-9a-f]{32})$/

/** Wait until an asynchronous check holds (an answer from the host), asking again every 50 ms; fails after `ms`. */
export async function eventually(pred: () => Promise<boolean>, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
