// Text from peers, made safe to show a person: names lose everything invisible or direction-changing, and
// any peer-supplied string shown in a terminal or a list loses control characters. One set of rules for
// the host (every transport), discovery (mDNS TXT) and the UI.

/** C0/C1 controls, except tab and newline (message text keeps its lines). */
const CONTROLS = /(?![\t\n])\p{Cc}/gu
/** Every control, tab and newline included: for one-line fields (names, TXT values, terminal output). */
const ALL_CONTROLS = /\p{Cc}/gu
/**
 * Format and invisible characters: Unicode's default-ignorables (bidi embeddings, overrides, isolates and marks,
 * zero-width characters, joiners, invisible operators, the BOM, soft hyphen, variation selectors, tag
 * characters, Hangul fillers), line/paragraph separators and the braille blank, which renders as nothing.
 */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Zl}\p{Zp}\u2800]/gu

/** A display name as every transport stores it: NFC, no controls or invisible characters, spaces collapsed. */
export function normalizeName(raw: string): string {
  return raw.normalize('NFC').replace(ALL_CONTROLS, ' ').replace(INVISIBLE, '').replace(/\s+/gu, ' ').trim()
}

/** One line of peer-supplied text for a terminal or a list: no controls, no direction changes. */
export function oneLine(raw: string): string {
  return raw.replace(ALL_CONTROLS, ' ').replace(INVISIBLE, '')
}

/** Message text: controls other than tab and newline removed (NFC, so equal texts compare equal). */
export function cleanMessageText(raw: string): string {
  return raw.normalize('NFC').replace(CONTROLS, '')
}

/** UTF-8 size of a string without allocating it (lone surrogates count as the 3 bytes of U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4
      i++
    } else n += 3
  }
  return n
}

/**
 * A file name as a peer may send it: NFC, one line, no invisible characters, no path separators (a name is never
 * a path anywhere in Beacon). Saving to disk applies the platform's further rules (src/main/files/save-name.ts).
 */
export function cleanFileName(raw: string): string {
  return oneLine(raw.normalize('NFC')).replace(/[/\\]/g, '_').replace(/\s+/gu, ' ').trim()
}
