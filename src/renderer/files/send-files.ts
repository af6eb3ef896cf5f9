// Files the user dropped, pasted or picked, on their way into the room: one after another (so they arrive in
// the order given), each hashed, thumbnailed (images), uploaded, then sent as a message through the bridge,
// after which it is an ordinary outbox entry until acknowledged. Progress and failures go to the uploads
// state (state/uploads.ts) that the message list shows; Cancel stops one and deletes what the host received.
import type { FileAccess, Result } from '../../shared/bridge.ts'
import { LIMITS } from '../../shared/limits.ts'
import type { FileRef } from '../../shared/protocol.ts'
import { cleanFileName } from '../../shared/text.ts'
import { formatBytes } from '../state/format.ts'
import type { UploadItem, UploadsAction } from '../state/uploads.ts'
import { imageInfo } from './thumb.ts'
import { UploadFailed } from './upload-failed.ts'

const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/
const FALLBACK_MIME = 'application/octet-stream'

export interface FileSenderDeps {
  dispatch: (action: UploadsAction) => void
  /** Send the uploaded file as a message in room `roomId` (the user may be looking at another room by then). */
  sendFile: (file: FileRef, caption: string | undefined, roomId: string) => Promise<Result<string>>
}

interface Job {
  item: UploadItem
  file: Blob
  caption?: string
  abort: AbortController
}

/** The name a file is sent under: cleaned as the host cleans it, never empty. */
export function fileName(raw: string): string {
  return cleanFileName(raw).slice(0, LIMITS.maxFileNameChars) || 'file'
}

/** The declared type: the browser's, when it is a plain `type/subtype`. */
export function fileMime(raw: string): string {
  const mime = raw.toLowerCase()
  return mime.length <= LIMITS.maxMimeChars && MIME.test(mime) ? mime : FALLBACK_MIME
}

/** Extensions of pasted image types whose subtype is not one. */
const PASTED_EXT: Record<string, string> = { 'image/jpeg': 'jpg', 'image/svg+xml': 'svg' }

/** A pasted file under a name people recognise: a copied image is "image.png" (or nameless) to the browser. */
export function pastedFile(f: File): File {
  const generic = f.name === '' || /^image\.[a-z0-9]+$/i.test(f.name)
  if (!generic || !f.type.startsWith('image/')) return f
  const ext = PASTED_EXT[f.type] ?? (f.type.slice('image/'.length).replace(/[^a-z0-9]/gi, '') || 'img')
  return new File([f], `Pasted image.${ext}`, { type: f.type, lastModified: f.lastModified })
}

export class FileSender {
  #deps: FileSenderDeps
  #jobs = new Map<string, Job>()
  #queue: Promise<void> = Promise.resolve()
  #seq = 0
  /** Per room id, its file routes as last known: an upload keeps going to the room (and host) it started in. */
  #access = new Map<string, FileAccess>()

  constructor(deps: FileSenderDeps) {
    this.#deps = deps
  }

  /** Room `roomId`'s file routes now; undefined while not joined or on a host without files. */
  setAccess(roomId: string, access: FileAccess | undefined): void {
    if (access) this.#access.set(roomId, access)
    else this.#access.delete(roomId)
  }

  /**
   * Queue files for room `roomId`; `caption` goes with the first one. Returns what was refused before uploading
   * (too large for this room, or a room without files), in words for the user, or undefined.
   */
  add(roomId: string, files: readonly File[], caption?: string): string | undefined {
    const access = this.#access.get(roomId)
    if (!access) return 'This room does not take files.'
    const tooBig = files.filter((f) => f.size > access.maxFileBytes)
    let captionLeft = caption
    for (const f of files) {
      if (tooBig.includes(f)) continue
      const item: UploadItem = {
        id: `up-${++this.#seq}`,
        roomId,
        name: fileName(f.name),
        size: f.size,
        mime: fileMime(f.type),
        phase: 'queued',
        progress: 0,
      }
      const job: Job = { item, file: f, abort: new AbortController(), ...(captionLeft ? { caption: captionLeft } : {}) }
      captionLeft = undefined
      this.#enqueue(job)
    }
    if (tooBig.length === 0) return undefined
    const limit = formatBytes(access.maxFileBytes)
    return tooBig.length === 1
      ? `"${fileName(tooBig[0]!.name)}" is ${formatBytes(tooBig[0]!.size)}: this room takes files up to ${limit}.`
      : `${tooBig.length} files are larger than this room takes (up to ${limit}): they were not sent.`
  }

  /** Stop an upload: the host deletes what it received. A failed one is just removed. */
  cancel(id: string): void {
    const job = this.#jobs.get(id)
    if (!job) return
    this.#jobs.delete(id)
    job.abort.abort(new DOMException('Upload cancelled', 'AbortError'))
    this.#deps.dispatch({ type: 'uploadRemove', id })
  }

  /** Try a failed upload again (it resumes where the host is). */
  retry(id: string): void {
    const job = this.#jobs.get(id)
    if (!job?.item.error) return
    if (job.item.final) return
    const { error: _done, final: _final, ...item } = job.item
    this.#enqueue({ ...job, item: { ...item, phase: 'queued', progress: 0 }, abort: new AbortController() })
  }

  /** Rooms left: their uploads stop (the host deletes what it received) and their routes are forgotten. */
  keepOnly(rooms: ReadonlySet<string>): void {
    for (const [id, job] of [...this.#jobs]) if (!rooms.has(job.item.roomId)) this.cancel(id)
    for (const roomId of [...this.#access.keys()]) if (!rooms.has(roomId)) this.#access.delete(roomId)
  }

  #enqueue(job: Job): void {
    this.#jobs.set(job.item.id, job)
    this.#deps.dispatch({ type: 'uploadRemove', id: job.item.id })
    this.#deps.dispatch({ type: 'uploadAdd', item: job.item })
    this.#queue = this.#queue.then(() => this.#run(job))
  }

  async #run(job: Job): Promise<void> {
    const { item, abort } = job
    const { signal } = abort
    if (signal.aborted) return
    let shown = ''
    const progress = (phase: UploadItem['phase'], fraction: number) => {
      // Whole percents only: a 2 GB upload reports progress thousands of times.
      const step = `${phase}:${Math.floor(fraction * 100)}`
      if (step === shown) return
      shown = step
      this.#deps.dispatch({ type: 'uploadUpdate', id: item.id, patch: { phase, progress: fraction } })
    }
    try {
      progress('hashing', 0)
      // The hashing and upload code loads with the first file, not with the page.
      const [{ sha256OfFile }, { uploadFile }] = await Promise.all([import('./hash.ts'), import('./upload.ts')])
      const sha256 = await sha256OfFile(job.file, { onProgress: (f) => progress('hashing', f), signal })
      const image = await imageInfo(job.file, item.mime)
      signal.throwIfAborted()
      progress('uploading', 0)
      await uploadFile({
        file: job.file,
        name: item.name,
        mime: item.mime,
        sha256,
        access: () => this.#access.get(item.roomId),
        onProgress: (f) => progress('uploading', f),
        signal,
      })
      signal.throwIfAborted()
      this.#deps.dispatch({ type: 'uploadUpdate', id: item.id, patch: { phase: 'sending', progress: 1 } })
      const ref: FileRef = { fileId: sha256, name: item.name, size: item.size, mime: item.mime, sha256, ...image }
      const sent = await this.#deps.sendFile(ref, job.caption, item.roomId)
      if (!sent.ok) throw new UploadFailed(sent.error.message)
      this.#jobs.delete(item.id)
      this.#deps.dispatch({ type: 'uploadRemove', id: item.id })
    } catch (e) {
      if (signal.aborted) return
      const error = e instanceof UploadFailed ? e.message : 'The file could not be read.'
      const final = e instanceof UploadFailed && e.final
      this.#deps.dispatch({ type: 'uploadUpdate', id: item.id, patch: { error, final } })
      job.item = { ...item, error, final }
    }
  }
}
