// One file to the room's host over tus 1.0.0 (docs/PROTOCOL-FILES.md) with tus-js-client: progress, resume after
// a cut from where the host says it is (retryDelays: HEAD, then PATCH on from that offset), and cancellation that
// deletes what was sent. A file the host already stores (same SHA-256) is not sent again.
import { Upload, type DetailedError } from 'tus-js-client'
import type { FileAccess } from '../../shared/bridge.ts'
import type { ErrorCode } from '../../shared/errors.ts'
import { UPLOAD_METADATA } from '../../shared/files.ts'
import { errorText } from '../state/connection.ts'
import { UploadFailed } from './upload-failed.ts'

/** Waits between attempts after a failed request: a Wi-Fi blip, a host restarting, a proxy cut. */
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10_000, 10_000, 20_000, 30_000]
/** Statuses worth another attempt: conflicts tus resolves by asking again, and the host being busy. */
const RETRY_STATUSES = new Set([409, 423, 429, 500, 502, 503, 504])
/** A host's message is shown as text; a long one is cut. */
const MAX_MESSAGE_CHARS = 300

export interface UploadRequest {
  file: Blob
  name: string
  mime: string
  sha256: string
  /** The room's file routes as they are now (the token may change after a reconnect). */
  access: () => FileAccess | undefined
  onProgress: (fraction: number) => void
  signal: AbortSignal
}

/** Resolves once the host stores the file (verified); rejects with UploadFailed, or the signal's reason when cancelled. */
export async function uploadFile(req: UploadRequest): Promise<void> {
  const access = req.access()
  if (!access) throw new UploadFailed('Not connected to the room.')
  if (await alreadyStored(access, req.sha256, req.signal)) return req.onProgress(1)
  req.signal.throwIfAborted()
  const endpoint = new URL(`${access.base}/uploads`, window.location.href).href
  await new Promise<void>((resolve, reject) => {
    /** Until the host has said where the upload lives (or the creation failed). */
    let creating = true
    const upload = new Upload(req.file, {
      endpoint,
      metadata: { [UPLOAD_METADATA.name]: req.name, [UPLOAD_METADATA.type]: req.mime, [UPLOAD_METADATA.sha256]: req.sha256 },
      retryDelays: RETRY_DELAYS,
      // No chunkSize: one PATCH streams the whole file; a cut is resumed from the host's offset.
      removeFingerprintOnSuccess: true,
      onBeforeRequest: (r) => {
        const token = req.access()?.token ?? access.token
        r.setHeader('Authorization', `Bearer ${token}`)
      },
      onShouldRetry: (err) => {
        const status = err.originalResponse?.getStatus()
        return status === undefined || status === 0 || RETRY_STATUSES.has(status)
      },
      onUploadUrlAvailable: () => {
        creating = false
        if (req.signal.aborted) void upload.abort(true).catch(() => {})
      },
      onProgress: (sent, total) => req.onProgress(total > 0 ? sent / total : 1),
      onSuccess: () => resolve(),
      onError: (err) => {
        creating = false
        reject(failure(err as DetailedError))
      },
    })
    req.signal.addEventListener(
      'abort',
      () => {
        // Terminate: the host deletes the partial file and frees its quota. While the creation request is still
        // out, the host may be making the upload this moment: terminate it as soon as its address is known.
        if (upload.url || !creating) void upload.abort(true).catch(() => {})
        reject(req.signal.reason)
      },
      { once: true },
    )
    // A page reloaded mid-upload finds its unfinished upload (tus-js-client keeps its URL) and goes on from there.
    void upload
      .findPreviousUploads()
      .then((previous) => {
        if (req.signal.aborted) return
        if (previous[0]) upload.resumeFromPreviousUpload(previous[0])
        upload.start()
      })
      .catch(() => upload.start())
  })
}

async function alreadyStored(access: FileAccess, sha256: string, signal: AbortSignal): Promise<boolean> {
  try {
    const res = await fetch(`${access.base}/${sha256}?t=${encodeURIComponent(access.token)}`, { method: 'HEAD', cache: 'no-store', signal })
    return res.ok
  } catch {
    signal.throwIfAborted()
    return false // the upload's own requests will say what is wrong
  }
}

const UPLOAD_TEXT: Partial<Record<ErrorCode, string>> = {
  too_large: 'The file is larger than this room accepts.',
  busy: 'Too many transfers at once: try again in a moment.',
}

/** Refusals that the same upload will meet again: the row offers Dismiss, not Try again. */
const FINAL: ReadonlySet<ErrorCode> = new Set(['quota_full', 'too_large'])

/** The host's JSON error (`{code, message}`) as the user should read it; a lost connection when there is none. */
function failure(err: DetailedError): UploadFailed {
  const res = err.originalResponse
  if (!res || res.getStatus() === 0) return new UploadFailed('The upload was interrupted: the room could not be reached.')
  let body: { code?: ErrorCode; message?: string } = {}
  try {
    body = JSON.parse(res.getBody()) as typeof body
  } catch {
    // not JSON: the status says enough
  }
  const final = body.code !== undefined && FINAL.has(body.code)
  if (body.code && UPLOAD_TEXT[body.code]) return new UploadFailed(UPLOAD_TEXT[body.code]!, final)
  if (body.code) return new UploadFailed(errorText(body.code, body.message?.slice(0, MAX_MESSAGE_CHARS)), final)
  return new UploadFailed(`The upload failed (HTTP ${res.getStatus()}).`)
}
