// One HTTP request from a chosen loopback address (fetch cannot pick its source address), body as text.
import { request, type Agent } from 'node:http'

export interface HttpAnswer {
  status: number
  body: string
}

export function httpRequest(
  port: number,
  method: string,
  path: string,
  opts: { body?: string; headers?: Record<string, string>; localAddress?: string; agent?: Agent; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { ...(opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...opts.headers },
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
        ...(opts.agent ? { agent: opts.agent } : {}),
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        res.on('error', reject)
      },
    )
    req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error(`${method} ${path}: no answer in time`)))
    req.on('error', reject)
    req.end(opts.body)
  })
}
