// What the harness injects into the page before the renderer runs: the real preload bridge factory
// (src/preload/bridge-factory.ts) over a Playwright binding instead of ipcRenderer. It is bundled for the
// browser by bundle.ts; it runs in the top frame only, as the app's preload does.
import { createBridge, type BridgeTransport } from '../../src/preload/bridge-factory.ts'
import { DESKTOP_CAPABILITIES, type Result } from '../../src/shared/bridge.ts'

type Binding = (op: string, ...args: unknown[]) => Promise<unknown>
interface PageGlobals {
  top: unknown
  __beaconHarness?: Binding
  beacon?: unknown
}

const g = globalThis as unknown as PageGlobals
const binding = g.__beaconHarness
// The binding is the harness's ipcRenderer: keep it in this closure, out of the page's reach.
delete g.__beaconHarness

if (binding && g.top === globalThis) {
  const token = Math.random().toString(36).slice(2)
  const transport: BridgeTransport = {
    invoke: (channel, args) => binding('invoke', channel, args) as Promise<Result<unknown>>,
    onEvent(listener) {
      void binding('hello', token).then(async () => {
        for (;;) {
          const batch = (await binding('events', token)) as Array<[string, unknown]> | null
          if (batch === null) return // another document took over
          for (const [event, payload] of batch) listener(event, payload)
        }
      })
    },
  }
  Object.defineProperty(globalThis, 'beacon', {
    value: createBridge(transport, DESKTOP_CAPABILITIES),
    enumerable: true,
    writable: false,
    configurable: false,
  })
}
