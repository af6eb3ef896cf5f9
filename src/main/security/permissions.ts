// Permission request and check handlers: everything is denied except notifications for the app's own
// page (Electron's security checklist, point 5).
import { isAppUrl, type AppOrigin } from './urls.ts'

export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['notifications'])

export function permissionAllowed(permission: string, requestingUrl: string | undefined | null, origin: AppOrigin): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isAppUrl(requestingUrl, origin)
}
