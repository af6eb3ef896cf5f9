// The React binding of the app model: one reducer fed by a snapshot and then by bridge events.
import { createContext, useContext, useEffect, useReducer, useRef, useState } from 'react'
import type { BeaconBridge } from '../../shared/bridge.ts'
import { BRIDGE_EVENT_NAMES, type BridgeEvent, type BridgeListeners } from '../../shared/bridge-events.ts'
import type { ErrorCode } from '../../shared/errors.ts'
import { appReducer, initialState, type AppAction, type AppState } from './app.ts'
import { nextExpiry } from './typing.ts'

export const BridgeContext = createContext<BeaconBridge | null>(null)

export const DispatchContext = createContext<React.Dispatch<AppAction>>(() => {})

export function useDispatch(): React.Dispatch<AppAction> {
  return useContext(DispatchContext)
}

export function useBridge(): BeaconBridge {
  const b = useContext(BridgeContext)
  if (!b) throw new Error('useBridge outside BridgeContext')
  return b
}

export function useAppState(
  bridge: BeaconBridge,
  onError: (e: { code: ErrorCode; message: string }) => void,
): [AppState, React.Dispatch<AppAction>, string | undefined] {
  const [state, dispatch] = useReducer(appReducer, initialState)
  const [loadError, setLoadError] = useState<string | undefined>(undefined)
  // The latest error handler, without resubscribing to the bridge when it changes.
  const reportError = useRef(onError)
  useEffect(() => {
    reportError.current = onError
  })

  useEffect(() => {
    let alive = true
    // One listener per event, typed as a record of them all: an event added to the bridge fails the type
    // check here until the UI handles it.
    const listeners: BridgeListeners = {
      rooms: (event) => dispatch({ type: 'rooms', event }),
      history: (event) => dispatch({ type: 'history', event }),
      message: (message) => dispatch({ type: 'message', message, now: Date.now() }),
      outbox: (outbox) => dispatch({ type: 'outbox', outbox }),
      members: (members) => dispatch({ type: 'members', members }),
      typing: (member) => dispatch({ type: 'typing', member, now: Date.now() }),
      session: (session) => dispatch({ type: 'session', session }),
      hosting: (hosting) => dispatch({ type: 'hosting', hosting }),
      profile: (profile) => dispatch({ type: 'profile', profile }),
      downloads: (downloads) => dispatch({ type: 'downloads', downloads }),
      openMessage: (at) => dispatch({ type: 'openMessage', ...at }),
      joined: (joined) => dispatch({ type: 'joined', joined }),
      error: (e) => reportError.current(e),
    }
    const subscribe = <E extends BridgeEvent>(event: E) => bridge.on(event, listeners[event])
    const offs = BRIDGE_EVENT_NAMES.map(subscribe)
    // Subscribe first, then read the snapshot, so nothing that happens in between is lost (events that
    // arrived before it are superseded by it, merging is idempotent).
    void bridge.getSnapshot().then((r) => {
      if (!alive) return
      if (r.ok) dispatch({ type: 'snapshot', snapshot: r.value })
      else setLoadError(r.error.message)
    })
    return () => {
      alive = false
      for (const off of offs) off()
    }
  }, [bridge])

  // One timer for the earliest typing indicator to expire.
  useEffect(() => {
    const at = nextExpiry(state.typing)
    if (at === undefined) return
    const t = setTimeout(() => dispatch({ type: 'typingExpire', now: Date.now() }), Math.max(0, at - Date.now()) + 20)
    return () => clearTimeout(t)
  }, [state.typing])

  return [state, dispatch, loadError]
}
