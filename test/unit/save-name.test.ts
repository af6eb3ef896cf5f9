// Names a peer chooses never become paths, devices, hidden files or over-long names in the Downloads folder.
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { MAX_SAVE_NAME_BYTES, numbered, reserveName, saveName } from '../../src/main/files/save-name.ts'
import { utf8Length } from '../../src/shared/text.ts'

const dirs: string[] = []
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

describe('the name a downloaded file is saved under', () => {
  it('keeps an ordinary name as it is', () => {
    assert.equal(saveName('floor plan.png'), 'floor plan.png')
    assert.equal(saveName('Straße – März.pdf'), 'Straße – März.pdf')
  })

  it('never becomes a path', () => {
    for (const hostile of ['../../x', '..\\..\\x', '/etc/passwd', 'C:\\Windows\\x.dll', 'a/b\\c']) {
      const name = saveName(hostile)
      assert.doesNotMatch(name, /[/\\:]/, hostile)
      assert.ok(!name.startsWith('.'), `${hostile} -> ${name}`)
    }
    assert.equal(saveName('a/b\\c'), 'a_b_c')
    assert.equal(saveName('../../x'), '_.._x')
  })

  it('is not a hidden file', () => {
    assert.equal(saveName('.bashrc'), 'bashrc')
    assert.equal(saveName('...'), 'file')
  })

  it('is never a Windows device name, whatever the extension', () => {
    assert.equal(saveName('CON.txt'), '_CON.txt')
    assert.equal(saveName('nul'), '_nul')
    assert.equal(saveName('com1.tar.gz'), '_com1.tar.gz')
    assert.equal(saveName('LPT9'), '_LPT9')
    assert.equal(saveName('aux .log'), '_aux .log')
    assert.equal(saveName('console.txt'), 'console.txt')
    assert.equal(saveName('com10.txt'), 'com10.txt')
  })

  it('has no trailing dots or spaces and no characters Windows refuses', () => {
    assert.equal(saveName('x. . '), 'x')
    assert.equal(saveName('what?<now>|"*:.txt'), 'what__now_____.txt')
  })

  it('shows its real extension: direction overrides and invisible characters are removed', () => {
    assert.equal(saveName('\u202Etxt.exe'), 'txt.exe')
    assert.equal(saveName('invoice\u202Efdp.exe'), 'invoicefdp.exe')
    assert.equal(saveName('a\u200Bb\u0000c\nd.txt'), 'ab c d.txt')
  })

  it('falls back to "file" when nothing is left', () => {
    for (const empty of ['', '   ', '\u200B\u202E', '\u0000\u0001', '. .']) assert.equal(saveName(empty), 'file')
  })

  it('is at most 200 UTF-8 bytes and keeps the extension', () => {
    const long = saveName(`${'a'.repeat(300)}.jpeg`)
    assert.equal(utf8Length(long), MAX_SAVE_NAME_BYTES)
    assert.ok(long.endsWith('a.jpeg'))
    const wide = saveName(`${'日'.repeat(300)}.txt`)
    assert.ok(utf8Length(wide) <= MAX_SAVE_NAME_BYTES)
    assert.ok(wide.endsWith('日.txt'))
    const emoji = saveName(`${'😀'.repeat(100)}.png`)
    assert.ok(utf8Length(emoji) <= MAX_SAVE_NAME_BYTES)
    assert.equal(Buffer.from(emoji, 'utf8').toString('utf8'), emoji, 'a character is never cut in half')
    assert.equal(saveName('a'.repeat(300)).length, MAX_SAVE_NAME_BYTES)
  })

  it('numbers a copy before the extension, still within the limit', () => {
    assert.equal(numbered('plan.png', 1), 'plan.png')
    assert.equal(numbered('plan.png', 2), 'plan (2).png')
    assert.equal(numbered('README', 3), 'README (3)')
    const long = numbered(saveName(`${'b'.repeat(300)}.txt`), 12)
    assert.equal(utf8Length(long), MAX_SAVE_NAME_BYTES)
    assert.ok(long.endsWith('b (12).txt'))
  })

  it('takes the next free name and never overwrites a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beacon-save-'))
    dirs.push(dir)
    writeFileSync(join(dir, 'plan.png'), 'mine')
    writeFileSync(join(dir, 'plan (3).png.part'), 'someone else is writing this')
    const claims = await Promise.all([reserveName(dir, 'plan.png'), reserveName(dir, 'plan.png'), reserveName(dir, 'plan.png')])
    await Promise.all(claims.map((c) => c.part.close()))
    assert.deepEqual(claims.map((c) => c.name).sort(), ['plan (2).png', 'plan (4).png', 'plan (5).png'])
    assert.deepEqual(readdirSync(dir).sort(), [
      'plan (2).png',
      'plan (2).png.part',
      'plan (3).png.part',
      'plan (4).png',
      'plan (4).png.part',
      'plan (5).png',
      'plan (5).png.part',
      'plan.png',
    ])
  })
})
