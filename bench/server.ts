// One benchmarked server in a process of its own. argv: kind [dataDir port]. Reports over IPC: where it
// listens, and on request its own CPU time and RSS (measured here, inside the server process).
import type { ServerCommand, ServerKind, ServerReply } from './lib/wire.ts'
import { startSocketIO, startWsCoalesce, startWsNaive, type Started } from './servers/baselines.ts'
import { startBeacon, type BeaconStarted } from './servers/beacon.ts'

const reply = (r: ServerReply): void => void process.send!(r)
const kind = process.argv[2] as ServerKind
type GcOptions = { type: 'major'; execution: 'sync'; flavor?: 'regular' | 'last-resort' }
const gc = (globalThis as { gc?: (o?: GcOptions) => void }).gc

let server: Started
try {
  const dataDir = process.argv[3]
  const port = process.argv[4] === undefined ? 0 : Number(process.argv[4])
  server =
    kind === 'beacon'
      ? await startBeacon(dataDir, port)
      : kind === 'beacon-before'
        ? await startBeacon(
            dataDir,
            port,
            process.env['BEACON_BEFORE'] ??
              (() => {
                throw new Error('beacon-before needs BEACON_BEFORE=/path/to/checkout')
              })(),
          )
        : kind === 'rsocket'
          ? // the same host; its members connect over RSocket on /rsocket
            { ...(await startBeacon(dataDir, port)), path: '/rsocket' }
          : kind === 'socketio'
            ? await startSocketIO()
            : kind === 'ws-naive'
              ? await startWsNaive()
              : kind === 'ws-coalesce'
                ? await startWsCoalesce()
                : (() => {
                    throw new Error(`unknown server kind ${kind}`)
                  })()
} catch (e) {
  reply({ ev: 'error', message: (e as Error).message })
  process.exit(1)
}
reply({ ev: 'listening', port: server.port, path: server.path, at: performance.timeOrigin + performance.now() })

process.on('message', async (m: ServerCommand) => {
  if (m.cmd === 'usage') {
    if (m.gc && gc) {
      // 'full': ordinary full collections. 'release': the collection V8 makes under memory pressure, which
      // also hands its pooled free pages back to the OS.
      const flavor = m.gc === 'release' ? 'last-resort' : 'regular'
      gc({ type: 'major', execution: 'sync', flavor })
      await new Promise((r) => setTimeout(r, 50))
      gc({ type: 'major', execution: 'sync', flavor })
    }
    const cpu = process.cpuUsage()
    const mem = process.memoryUsage()
    reply({
      ev: 'usage',
      cpuUs: cpu.user + cpu.system,
      sysUs: cpu.system,
      sockets: process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      heapTotal: mem.heapTotal,
      external: mem.external,
    })
  } else if (m.cmd === 'seed') {
    reply({ ev: 'seeded', seq: (server as BeaconStarted).seed(m.count) })
  } else if (m.cmd === 'stop') {
    await Promise.race([server.stop(), new Promise((r) => setTimeout(r, 3000))])
    process.exit(0)
  }
})
process.on('disconnect', () => process.exit(0))
