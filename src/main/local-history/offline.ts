// A room whose host is gone (it stopped the room, or stopped answering) stays on screen from this device's copy,
// read-only, while the session keeps trying: the session state says so (`hostOffline`) for the banner and composer.
import type { SessionState } from '../../shared/bridge.ts'

export function withHostOffline(state: SessionState): SessionState {
  const c = state.connection
  const gone = c.status === 'reconnecting' && (c.reason === 'host_stopped' || c.reason === 'unreachable')
  return gone ? { ...state, hostOffline: true } : state
}
