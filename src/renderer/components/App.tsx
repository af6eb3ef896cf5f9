// The app shell: first run, then the room list beside the current room, plus the dialogs. The desktop app is in
// several rooms at once: the sidebar lists them apart ("Your rooms") and the keyboard moves between them.
import { Fragment, useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { BeaconBridge, JoinedRoom, RoomListing } from '../../shared/bridge.ts'
import type { ErrorCode } from '../../shared/errors.ts'
import { inRoom, type AppState } from '../state/app.ts'
import { errorText } from '../state/connection.ts'
import { listConversations, roomConversations } from '../state/conversations.ts'
import { switchKey, type SwitcherItem } from '../state/switching.ts'
import { resolveTheme } from '../state/theme.ts'
import { BridgeContext, DispatchContext, useAppState, useDispatch } from '../state/use-app.ts'
import { Avatar } from './Avatar.tsx'
import { ChatView } from './ChatView.tsx'
import { FirstRun } from './FirstRun.tsx'
import { HostDialog } from './HostDialog.tsx'
import { Icon } from './Icon.tsx'
import { InviteDialog } from './InviteDialog.tsx'
import { JoinDialog, type JoinTarget } from './JoinDialog.tsx'
import { JoinedRooms } from './JoinedRooms.tsx'
import { newRoomMemory, RoomMemoryContext } from './memory-context.ts'
import { QuickSwitcher } from './QuickSwitcher.tsx'
import { RoomList, type ConversationsNav } from './RoomList.tsx'
import { SettingsDialog } from './SettingsDialog.tsx'
import { Toasts, type ToastItem } from './Toasts.tsx'
import { useFileSender } from './use-file-sender.ts'

type DialogState =
  | { kind: 'host' }
  | { kind: 'join-address' }
  | { kind: 'join-password'; room: JoinTarget; error?: ErrorCode }
  | { kind: 'invite' }
  | { kind: 'settings' }
  | { kind: 'switcher' }
  | undefined

/** Errors the UI already shows where they happen (join dialog, banner, a message's failed state). */
const SHOWN_ELSEWHERE = new Set<ErrorCode>([
  'wrong_password',
  'password_required',
  'locked_out',
  'host_stopped',
  'rate_limited',
  'not_joined',
  'too_large',
])

const PASSWORD_CODES = new Set<ErrorCode>(['wrong_password', 'password_required', 'locked_out'])

export function App({ bridge }: { bridge: BeaconBridge }) {
  const [toasts, setToasts] = useState<ToastItem[]>([])
  const toast = useCallback((text: string) => setToasts((t) => [...t.slice(-3), { id: Date.now() + Math.random(), text }]), [])
  const onBridgeError = useCallback(
    (e: { code: ErrorCode; message: string }) => {
      if (!SHOWN_ELSEWHERE.has(e.code)) toast(errorText(e.code, e.message))
    },
    [toast],
  )
  const [state, dispatch, loadError] = useAppState(bridge, onBridgeError)
  useTheme(state)
  const [memory] = useState(newRoomMemory)

  return (
    <BridgeContext.Provider value={bridge}>
      <DispatchContext.Provider value={dispatch}>
        <RoomMemoryContext value={memory}>
          {loadError ? (
            <main className="first-run">
              <div className="card first-run-card" role="alert">
                <h1>Beacon could not start</h1>
                <p>{loadError}</p>
              </div>
            </main>
          ) : !state.loaded ? (
            <main className="first-run" aria-busy="true">
              <p className="muted">Starting Beacon…</p>
            </main>
          ) : state.profile.name === '' ? (
            <FirstRun />
          ) : (
            <Shell state={state} bridge={bridge} toast={toast} />
          )}
          <Toasts toasts={toasts} onDismiss={(id) => setToasts((t) => t.filter((x) => x.id !== id))} />
        </RoomMemoryContext>
      </DispatchContext.Provider>
    </BridgeContext.Provider>
  )
}

function Shell({ state, bridge, toast }: { state: AppState; bridge: BeaconBridge; toast: (text: string) => void }) {
  const [dialog, setDialog] = useState<DialogState>()
  const [target, setTarget] = useState<JoinTarget>()
  const { session, hosting, capabilities, rooms, profile } = state
  const showChat = inRoom(session)
  // Phone-sized windows show one column: the room list can be looked at without leaving the room.
  const [browsing, setBrowsing] = useState(false)
  const shell = useRef<HTMLElement>(null)
  const wasBrowsing = useRef(false)
  // The control that switched views is gone with its view: put focus where the reader now is.
  useEffect(() => {
    if (browsing === wasBrowsing.current) return
    wasBrowsing.current = browsing
    const candidates = browsing
      ? ['.sidebar button[aria-current]', '.sidebar [aria-current] button', '.sidebar button']
      : ['.main textarea:enabled', '.main [role=log]']
    for (const c of candidates) {
      const el = shell.current?.querySelector<HTMLElement>(c)
      if (el) return el.focus()
    }
  }, [browsing])
  const enterRoom = useCallback((t: JoinTarget) => {
    setTarget(t)
    setBrowsing(false)
  }, [])
  const closeDialog = useCallback(() => setDialog(undefined), [])
  // Every opening mounts a fresh dialog: closing with Escape and reopening at once (one React batch) would
  // otherwise keep the closed <dialog> element mounted, never shown again.
  const [dialogSeq, setDialogSeq] = useState(0)
  const openDialog = useCallback((d: NonNullable<DialogState>) => {
    setDialogSeq((n) => n + 1)
    setDialog(d)
  }, [])

  const join = async (room: RoomListing) => {
    const t = { target: room.id, name: room.name }
    if (room.passwordRequired) return openDialog({ kind: 'join-password', room: t })
    enterRoom(t)
    const r = await bridge.joinRoom(room.id, {})
    if (r.ok) return
    if (PASSWORD_CODES.has(r.error.code)) openDialog({ kind: 'join-password', room: t, error: r.error.code })
    else toast(errorText(r.error.code, r.error.message))
  }

  // The browser build has no discovery: the room that served the page is the one to join.
  const autoJoined = useRef(false)
  useEffect(() => {
    if (autoJoined.current || capabilities.discovery || rooms.length !== 1 || inRoom(session)) return
    autoJoined.current = true
    void join(rooms[0]!)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [capabilities.discovery, rooms, session])

  const leave = async (roomId?: string) => {
    if (roomId === undefined || roomId === session.room?.id) setTarget(undefined)
    const r = await bridge.leaveRoom(roomId)
    if (!r.ok) return toast(errorText(r.error.code, r.error.message))
  }

  // A joined room: shown at once (its history is on this device); one rejoined after a restart needs its password.
  const openRoom = async (room: JoinedRoom) => {
    setBrowsing(false)
    // Asked even for the room shown here: a switch asked for a moment ago may not have shown yet.
    const t = { target: room.id, name: room.name }
    if (room.status === 'password') return openDialog({ kind: 'join-password', room: t })
    const r = await bridge.openRoom(room.id)
    if (r.ok) return setTarget(t)
    if (PASSWORD_CODES.has(r.error.code))
      openDialog({ kind: 'join-password', room: t, ...(r.error.code !== 'password_required' ? { error: r.error.code } : {}) })
    else toast(errorText(r.error.code, r.error.message))
  }
  const pick = (item: SwitcherItem) => {
    setDialog(undefined)
    if (item.kind === 'joined') void openRoom(item.room)
    else void join(item.room)
  }
  useSwitchKeys(
    capabilities.severalRooms && dialog === undefined,
    state.joined,
    (room) => void openRoom(room),
    () => openDialog({ kind: 'switcher' }),
  )
  const sender = useFileSender(state)

  const stopHosting = async () => {
    const r = await bridge.stopHosting()
    if (!r.ok) toast(errorText(r.error.code, r.error.message))
  }

  // hostRoom resolves once the app is in its own room (or failed, and said why): nothing to second-guess here.
  const onHosted = (room: { id: string; name: string }) => {
    setDialog(undefined)
    enterRoom({ target: room.id, name: room.name })
  }

  const enterPassword = () => {
    const t = target ?? (session.room ? { target: session.room.id, name: session.room.name } : undefined)
    if (t) openDialog({ kind: 'join-password', room: t })
  }

  const conversations = useConversationsNav(state, () => setBrowsing(false))
  const several = capabilities.severalRooms
  const joinedIds = useMemo(() => new Set(state.joined.map((r) => r.id)), [state.joined])
  const networkRooms = useMemo(() => (several ? rooms.filter((r) => !joinedIds.has(r.id)) : rooms), [several, rooms, joinedIds])

  return (
    // One main landmark around both panes: on a phone only one of them shows, and either is the page.
    <main className="app" data-view={showChat && !browsing ? 'chat' : 'rooms'} ref={shell}>
      <nav className="sidebar" aria-label="Rooms and settings">
        <header className="sidebar-header">
          <h1 className="brand">
            <span className="brand-mark small" aria-hidden="true">
              <Icon name="broadcast" size={16} />
            </span>
            <span>Beacon</span>
          </h1>
        </header>
        <div className="sidebar-actions">
          {capabilities.hosting ? (
            <button
              type="button"
              className="button primary"
              onClick={() => openDialog({ kind: 'host' })}
              disabled={hosting.status !== 'off'}
              title={hosting.status !== 'off' ? 'You are already hosting a room' : undefined}
            >
              <Icon name="plus" />
              Host a room
            </button>
          ) : null}
          {capabilities.joinByAddress ? (
            <button type="button" className="button" onClick={() => openDialog({ kind: 'join-address' })}>
              Join by address…
            </button>
          ) : null}
          {several ? (
            <button
              type="button"
              className="button ghost switch-rooms"
              aria-keyshortcuts={`${MODIFIER.aria}+K`}
              onClick={() => openDialog({ kind: 'switcher' })}
            >
              Switch room…
              {/* Only where there is a keyboard (not on touch screens). */}
              <kbd className="keys-hint" aria-hidden="true">
                {MODIFIER.label}K
              </kbd>
            </button>
          ) : null}
        </div>
        {several ? (
          <JoinedRooms
            joined={state.joined}
            shownId={showChat ? session.room?.id : undefined}
            modifier={MODIFIER.aria}
            onOpen={(r) => void openRoom(r)}
            onLeave={(r) => void leave(r.id)}
            {...(showChat && conversations ? { conversations } : {})}
          />
        ) : null}
        <RoomList
          rooms={networkRooms}
          currentRoomId={showChat && !several ? session.room?.id : undefined}
          discovery={capabilities.discovery}
          hosting={capabilities.hosting}
          onJoin={(r) => void join(r)}
          onOpen={() => setBrowsing(false)}
          othersJoined={networkRooms.length < rooms.length}
          {...(showChat && conversations && !several ? { conversations } : {})}
        />
        <footer className="sidebar-footer">
          <button type="button" className="profile-chip" onClick={() => openDialog({ kind: 'settings' })} title="Settings">
            <Avatar name={profile.name} self small />
            <span className="profile-name">{profile.name}</span>
            <span className="sr-only">, Settings</span>
            <Icon name="settings" size={16} />
          </button>
        </footer>
      </nav>
      <div className="main">
        {showChat ? (
          <ChatView
            state={state}
            fallbackName={target?.name ?? 'Room'}
            sender={sender}
            onLeave={() => void leave()}
            onInvite={() => openDialog({ kind: 'invite' })}
            onStopHosting={() => void stopHosting()}
            onEnterPassword={enterPassword}
            onShowRooms={() => setBrowsing(true)}
          />
        ) : (
          <div className="welcome">
            <div className="brand-mark" aria-hidden="true">
              <Icon name="broadcast" size={28} />
            </div>
            <h1>Hi {profile.name}</h1>
            <p className="muted">
              {capabilities.hosting
                ? 'Pick a room from the list, host your own, or join one by its address.'
                : 'Pick a room from the list, or join one by its address.'}
            </p>
          </div>
        )}
      </div>
      <Fragment key={dialogSeq}>
        {dialog?.kind === 'host' ? <HostDialog defaultName={`${profile.name}’s room`} onClose={closeDialog} onHosted={onHosted} /> : null}
        {dialog?.kind === 'join-address' ? <JoinDialog mode="address" session={session} onStart={enterRoom} onClose={closeDialog} /> : null}
        {dialog?.kind === 'join-password' ? (
          <JoinDialog
            mode="password"
            room={dialog.room}
            initialError={dialog.error}
            session={session}
            onStart={enterRoom}
            onClose={closeDialog}
          />
        ) : null}
        {dialog?.kind === 'invite' ? (
          <InviteDialog roomName={session.room?.name ?? target?.name ?? 'the room'} onClose={closeDialog} />
        ) : null}
        {dialog?.kind === 'switcher' ? (
          <QuickSwitcher joined={state.joined} rooms={rooms} shownId={session.room?.id} onPick={pick} onClose={closeDialog} />
        ) : null}
        {dialog?.kind === 'settings' ? (
          <SettingsDialog
            profile={profile}
            notifications={state.notifications}
            desktopNotifications={capabilities.notifications}
            onClose={closeDialog}
          />
        ) : null}
      </Fragment>
    </main>
  )
}

/** The keyboard's modifier for switching rooms: ⌘ on a Mac (when the platform says so), Ctrl elsewhere. */
const MAC = /mac|iphone|ipad/i.test(
  (navigator as Navigator & { userAgentData?: { platform?: string } }).userAgentData?.platform ?? navigator.platform,
)
const MODIFIER = MAC ? { aria: 'Meta', label: '⌘' } : { aria: 'Control', label: 'Ctrl+' }

/** Ctrl+1…9 show the nth joined room, Ctrl+K opens the quick switcher (⌘ on a Mac), while `active`. */
function useSwitchKeys(active: boolean, joined: readonly JoinedRoom[], open: (room: JoinedRoom) => void, switcher: () => void) {
  const latest = useRef({ joined, open, switcher })
  useEffect(() => {
    latest.current = { joined, open, switcher }
  })
  useEffect(() => {
    if (!active) return
    const onKey = (e: KeyboardEvent) => {
      const k = e.defaultPrevented ? undefined : switchKey(e, MAC)
      if (!k) return
      const { joined, open, switcher } = latest.current
      if (k.kind === 'switcher') switcher()
      else if (joined[k.index]) open(joined[k.index]!)
      else return
      e.preventDefault()
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [active])
}

/** The joined room's conversations for the sidebar; picking one shows it (on a phone, instead of the list). */
function useConversationsNav(state: AppState, show: () => void): ConversationsNav | undefined {
  const dispatch = useDispatch()
  const roomId = state.session.room?.id
  const rc = roomConversations(state.conversations, roomId)
  const items = useMemo(
    () =>
      listConversations(
        state.messages,
        rc,
        state.session.you,
        state.members,
        roomId !== undefined ? { roomId, readUpTo: state.readUpTo } : undefined,
      ),
    [state.messages, rc, state.session.you, state.members, roomId, state.readUpTo],
  )
  if (roomId === undefined) return undefined
  return {
    items,
    open: rc.open,
    onSelect: (key) => {
      dispatch({ type: 'openConversation', roomId, key })
      show()
    },
  }
}

/** Apply the theme to the document: the profile's choice, following the system when it says so. */
function useTheme(state: AppState) {
  const choice = state.profile.theme
  useEffect(() => {
    const mq = window.matchMedia('(prefers-color-scheme: dark)')
    const apply = () => {
      document.documentElement.dataset.theme = resolveTheme(choice, mq.matches)
    }
    apply()
    mq.addEventListener('change', apply)
    return () => mq.removeEventListener('change', apply)
  }, [choice])
}
