// The browser client served by the host at `/`, in Debian's Chromium: it asks for a name, joins, chats with
// a Node member, falls back to SSE without WebSocket and to long polling without EventSource, resumes a
// cut SSE stream with Last-Event-ID, keeps its identity and history over a reload, and takes part in one
// room with members on every other transport (Node WebSocket, STOMP) — each message once, same order.
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { type Browser, type Page } from '@playwright/test'
import { chromiumMissing, launchChromium } from '../harness/harness.ts'
import { Client } from '@stomp/stompjs'
import { nodeClient, startHost, until } from '../integration/transports-lib.ts'
import type { BeaconBridge } from '../../src/shared/bridge.ts'
import { ensureWebBuild, WEB_ROOT } from '../helpers/web-page.ts'

const NO_WEBSOCKET = 'delete window.WebSocket'
const NO_EVENTSOURCE = 'delete window.EventSource'

type Host = Awaited<ReturnType<typeof startHost>>
type Snap = {
  messages: { seq: number; text: string; from: { name: string } }[]
  session: { transport?: string; you?: { id: string }; connection: { status: string } }
}

async function snapshot(page: Page): Promise<Snap> {
  return page.evaluate(async () => {
    const r = await (window as unknown as { beacon: BeaconBridge }).beacon.getSnapshot()
    if (!r.ok) throw new Error(r.error.message)
    return r.value as unknown as Snap
  })
}

/** A TCP relay in front of the host, so a test can cut the browser's connections as a network would. */
class Relay {
  server: Server
  sockets = new Set<Socket>()
  heads: string[] = []
  port = 0
  constructor(target: number) {
    this.server = createServer((c) => {
      const up = connect(target, '127.0.0.1')
      this.sockets.add(c).add(up)
      c.on('data', (d) => this.heads.push(d.toString('latin1').slice(0, 600)))
      c.pipe(up).pipe(c)
      const gone = () => {
        c.destroy()
        up.destroy()
        this.sockets.delete(c)
        this.sockets.delete(up)
      }
      c.on('error', gone).on('close', gone)
      up.on('error', gone).on('close', gone)
    })
  }
  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()))
    this.port = (this.server.address() as { port: number }).port
  }
  cutAll(): void {
    for (const s of this.sockets) s.destroy()
  }
  async close(): Promise<void> {
    this.cutAll()
    await new Promise((r) => this.server.close(r))
  }
}

describe('browser client', { skip: chromiumMissing() }, () => {
  let host: Host
  let browser: Browser

  before(async () => {
    ensureWebBuild()
    mkdirSync('test-results', { recursive: true })
    host = await startHost({ webRoot: WEB_ROOT })
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await host?.stop()
  })

  async function open(
    name: string,
    opts: { init?: string[]; base?: string; viewport?: { width: number; height: number } } = {},
  ): Promise<Page> {
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 800 } })
    for (const script of opts.init ?? []) await context.addInitScript({ content: script })
    const page = await context.newPage()
    await page.goto(opts.base ?? host.server.webUrl)
    await page.getByLabel('Display name').fill(name, { timeout: 15_000 })
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByRole('textbox', { name: 'Message' }).waitFor({ timeout: 15_000 })
    await waitOpen(page)
    return page
  }

  async function waitOpen(page: Page): Promise<Snap> {
    for (let i = 0; i < 150; i++) {
      const s = await snapshot(page)
      if (s.session.connection.status === 'open' && s.session.transport) return s
      await page.waitForTimeout(100)
    }
    throw new Error('the web client did not connect')
  }

  async function say(page: Page, text: string): Promise<void> {
    const box = page.getByRole('textbox', { name: 'Message' })
    await box.fill(text)
    await box.press('Enter')
  }

  async function waitText(page: Page, text: string): Promise<void> {
    for (let i = 0; i < 150; i++) {
      if ((await snapshot(page)).messages.some((m) => m.text === text)) return
      await page.waitForTimeout(100)
    }
    throw new Error(`${text} never arrived`)
  }

  it('is served at / with a strict Content-Security-Policy', async () => {
    const res = await fetch(host.server.webUrl)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-security-policy') ?? '', /connect-src 'self'/)
    assert.match(await res.text(), /<div id="root">/)
  })

  it('asks for a name, joins over WebSocket and chats with a Node member (desktop and phone screenshots)', async () => {
    const node = nodeClient(host.server.url, 'Nora')
    await until(() => node.client.state.status === 'open', 'Nora open')
    const page = await open('Webby')
    assert.equal((await snapshot(page)).session.transport, 'websocket')
    await say(page, 'hi from the browser')
    await until(() => node.messages.find((m) => m.text === 'hi from the browser'), 'Nora hears Webby')
    node.client.send('hi from node')
    await waitText(page, 'hi from node')
    await page.getByText('hi from node').waitFor({ timeout: 10_000 })
    await page.screenshot({ path: 'test-results/web-desktop.png' })
    await page.setViewportSize({ width: 390, height: 844 })
    await page.getByRole('textbox', { name: 'Message' }).waitFor()
    await page.screenshot({ path: 'test-results/web-phone.png' })
    await page.context().close()
    node.client.close()
  })

  it('without window.WebSocket it falls back to SSE + POST, and without EventSource too to long polling', async () => {
    const node = nodeClient(host.server.url, 'Nick')
    await until(() => node.client.state.status === 'open', 'open')
    const sse = await open('Essie', { init: [NO_WEBSOCKET] })
    assert.equal((await snapshot(sse)).session.transport, 'sse')
    const poll = await open('Polly', { init: [NO_WEBSOCKET, NO_EVENTSOURCE], viewport: { width: 390, height: 844 } })
    assert.equal((await snapshot(poll)).session.transport, 'long-poll')
    await say(sse, 'sse says hi')
    await say(poll, 'poll says hi')
    node.client.send('node says hi')
    for (const p of [sse, poll]) for (const t of ['sse says hi', 'poll says hi', 'node says hi']) await waitText(p, t)
    await until(() => ['sse says hi', 'poll says hi'].every((t) => node.messages.some((m) => m.text === t)), 'Nick hears both')
    await poll.getByText('node says hi').waitFor({ timeout: 10_000 })
    await poll.screenshot({ path: 'test-results/web-phone-long-poll.png' })
    await sse.context().close()
    await poll.context().close()
    node.client.close()
  })

  it('an SSE member whose stream is cut resumes with Last-Event-ID and misses nothing', async () => {
    const relay = new Relay(host.server.port)
    await relay.listen()
    const node = nodeClient(host.server.url, 'Cutter')
    await until(() => node.client.state.status === 'open', 'open')
    const page = await open('Streamy', { init: [NO_WEBSOCKET], base: `http://127.0.0.1:${relay.port}/` })
    assert.equal((await snapshot(page)).session.transport, 'sse')
    for (let i = 0; i < 3; i++) node.client.send(`before ${i}`)
    await waitText(page, 'before 2')
    relay.heads = []
    relay.cutAll()
    for (let i = 0; i < 3; i++) node.client.send(`during ${i}`)
    await waitText(page, 'during 2')
    node.client.send('after')
    await waitText(page, 'after')
    assert.ok(
      relay.heads.some((h) => /^GET \/api\/events\?/.test(h) && /last-event-id: \d+/i.test(h)),
      'EventSource came back with Last-Event-ID',
    )
    const texts = (await snapshot(page)).messages.map((m) => m.text).filter((t) => /^(before|during|after)/.test(t))
    assert.deepEqual(texts, ['before 0', 'before 1', 'before 2', 'during 0', 'during 1', 'during 2', 'after'])
    await page.context().close()
    node.client.close()
    await relay.close()
  })

  it('a reload keeps the member identity and history, without duplicates', async () => {
    const node = nodeClient(host.server.url, 'Rita')
    await until(() => node.client.state.status === 'open', 'open')
    const page = await open('Reloady')
    await say(page, 'before reload')
    node.client.send('node before reload')
    await waitText(page, 'node before reload')
    const first = await snapshot(page)
    await page.reload()
    await page.getByRole('textbox', { name: 'Message' }).waitFor({ timeout: 15_000 }) // no name asked again
    node.client.send('node after reload')
    const again = await (async () => {
      await waitOpen(page)
      await waitText(page, 'node after reload')
      return snapshot(page)
    })()
    assert.equal(again.session.you!.id, first.session.you!.id, 'same member')
    const seqs = again.messages.map((m) => m.seq)
    assert.equal(new Set(seqs).size, seqs.length, 'no duplicates')
    for (const t of ['before reload', 'node before reload', 'node after reload'])
      assert.equal(again.messages.filter((m) => m.text === t).length, 1, t)
    await until(() => node.client.members.filter((m) => m.name === 'Reloady').length === 1, 'one Reloady in the member list')
    await page.context().close()
    node.client.close()
  })

  it('five members on five transports receive every message exactly once, in the same seq order', async () => {
    const node = nodeClient(host.server.url, 'Five-Node')
    await until(() => node.client.state.status === 'open', 'node open')
    const ws = await open('Five-WS')
    const sse = await open('Five-SSE', { init: [NO_WEBSOCKET] })
    const poll = await open('Five-Poll', { init: [NO_WEBSOCKET, NO_EVENTSOURCE] })
    const stompGot: { seq: number; text: string }[] = []
    const stomp = new Client({ brokerURL: host.server.url, connectHeaders: { login: 'Five-STOMP' }, reconnectDelay: 0 })
    const subscribed = new Promise<void>((resolve) => {
      stomp.onConnect = () => {
        stomp.subscribe('/topic/room', (m) => stompGot.push({ seq: Number(m.headers.seq), text: m.body }), { receipt: 'sub' } as Record<
          string,
          string
        >)
        stomp.watchForReceipt('sub', () => resolve())
      }
    })
    stomp.activate()
    await subscribed
    assert.deepEqual(
      [await snapshot(ws), await snapshot(sse), await snapshot(poll)].map((s) => s.session.transport),
      ['websocket', 'sse', 'long-poll'],
    )
    await until(
      () => ['Five-WS', 'Five-SSE', 'Five-Poll', 'Five-STOMP'].every((n) => node.client.members.some((m) => m.name === n)),
      'all five in the member list',
    )

    const texts: string[] = []
    for (let i = 0; i < 3; i++) {
      for (const [who, act] of [
        ['node', () => node.client.send(`5:node:${i}`)],
        ['ws', () => say(ws, `5:ws:${i}`)],
        ['sse', () => say(sse, `5:sse:${i}`)],
        ['poll', () => say(poll, `5:poll:${i}`)],
        ['stomp', () => stomp.publish({ destination: '/topic/room', body: `5:stomp:${i}` })],
      ] as const) {
        texts.push(`5:${who}:${i}`)
        await act()
      }
    }
    const pick = (list: { seq: number; text: string }[]) => list.filter((m) => m.text.startsWith('5:')).map((m) => `${m.seq} ${m.text}`)
    await until(
      () => pick(node.messages).length === texts.length && pick(stompGot).length === texts.length,
      'node and stomp have all',
      30_000,
    )
    for (const p of [ws, sse, poll]) for (const t of texts) await waitText(p, t)
    const lists = [
      pick(node.messages),
      pick((await snapshot(ws)).messages),
      pick((await snapshot(sse)).messages),
      pick((await snapshot(poll)).messages),
      pick(stompGot),
    ]
    for (const l of lists) {
      assert.equal(l.length, texts.length, 'each message exactly once')
      assert.deepEqual(l, lists[0], 'same seq order everywhere')
    }
    assert.deepEqual([...lists[0]!.map((l) => l.split(' ')[1])].sort(), [...texts].sort())
    await stomp.deactivate()
    for (const p of [ws, sse, poll]) await p.context().close()
    node.client.close()
  })
})
