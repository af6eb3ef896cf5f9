// The room's file routes under /api/files (docs/PROTOCOL-FILES.md): who may use them (a member token the room
// still honours), then tus uploads or a download. Every refusal is a JSON error with its code's status.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { FILES_PATH, TUS_VERSION } from '../../../shared/files.ts'
import type { ConnectionBudget } from '../budget.ts'
import { isAllowedOrigin } from '../origin.ts'
import type { Room } from '../room.ts'
import { errorBody, refuse, send } from '../transports/http-response.ts'
import { serveFile } from './download.ts'
import type { FileLimits } from './limits.ts'
import { SHA256_ID, UPLOAD_ID, type FileStore } from './store.ts'
import { Transfers } from './throttle.ts'
import type { FileTokens } from './token.ts'
import { TusUploads } from './tus.ts'

export interface FileRoutesOptions {
  room: Room
  store: FileStore
  tokens: FileTokens
  limits: FileLimits
  budget: ConnectionBudget
  ownNames: ReadonlySet<string>
}

const UPLOADS = 'uploads'

export class FileRoutes {
  #o: FileRoutesOptions
  #transfers: Transfers
  #tus: TusUploads
  #reaper: NodeJS.Timeout
  #closed = false

  constructor(o: FileRoutesOptions) {
    this.#o = o
    this.#transfers = new Transfers(o.limits.transferBytesPerSecond)
    this.#tus = new TusUploads({ store: o.store, limits: o.limits, transfers: this.#transfers, budget: o.budget })
    this.reap(true)
    const every = Math.max(1000, Math.min(o.limits.uploadExpiryMs, o.limits.unsentFileMs, 60 * 60 * 1000) / 4)
    this.#reaper = setInterval(() => this.reap(), every).unref()
  }

  handles(pathname: string): boolean {
    return pathname === FILES_PATH || pathname.startsWith(`${FILES_PATH}/`)
  }

  /** Expired uploads and unsent files go (with `strays`, bytes on disk without a row too). */
  reap(strays = false): void {
    this.#tus.forget(this.#o.store.reap(Date.now(), (id) => this.#tus.busy(id), strays))
    this.#transfers.sweep()
  }

  /** Before the room log closes: no reaping, and uploads under way end without touching it. */
  close(): void {
    this.#closed = true
    clearInterval(this.#reaper)
    this.#tus.stop()
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    // Only an accepted PATCH reads a body: any other request's body goes with its connection, unread.
    if (req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0)
      res.setHeader('Connection', 'close')
    if (this.#closed) return refuse(res, 'host_stopped', 'the room is closing')
    if (!isAllowedOrigin(req.headers.origin, req.headers.host, this.#o.ownNames))
      return send(res, 403, errorBody('bad_argument', 'origin not allowed'))
    const parts = url.pathname.slice(FILES_PATH.length + 1).split('/')
    const [first, second, ...more] = parts
    if (first === UPLOADS) {
      res.setHeader('Tus-Resumable', TUS_VERSION)
      if (more.length > 0) return refuse(res, 'file_not_found', 'no such upload')
      if (req.method === 'OPTIONS' && second === undefined) return this.#tus.options(res)
    }
    const member = this.#member(req, url)
    if (member === undefined) return refuse(res, 'not_member', 'join the room first: file routes need a member token')
    if (first !== UPLOADS) return this.#download(req, res, url, member, parts.length === 1 ? first : undefined)
    if (req.headers['tus-resumable'] !== TUS_VERSION) {
      res.setHeader('Tus-Version', TUS_VERSION)
      return send(res, 412, errorBody('bad_argument', `this host speaks tus ${TUS_VERSION} (Tus-Resumable)`))
    }
    if (second === undefined) {
      if (req.method === 'POST') return this.#tus.create(req, res, member)
      return notAllowed(res, 'OPTIONS, POST')
    }
    const upload = UPLOAD_ID.test(second) ? this.#o.store.upload(second) : undefined
    // Someone else's upload does not exist for this member.
    if (!upload || upload.member !== member) return refuse(res, 'file_not_found', 'no such upload')
    switch (req.method) {
      case 'HEAD':
        return this.#tus.head(res, upload)
      case 'PATCH':
        return this.#tus.patch(req, res, upload, member)
      case 'DELETE':
        return this.#tus.delete(res, upload)
      default:
        return notAllowed(res, 'HEAD, PATCH, DELETE')
    }
  }

  /** The member a request's token names, while the room still honours it (in the room, or lately left). */
  #member(req: IncomingMessage, url: URL): string | undefined {
    const bearer = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1]
    const token = bearer ?? url.searchParams.get('t')
    const id = token ? this.#o.tokens.member(token) : undefined
    return id !== undefined && this.#o.room.present(id) ? id : undefined
  }

  async #download(req: IncomingMessage, res: ServerResponse, url: URL, member: string, fileId: string | undefined): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return notAllowed(res, 'GET, HEAD')
    // Only a well-formed content address ever becomes a path: nothing else can name a file outside files/.
    if (fileId === undefined || !SHA256_ID.test(fileId) || this.#o.store.size(fileId) === undefined)
      return refuse(res, 'file_not_found', 'no such file')
    const t = this.#transfers.of(member)
    if (t.downloads >= this.#o.limits.downloadsPerMember)
      return refuse(res, 'busy', `at most ${this.#o.limits.downloadsPerMember} downloads at once per member`)
    const address = req.socket.remoteAddress ?? 'unknown'
    if (!this.#o.budget.take(address)) return refuse(res, 'busy', 'too many connections from this address or in all: try again later')
    t.downloads++
    try {
      const ask = { name: url.searchParams.get('name'), inline: url.searchParams.get('inline') === '1', type: url.searchParams.get('type') }
      if (!(await serveFile(req, res, this.#o.store.path(fileId), fileId, ask, t.down))) refuse(res, 'file_not_found', 'no such file')
    } finally {
      t.downloads--
      this.#o.budget.release(address)
    }
  }
}

function notAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('Allow', allow)
  send(res, 405, errorBody('bad_argument', `use ${allow}`))
}
