// Binds the bridge contract to ipcMain: one handler per BRIDGE_METHODS entry, each checking that the
// sender is the app's own top frame and parsing the arguments (bridge-dispatch.ts) before the service
// sees them; every service event is forwarded to the app's windows on EVENT_CHANNEL. Only types come
// from electron here, so this file loads in Node too.
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron'
import {
  BRIDGE_METHODS,
  channelOf,
  EVENT_CHANNEL,
  type BridgeEvent,
  type BridgeEvents,
  type BridgeHandlers,
  type BridgeMethod,
} from '../shared/bridge.ts'
import { dispatch } from './bridge-dispatch.ts'
import { isTrustedSender, type SenderFrame } from './security/ipc-sender.ts'
import type { AppOrigin } from './security/urls.ts'

export interface BridgeService extends BridgeHandlers {
  onAny(listener: <K extends BridgeEvent>(event: K, payload: BridgeEvents[K]) => void): () => void
}

export interface BindOptions {
  origin: AppOrigin
  /** The web contents that receive events (the app's windows). */
  targets: () => WebContents[]
  log?: (message: string, error?: unknown) => void
}

/** The calling frame as the sender check sees it; null when the frame is gone. */
export function senderFrameOf(event: Pick<IpcMainInvokeEvent, 'senderFrame' | 'sender'>): SenderFrame | null {
  const frame = event.senderFrame
  if (!frame) return null
  const main = event.sender.mainFrame
  return { url: frame.url, isTopFrame: frame.parent === null && frame.processId === main.processId && frame.routingId === main.routingId }
}

export function bindBridge(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, service: BridgeService, opts: BindOptions): () => void {
  const methods = Object.keys(BRIDGE_METHODS) as BridgeMethod[]
  for (const method of methods) {
    ipcMain.handle(channelOf(method), (event, ...args: unknown[]) => {
      const trusted = isTrustedSender(senderFrameOf(event), opts.origin)
      if (!trusted) opts.log?.(`refused ${method} from ${event.senderFrame?.url ?? 'a destroyed frame'}`)
      return dispatch(service, method, args, { trusted, onInternalError: (m, e) => opts.log?.(`${m} failed`, e) })
    })
  }
  const off = service.onAny((event, payload) => {
    for (const wc of opts.targets()) if (!wc.isDestroyed()) wc.send(EVENT_CHANNEL, event, payload)
  })
  return () => {
    off()
    for (const method of methods) ipcMain.removeHandler(channelOf(method))
  }
}
