// An rsocket-js (1.0 API) member for the RSocket tests: connects to /rsocket with routing metadata inside
// composite metadata (as Spring's RSocketRequester sends it) and keeps every frame its room.stream delivers.
import { Flags, FrameTypes, RSocketConnector, type Frame, type RSocket } from 'rsocket-core'
import { encodeCompositeMetadata, encodeRoute, WellKnownMimeType } from 'rsocket-composite-metadata'
import { WebsocketClientTransport } from 'rsocket-websocket-client'
import { WebSocket } from 'ws'

export const COMPOSITE = WellKnownMimeType.MESSAGE_RSOCKET_COMPOSITE_METADATA.string
export const ROUTING = WellKnownMimeType.MESSAGE_RSOCKET_ROUTING.string

export function routeMetadata(route: string): Buffer {
  return encodeCompositeMetadata([[WellKnownMimeType.MESSAGE_RSOCKET_ROUTING, encodeRoute(route)]])
}

export async function connectRSocket(url: string, setup: { dataMimeType?: string; metadataMimeType?: string } = {}): Promise<RSocket> {
  const connector = new RSocketConnector({
    setup: {
      keepAlive: 5_000,
      lifetime: 30_000,
      dataMimeType: setup.dataMimeType ?? 'application/json',
      metadataMimeType: setup.metadataMimeType ?? COMPOSITE,
    },
    transport: new WebsocketClientTransport({ url, wsCreator: (u) => new WebSocket(u) as unknown as globalThis.WebSocket }),
  })
  return connector.connect()
}

export function request(rs: RSocket, route: string, data: unknown): Promise<any> {
  return new Promise((resolve, reject) => {
    rs.requestResponse(
      { data: Buffer.from(JSON.stringify(data)), metadata: routeMetadata(route) },
      {
        onNext: (p) => resolve(JSON.parse(p.data!.toString())),
        onError: reject,
        onComplete: () => resolve(undefined),
        onExtension: () => {},
      },
    )
  })
}

export function fireAndForget(rs: RSocket, route: string, data: unknown): void {
  rs.fireAndForget({ data: Buffer.from(JSON.stringify(data)), metadata: routeMetadata(route) }, { onError: () => {}, onComplete: () => {} })
}

/** room.stream with a demand of `initial`; `request(n)` asks for more. */
export class RoomStream {
  frames: any[] = []
  error: Error | undefined
  completed = false
  #handle: { request(n: number): void; cancel(): void }

  constructor(rs: RSocket, hello: Record<string, unknown>, initial: number, onFrame?: (f: any, s: RoomStream) => void) {
    this.#handle = rs.requestStream({ data: Buffer.from(JSON.stringify(hello)), metadata: routeMetadata('room.stream') }, initial, {
      onNext: (p) => {
        const f = JSON.parse(p.data!.toString())
        this.frames.push(f)
        onFrame?.(f, this)
      },
      onError: (e) => (this.error = e),
      onComplete: () => (this.completed = true),
      onExtension: () => {},
    })
  }

  request(n: number): void {
    this.#handle.request(n)
  }

  cancel(): void {
    this.#handle.cancel()
  }

  get messages(): any[] {
    return this.frames.filter((f) => f.type === 'message')
  }

  get welcome(): any {
    return this.frames.find((f) => f.type === 'welcome')
  }
}

/** A raw SETUP frame (JSON data, routing metadata unless told otherwise), for tests that write frames by hand. */
export function setupFrame(dataMimeType = 'application/json', metadataMimeType = ROUTING): Frame {
  return {
    type: FrameTypes.SETUP,
    streamId: 0,
    flags: Flags.METADATA,
    majorVersion: 1,
    minorVersion: 0,
    keepAlive: 5000,
    lifetime: 30000,
    resumeToken: undefined,
    dataMimeType,
    metadataMimeType,
    data: undefined,
    metadata: Buffer.alloc(0),
  } as Frame
}
