// Join a Beacon room over RSocket (rsocket-js 1.0), print its messages, send one, and keep reading until Ctrl-C.
//   node_modules/.bin/node examples/rsocket-chat.ts ws://127.0.0.1:4646/rsocket Ann "hello from RSocket" [password]
import { randomUUID } from 'node:crypto'
import { RSocketConnector, type Payload, type RSocket } from 'rsocket-core'
import { encodeCompositeMetadata, encodeRoute, WellKnownMimeType } from 'rsocket-composite-metadata'
import { WebsocketClientTransport } from 'rsocket-websocket-client'
import { WebSocket } from 'ws'
import { answerChallenge } from '../src/shared/password.ts'

const [url = 'ws://127.0.0.1:4646/rsocket', name = 'RSocket example', text = 'hello from RSocket', password] = process.argv.slice(2)

const route = (r: string): Buffer => encodeCompositeMetadata([[WellKnownMimeType.MESSAGE_RSOCKET_ROUTING, encodeRoute(r)]])
const json = (data: unknown, r: string): Payload => ({ data: Buffer.from(JSON.stringify(data)), metadata: route(r) })

function ask(rsocket: RSocket, r: string, data: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    rsocket.requestResponse(json(data, r), {
      onNext: (p) => resolve(JSON.parse(p.data!.toString())),
      onError: reject,
      onComplete: () => resolve({}),
      onExtension: () => {},
    })
  })
}

const rsocket = await new RSocketConnector({
  setup: {
    keepAlive: 10_000,
    lifetime: 60_000,
    dataMimeType: 'application/json',
    metadataMimeType: WellKnownMimeType.MESSAGE_RSOCKET_COMPOSITE_METADATA.string,
  },
  transport: new WebsocketClientTransport({ url, wsCreator: (u) => new WebSocket(u) as unknown as globalThis.WebSocket }),
}).connect()

let sent = false
const stream = rsocket.requestStream(json({ name, client: `example-${randomUUID()}` }, 'room.stream'), 16, {
  onNext: (p) => {
    const frame = JSON.parse(p.data!.toString())
    if (frame.type === 'challenge') {
      if (!password) throw new Error('this room needs a password: pass it as the fourth argument')
      void answerChallenge(password, frame).then((proof) => ask(rsocket, 'room.auth', { proof }))
    } else if (frame.type === 'welcome') {
      console.log(`joined ${frame.room.name} as ${frame.you.name}; ${frame.members.length} here`)
      for (const m of frame.history) console.log(`  [${m.seq}] ${m.from.name}: ${m.text}`)
      if (!sent) {
        sent = true
        ask(rsocket, 'room.send', { id: randomUUID(), text }).then(
          (ack) => console.log(`sent, stored as seq ${String(ack.seq)}`),
          (e: Error) => console.error(`not sent: ${e.message}`),
        )
      }
    } else if (frame.type === 'message') console.log(`[${frame.seq}] ${frame.from.name}: ${frame.text}`)
    else if (frame.type === 'joined' || frame.type === 'left') console.log(`* ${frame.member.name} ${frame.type}`)
    stream.request(1) // flow control: one more for each one read
  },
  onError: (e) => {
    console.error(`stream ended: ${e.message}`)
    process.exit(1)
  },
  onComplete: () => process.exit(0),
  onExtension: () => {},
})

process.once('SIGINT', () => {
  rsocket.close()
  process.exit(0)
})
