// The main-process side of every bridge call, whatever carries it (ipcMain in the app, a Playwright
// binding in the harness): refuse foreign senders and unknown methods, parse the arguments with the
// contract's zod schema, run the handler, and answer with a Result (Electron carries only an error's
// message across IPC, so codes travel as data).
import { BRIDGE_METHODS, parseArgs, type BridgeHandlers, type BridgeMethod, type Result } from '../shared/bridge.ts'
import { BeaconError } from '../shared/errors.ts'

export const isBridgeMethod = (m: unknown): m is BridgeMethod => typeof m === 'string' && Object.hasOwn(BRIDGE_METHODS, m)

export interface DispatchOptions {
  /** False when the call did not come from the app's own top frame. */
  trusted: boolean
  /** Unexpected failures (not BeaconErrors) are reported here before being answered as `internal`. */
  onInternalError?: (method: string, error: unknown) => void
}

export async function dispatch(handlers: BridgeHandlers, method: unknown, args: unknown, opts: DispatchOptions): Promise<Result<unknown>> {
  if (!opts.trusted) return { ok: false, error: { code: 'bad_argument', message: 'refused: the call did not come from the app window' } }
  if (!isBridgeMethod(method))
    return { ok: false, error: { code: 'bad_argument', message: `unknown bridge method: ${String(method).slice(0, 64)}` } }
  const parsed = parseArgs(method, args)
  if (!parsed.ok) return parsed
  try {
    const handler = handlers[method] as (...a: unknown[]) => unknown
    const value = await handler.apply(handlers, parsed.value as unknown[])
    return { ok: true, value: value === undefined ? null : value }
  } catch (e) {
    if (e instanceof BeaconError) return { ok: false, error: { code: e.code, message: e.message } }
    opts.onInternalError?.(method, e)
    return { ok: false, error: { code: 'internal', message: `${method} failed: ${e instanceof Error ? e.message : String(e)}` } }
  }
}
