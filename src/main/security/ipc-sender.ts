// Who may call the bridge: only the app's own page in the window's top frame. A subframe, a page that
// navigated elsewhere or a destroyed frame is refused (VS Code's validatedIpcMain, Electron checklist 17).
import { isAppUrl, type AppOrigin } from './urls.ts'

export interface SenderFrame {
  url: string
  /** The frame is its window's main frame (not an iframe). */
  isTopFrame: boolean
}

export function isTrustedSender(frame: SenderFrame | null | undefined, origin: AppOrigin): boolean {
  if (!frame || frame.isTopFrame !== true) return false
  return isAppUrl(frame.url, origin)
}
