// One room the desktop app is in: its RoomSession (the same as the browser build's), where it is, its file
// token, and what is kept of it on this device (local history, notifications). A password room restored after a
// restart has no session until the user gives the password again (it is never stored): a `Locked` entry.
import type { JoinedRoom, SessionState } from '../../shared/bridge.ts'
import { formatAddress } from '../../shared/address.ts'
import type { RoomAddress } from '../../shared/discovery.ts'
import type { ReadPositions } from '../../shared/read-positions.ts'
import type { RoomSession } from '../../shared/room-session.ts'
import { withHostOffline } from '../local-history/offline.ts'
import type { RoomInfo } from '../notifications/policy.ts'
import type { JoinedEntry } from '../settings.ts'
import { roomCounts } from './counts.ts'

export interface Joined {
  kind: 'joined'
  session: RoomSession
  room: RoomInfo
  address: RoomAddress
  /** The host's HTTP origin (file routes are on the room's port). */
  http: string
  /** The member token of the latest welcome (docs/PROTOCOL-FILES.md); kept after leaving for its grace period. */
  fileToken?: string
  /** This device's member id there, from the last welcome (or the settings, while the host is gone). */
  you?: string
  /** The room's log (its epoch) the read positions are about: from this device's history, then each welcome. */
  epoch?: string
  /** Kept in memory only, to follow the room to another address (never written to disk). */
  password?: string
  /** Following the room to the address discovery lists it at now. */
  relocating?: true
  off: Array<() => void>
}

export interface Locked {
  kind: 'locked'
  entry: JoinedEntry
}

export type RoomEntry = Joined | Locked

export const httpOrigin = (a: RoomAddress): string => `http://${formatAddress(a.address, a.port)}`

export const idOf = (e: RoomEntry): string => (e.kind === 'joined' ? e.room.id : e.entry.id)

/** What a restart needs to rejoin the room. */
export function entryOf(e: RoomEntry): JoinedEntry {
  if (e.kind === 'locked') return e.entry
  const name = e.session.state.room?.name ?? e.room.name
  return {
    id: e.room.id,
    name,
    passwordRequired: e.room.passwordRequired,
    address: { ...e.address },
    ...(e.you !== undefined ? { you: e.you } : {}),
  }
}

/** The room as the sidebar lists it. */
export function listingOf(e: RoomEntry, read: ReadPositions, hostedId: string | undefined): JoinedRoom {
  if (e.kind === 'locked') {
    const { id, name } = e.entry
    return { id, name, status: 'password', unread: 0, mentions: 0, hosted: false, passwordRequired: true }
  }
  const state = e.session.state
  return {
    id: e.room.id,
    name: state.room?.name ?? e.room.name,
    status: statusOf(state),
    ...roomCounts(e.room.id, e.session.held, e.you, read),
    hosted: e.room.id === hostedId,
    passwordRequired: e.room.passwordRequired,
  }
}

function statusOf(state: SessionState): JoinedRoom['status'] {
  if (withHostOffline(state).hostOffline) return 'offline'
  const s = state.connection.status
  return s === 'open' ? 'live' : s === 'closed' ? 'offline' : 'connecting'
}
