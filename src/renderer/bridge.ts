// Where the UI finds the app: `window.beacon`, put there by the desktop preload or the browser build's
// adapter. The UI knows nothing else about either.
import type { BeaconBridge } from '../shared/bridge.ts'

declare global {
  interface Window {
    beacon?: BeaconBridge
  }
}

export function findBridge(): BeaconBridge | undefined {
  return window.beacon
}
