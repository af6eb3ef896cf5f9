// A file name from a peer, made safe to create in the user's Downloads folder on any platform, and a unique
// name there. The peer's name was already cleaned for display (cleanFileName: one line, no invisible
// characters, no path separators); disks add their own rules: Windows forbids some characters, reserved
// device names and trailing dots or spaces, and most file systems cap a name at 255 bytes.
import { open, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { cleanFileName, utf8Length } from '../../shared/text.ts'

/** A saved name's UTF-8 size at most, leaving room for " (999)" and ".part" under the usual 255-byte cap. */
export const MAX_SAVE_NAME_BYTES = 200
/** Used when nothing of the peer's name survives cleaning. */
export const FALLBACK_NAME = 'file'
/** "name (2).ext" … up to this number before giving up (a folder with that many copies is someone's problem). */
const MAX_NUMBER = 9999
/** Longer "extensions" are part of the name (so truncation keeps a real extension, not half the name). */
const MAX_EXT_BYTES = 32

/** Characters Windows refuses in a name (separators are gone already, but stay here for safety). */
const FORBIDDEN = /[<>:"|?*/\\]/g
/** Device names Windows opens instead of a file, whatever extension follows (COM¹ etc. too). */
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i

/** The name a peer's file is saved under (before making it unique). */
export function saveName(raw: string): string {
  let name = cleanFileName(raw).replace(FORBIDDEN, '_')
  // No hidden files and no "..": leading dots go; Windows drops trailing dots and spaces, so they go too.
  name = name.replace(/^[.\s]+/u, '').replace(/[.\s]+$/u, '')
  if (!name) return FALLBACK_NAME
  const { base, ext } = split(name)
  const device = base.split('.')[0]!.trimEnd()
  return fit(RESERVED.test(device) ? `_${base}` : base, ext, '')
}

/** `name` numbered for the n-th copy: "plan (2).png"; still within MAX_SAVE_NAME_BYTES. */
export function numbered(name: string, n: number): string {
  if (n <= 1) return name
  const { base, ext } = split(name)
  return fit(base, ext, ` (${n})`)
}

/** base + suffix + ext within the byte cap: the base is cut (never inside a character), the extension kept. */
function fit(base: string, ext: string, suffix: string): string {
  const room = MAX_SAVE_NAME_BYTES - utf8Length(suffix) - utf8Length(ext)
  let cut = base
  if (utf8Length(cut) > room) {
    let bytes = 0
    let end = 0
    for (const ch of base) {
      const n = utf8Length(ch)
      if (bytes + n > room) break
      bytes += n
      end += ch.length
    }
    cut = base.slice(0, end).replace(/[.\s]+$/u, '')
  }
  return `${cut || FALLBACK_NAME}${suffix}${ext}`
}

function split(name: string): { base: string; ext: string } {
  const dot = name.lastIndexOf('.')
  if (dot <= 0) return { base: name, ext: '' }
  const ext = name.slice(dot)
  if (utf8Length(ext) > MAX_EXT_BYTES || /\s/u.test(ext)) return { base: name, ext: '' }
  return { base: name.slice(0, dot), ext }
}

/** The suffix of a file still being written. */
export const PART_SUFFIX = '.part'

export interface Reserved {
  /** The final name in `dir` (an empty placeholder holds it until the download is renamed over it). */
  name: string
  /** `<name>.part`, created and open for writing. */
  part: FileHandle
}

/**
 * Claim a unique name in `dir`: the first of "name", "name (2)", … for which both the name and its `.part` can be
 * created. Each is created with `wx` (fails if it exists), so two downloads, or another program, never get the
 * same name, and nothing existing is overwritten. The empty placeholder keeps the name taken while the `.part`
 * fills (as Firefox does); the finished `.part` is renamed over it.
 */
export async function reserveName(dir: string, name: string): Promise<Reserved> {
  for (let n = 1; n <= MAX_NUMBER; n++) {
    const candidate = numbered(name, n)
    const path = join(dir, candidate)
    if (!(await createNew(path))) continue
    try {
      return { name: candidate, part: await open(path + PART_SUFFIX, 'wx') }
    } catch (e) {
      await unlink(path).catch(() => {})
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
  }
  throw new Error(`no free name for ${name} in ${dir}`)
}

async function createNew(path: string): Promise<boolean> {
  try {
    await (await open(path, 'wx')).close()
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw e
  }
}
