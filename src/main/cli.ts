// `beacon host` and `beacon rooms`: the room host and discovery, headless.
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { DEFAULT_ROOM_PORT, formatAddress as hostPort } from '../shared/address.ts'
import { LIMITS, Name } from '../shared/protocol.ts'
import { StorageError } from './server/history.ts'
import { RoomServer } from './server/room-server.ts'
import { parseByteSize } from './server/files/byte-size.ts'
import type { FileLimits } from './server/files/limits.ts'
import { formatAddress, listedName, type RoomEvent } from '../shared/discovery.ts'
import { lanAddress } from './lan-address.ts'
import { roomDirName } from './room-dir.ts'
import { advertiseRoom, type Advertiser } from './discovery/advertiser.ts'
import { RoomBrowser } from './discovery/browser.ts'

const USAGE = `Usage:
  beacon host --name NAME [--port N] [--data DIR] [--password P] [--listen ADDR] [--json] [--no-advertise] [--interface NAME]
              [--max-file-size SIZE] [--max-room-bytes SIZE] [--transfer-rate MIB_PER_S]
  beacon rooms [--wait SECONDS] [--json] [--interface NAME]
  beacon --help

Files: --max-file-size is the largest file a member may send (default 2G), --max-room-bytes all the room's files
together (default 10G); sizes in bytes or with K, M, G, T (binary). --transfer-rate caps each member's uploads and
downloads, each, in MiB/s (default 128; 0: no cap).`

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === 'host') return host(rest)
  if (command === 'rooms') return rooms(rest)
  if (command === undefined || command === '--help' || command === '-h') {
    console.log(USAGE)
    return command === undefined ? 2 : 0
  }
  console.error(`beacon: unknown command '${command}'\n${USAGE}`)
  return 2
}

async function host(args: string[]): Promise<number> {
  let values
  try {
    ;({ values } = parseArgs({
      args,
      options: {
        name: { type: 'string' },
        port: { type: 'string' },
        data: { type: 'string' },
        password: { type: 'string' },
        listen: { type: 'string' },
        json: { type: 'boolean', default: false },
        'no-advertise': { type: 'boolean', default: false },
        interface: { type: 'string' },
        'max-file-size': { type: 'string' },
        'max-room-bytes': { type: 'string' },
        'transfer-rate': { type: 'string' },
      },
      strict: true,
    }))
  } catch (e) {
    console.error(`beacon host: ${(e as Error).message}\n${USAGE}`)
    return 2
  }
  const files = fileFlags(values)
  if (typeof files === 'string') {
    console.error(`beacon host: ${files}`)
    return 2
  }
  const name = Name.safeParse(values.name ?? '')
  if (!name.success) {
    console.error(`beacon host: --name is required, 1–${LIMITS.maxNameChars} characters`)
    return 2
  }
  const port = values.port === undefined ? DEFAULT_ROOM_PORT : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error('beacon host: --port must be a number from 0 to 65535')
    return 2
  }
  const dataDir = values.data ?? join(dataHome(), 'beacon', 'rooms', roomDirName(name.data))
  const opts = { name: name.data, dataDir, password: values.password, listen: values.listen, webRoot: webRoot(), files }
  let server: RoomServer
  try {
    server = await RoomServer.start({ ...opts, port }).catch((e: unknown) => {
      const taken = !(e instanceof StorageError) && (e as NodeJS.ErrnoException).code === 'EADDRINUSE' && values.port === undefined
      if (taken) return RoomServer.start({ ...opts, port: 0 }) // the default port is taken: any free one will do
      throw e
    })
  } catch (e) {
    // StorageError (the room log unreadable, or in use by another host) says what to do about it.
    console.error(`beacon host: ${(e as Error).message}`)
    return 1
  }

  // Listen for the stop signal before saying where the room is: whoever reads that line may stop us at once.
  const stopRequested = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve())
    process.once('SIGTERM', () => resolve())
  })
  const { room } = server
  if (values.json) {
    out({ event: 'listening', port: server.port, url: server.url, web: server.webUrl, room: { id: room.id, name: room.name } })
    room.on('members', (n) => out({ event: 'members', count: n }))
  } else {
    const address = hostPort(lanAddress(), server.port)
    console.log(`Room "${room.name}" is open: share http://${address}/ (Beacon app: ${address}). Ctrl+C stops it.`)
  }
  const advertiser = values['no-advertise'] ? undefined : advertise(server, values.interface, values.json)

  await stopRequested
  await advertiser?.stop() // goodbyes first: peers drop the room before its port closes
  await server.stop('host_stopped')
  if (values.json) out({ event: 'stopped' })
  else console.log('Room closed.')
  return 0
}

/** The file limits asked for on the command line, or what is wrong with them. */
function fileFlags(v: { 'max-file-size'?: string; 'max-room-bytes'?: string; 'transfer-rate'?: string }): Partial<FileLimits> | string {
  const files: Partial<FileLimits> = {}
  if (v['max-file-size'] !== undefined) {
    const n = parseByteSize(v['max-file-size'])
    if (n === undefined || n < 1) return '--max-file-size must be a size such as 2G, 500M or 1048576'
    files.maxFileBytes = n
  }
  if (v['max-room-bytes'] !== undefined) {
    const n = parseByteSize(v['max-room-bytes'])
    if (n === undefined || n < 1) return '--max-room-bytes must be a size such as 10G or 500M'
    files.maxRoomBytes = n
  }
  if (v['transfer-rate'] !== undefined) {
    const n = Number(v['transfer-rate'])
    if (v['transfer-rate'].trim() === '' || !(n >= 0) || !Number.isFinite(n)) return '--transfer-rate must be MiB per second (0: no cap)'
    files.transferBytesPerSecond = Math.round(n * 1024 * 1024)
  }
  return files
}

/** Publish the room on the LAN; the instance name is reported, since a conflict may have renamed it. */
function advertise(server: RoomServer, pin: string | undefined, json: boolean): Advertiser {
  const advertiser = advertiseRoom(server, { interface: pin })
  advertiser.on('published', (instance) => {
    const name = listedName(instance, server.room.name) // as browsers list it: dots restored, `(2)` kept
    if (json) out({ event: 'advertised', name, instance })
    else console.log(`Advertised on the local network as "${name}".`)
  })
  advertiser.on('warning', (m) => console.error(`beacon host: ${m}`))
  return advertiser
}

async function rooms(args: string[]): Promise<number> {
  let values
  try {
    ;({ values } = parseArgs({
      args,
      options: { wait: { type: 'string' }, json: { type: 'boolean', default: false }, interface: { type: 'string' } },
      strict: true,
    }))
  } catch (e) {
    console.error(`beacon rooms: ${(e as Error).message}\n${USAGE}`)
    return 2
  }
  const wait = values.wait === undefined ? undefined : Number(values.wait)
  if (wait !== undefined && !(wait >= 0)) {
    console.error('beacon rooms: --wait must be a number of seconds')
    return 2
  }
  const browser = new RoomBrowser({ interface: values.interface })
  const show = (e: RoomEvent) => {
    if (values.json) return out(e)
    const r = e.room
    const sign = e.event === 'up' ? '+' : e.event === 'down' ? '-' : '~'
    const where = r.addresses.map(formatAddress).join(', ')
    console.log(
      `${sign} ${r.name} — ${r.host || 'unknown host'}, ${r.members} member${r.members === 1 ? '' : 's'}${r.passwordRequired ? ', password' : ''} — ${where}`,
    )
  }
  browser.on('up', (room) => show({ event: 'up', room }))
  browser.on('update', (room) => show({ event: 'update', room }))
  browser.on('down', (room) => show({ event: 'down', room }))
  browser.on('warning', (m) => console.error(`beacon rooms: ${m}`))
  browser.start()
  let timer: NodeJS.Timeout | undefined
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
    if (wait !== undefined) timer = setTimeout(resolve, wait * 1000)
  })
  clearTimeout(timer)
  await browser.stop()
  return 0
}

// Whoever reads our output may go away (`beacon host --json | head -1`): stop printing, keep hosting.
let stdoutGone = false
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e
  stdoutGone = true
})
const out = (event: unknown) => {
  if (!stdoutGone) process.stdout.write(JSON.stringify(event) + '\n')
}

function dataHome(): string {
  return process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share')
}

/** The renderer's web build, when it has been built. */
function webRoot(): string | undefined {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'out', 'web')
  return existsSync(join(dir, 'index.html')) ? dir : undefined
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2))
