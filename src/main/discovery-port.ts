// The app's discovery: the mDNS advertiser and browser of src/main/discovery behind the small port
// AppService needs (so the service can run without discovery, as the browser build does).
import type { DiscoveryPort } from './app-service.ts'
import { advertiseRoom } from './discovery/advertiser.ts'
import { RoomBrowser } from './discovery/browser.ts'

export function createDiscovery(opts: { interface?: string } = {}): DiscoveryPort {
  return {
    advertise: (server) => advertiseRoom(server, opts),
    browse(listener) {
      const browser = new RoomBrowser(opts)
      for (const event of ['up', 'update', 'down'] as const) browser.on(event, (room) => listener({ event, room }))
      browser.start()
      return { stop: () => browser.stop(), resolve: (id) => browser.resolve(id) }
    },
  }
}
