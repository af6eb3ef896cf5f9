// The files benchmark's baseline: the practical limit of Node's `http` on this machine. It streams a PUT's body to
// a file and a file to a GET's response, nothing else (no hashing, no checks, no limits). argv: directory.
// Prints {"port":N} once listening.
import { createReadStream, createWriteStream, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { basename, join } from 'node:path'
import { pipeline } from 'node:stream/promises'

const dir = process.argv[2]
if (!dir) throw new Error('usage: plain-files.ts <directory>')

const server = createServer((req, res) => {
  const name = basename(new URL(req.url ?? '/', 'http://x').pathname)
  const path = join(dir, name)
  if (req.method === 'PUT') {
    pipeline(req, createWriteStream(path)).then(
      () => res.writeHead(204).end(),
      () => res.destroy(),
    )
    return
  }
  if (req.method === 'GET') {
    let size: number
    try {
      size = statSync(path).size
    } catch {
      return void res.writeHead(404).end()
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': size })
    pipeline(createReadStream(path), res).catch(() => res.destroy())
    return
  }
  res.writeHead(405).end()
})
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }))
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
