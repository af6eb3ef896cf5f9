// How a file message looks on the transports that do not carry beacon.v1 frames unchanged (STOMP, RSocket):
// the file's download path without the member token (each member adds its own, docs/PROTOCOL-FILES.md), and
// the message JSON with that path as `url`, so a client of those transports needs no path rules of its own.
import { FILES_PATH } from '../../../shared/files.ts'
import type { ChatMessage, FileRef } from '../../../shared/protocol.ts'

/** `/api/files/<fileId>?name=<name>`: add `&t=<token>` (or `Authorization: Bearer`) to fetch it. */
export function fileDownloadPath(file: FileRef): string {
  return `${FILES_PATH}/${encodeURIComponent(file.fileId)}?name=${encodeURIComponent(file.name)}`
}

/** A `message` frame's JSON with `"url"` added when it carries a file; `json` unchanged otherwise. */
export function withFileUrl(m: ChatMessage, json: string): string {
  if (!m.file) return json
  // The host's own JSON of an object: it ends in `}`, so the field goes in before it without parsing again.
  return `${json.slice(0, -1)},"url":${JSON.stringify(fileDownloadPath(m.file))}}`
}
