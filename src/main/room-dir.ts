// A hosted room's data folder name, for the app and `beacon host` alike: a readable slug plus a hash of
// the exact normalised name, so distinct names ("Lunch", "lunch!") never share a log and the same name
// finds its log again after a restart.
import { createHash } from 'node:crypto'
import { normalizeName } from '../shared/text.ts'

export function roomDirName(name: string): string {
  const exact = normalizeName(name)
  const slug =
    exact
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'room'
  return `${slug}-${createHash('sha256').update(exact).digest('hex').slice(0, 8)}`
}
