// HTTP answers shared by the fall-back transports: JSON bodies, error frames and their status codes, which come
// from the one error table (src/shared/errors.ts).
import type { ServerResponse } from 'node:http'
import { ERRORS, type ErrorCode } from '../../../shared/errors.ts'
import type { Outbound } from '../outbound.ts'

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }

export const errorBody = (code: ErrorCode, message: string, id?: string): string =>
  JSON.stringify(id === undefined ? { type: 'error', code, message } : { type: 'error', code, message, id })

/** HTTP status for an error code; 400 for anything the table does not know. */
export function statusOfCode(code: string): number {
  return (ERRORS as Record<string, { status: number } | undefined>)[code]?.status ?? 400
}

/** HTTP status for a frame that refuses a request: its error code's; 400 for any other frame. */
export function statusOf(o: Outbound): number {
  return o.frame.type === 'error' ? ERRORS[o.frame.code].status : 400
}

/** Answer an error frame with its code's status. */
export function refuse(res: ServerResponse, code: ErrorCode, message: string, id?: string): void {
  send(res, ERRORS[code].status, errorBody(code, message, id))
}

export function send(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, body ? JSON_HEADERS : { 'Cache-Control': 'no-store' })
  res.end(body)
}
