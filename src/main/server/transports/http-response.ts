// HTTP answers shared by the fall-back transports: JSON bodies, error frames and their status codes.
import type { ServerResponse } from 'node:http'
import type { ErrorCode } from '../../../shared/errors.ts'

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }

/** HTTP status for a refusal code. */
export const STATUS: Partial<Record<ErrorCode, number>> = {
  bad_frame: 400,
  unsupported_protocol: 400,
  too_large: 413,
  rate_limited: 429,
  locked_out: 429,
  not_joined: 409,
  wrong_password: 403,
  password_required: 401,
  host_stopped: 503,
}

export const errorBody = (code: ErrorCode, message: string, id?: string): string =>
  JSON.stringify(id === undefined ? { type: 'error', code, message } : { type: 'error', code, message, id })

export function statusOf(errorJson: string): number {
  try {
    const f = JSON.parse(errorJson) as { code?: ErrorCode }
    return (f.code && STATUS[f.code]) ?? 400
  } catch {
    return 400
  }
}

export function send(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, body ? JSON_HEADERS : { 'Cache-Control': 'no-store' })
  res.end(body)
}
