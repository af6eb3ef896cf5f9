// Builds `window.beacon` from the contract over any transport: ipcRenderer in the app's preload, a
// Playwright binding in the test harness. No electron import, so both share this code. Every member is a
// plain named function (contextBridge copies the object; nothing else of the transport leaks through).
import {
  BRIDGE_EVENTS,
  BRIDGE_METHODS,
  channelOf,
  type BeaconBridge,
  type BridgeEvent,
  type BridgeEvents,
  type BridgeMethod,
  type Capabilities,
  type Result,
} from '../shared/bridge.ts'

export interface BridgeTransport {
  invoke(channel: string, args: unknown[]): Promise<Result<unknown>>
  /** Subscribe once to every event main sends: `(event, payload)`. */
  onEvent(listener: (event: string, payload: unknown) => void): void
}

export function createBridge(transport: BridgeTransport, capabilities: Capabilities): BeaconBridge {
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  transport.onEvent((event, payload) => {
    const set = listeners.get(event)
    if (!set) return
    for (const fn of [...set]) {
      try {
        fn(payload)
      } catch (e) {
        console.error(`beacon: a listener of '${event}' threw`, e)
      }
    }
  })

  const bridge: Record<string, unknown> = {}
  for (const method of Object.keys(BRIDGE_METHODS) as BridgeMethod[]) {
    const channel = channelOf(method)
    const call = async (...args: unknown[]): Promise<Result<unknown>> => {
      try {
        return await transport.invoke(channel, args)
      } catch (e) {
        return { ok: false, error: { code: 'internal', message: `${method}: ${e instanceof Error ? e.message : String(e)}` } }
      }
    }
    Object.defineProperty(call, 'name', { value: method })
    bridge[method] = call
  }
  bridge.capabilities = Object.freeze({ ...capabilities })
  bridge.on = function on<E extends BridgeEvent>(event: E, listener: (payload: BridgeEvents[E]) => void): () => void {
    if (!Object.hasOwn(BRIDGE_EVENTS, event)) throw new TypeError(`unknown bridge event: ${String(event)}`)
    if (typeof listener !== 'function') throw new TypeError('listener must be a function')
    let set = listeners.get(event)
    if (!set) listeners.set(event, (set = new Set()))
    const fn = listener as (payload: unknown) => void
    set.add(fn)
    return function off(): void {
      set.delete(fn)
    }
  }
  return Object.freeze(bridge) as unknown as BeaconBridge
}
