// The rooms the desktop app is in, and the one it shows. Each room has its own RoomSession (the same as the
// browser build's), recorded on this device and notifying; the room-scoped events (session, history, message,
// members, outbox, typing, error) are the shown room's only, and `joined` carries every room's state and counts
// (throttled: a busy room changes them per message). Switching sends the new room's state first, then its
// messages with `reset`, its members and outbox. The list is kept in settings.json and rejoined at the next start;
// a password room comes back locked (passwords are never stored).
import { WebSocket } from 'ws'
import type { BridgeEvents, JoinedRoom, RoomListing, SessionState } from '../../shared/bridge.ts'
import { formatAddress } from '../../shared/address.ts'
import type { RoomAddress } from '../../shared/discovery.ts'
import { Emitter } from '../../shared/emitter.ts'
import { BeaconError } from '../../shared/errors.ts'
import { LIMITS, WS_PATH } from '../../shared/protocol.ts'
import type { WebSocketCtor } from '../../shared/room-client.ts'
import { RoomSession, SESSION_EVENTS, type SessionEvent } from '../../shared/room-session.ts'
import { roomFilesBase } from '../files/proxy.ts'
import type { JoinTarget } from '../join.ts'
import { withHostOffline } from '../local-history/offline.ts'
import { fromLocalHistory, recordSession } from '../local-history/record.ts'
import type { LocalHistory } from '../local-history/store.ts'
import type { Notifier } from '../notifications/notifier.ts'
import type { RoomInfo } from '../notifications/policy.ts'
import type { RoomList } from '../room-list.ts'
import type { Settings } from '../settings.ts'
import { entryOf, httpOrigin, listingOf, type Joined, type RoomEntry } from './room-entry.ts'

export interface JoinedRoomsOptions {
  settings: Settings
  history: LocalHistory
  notifier: Notifier
  /** Where a room listed at another address now is resolved (discovery). */
  list: RoomList
  /** The room this app hosts, if any: on loopback, never followed elsewhere. */
  hostedId: () => string | undefined
  /** Whether the user is looking at this room now (a focused window showing it). */
  lookingAt?: (roomId: string) => boolean
  WebSocket?: WebSocketCtor
  backoff?: { baseMs: number; maxMs: number }
  heartbeatTimeoutMs?: number
}

type Events = { [E in SessionEvent | 'joined']: BridgeEvents[E] }

export class JoinedRooms extends Emitter<Events> {
  #opts: JoinedRoomsOptions
  /** In the order joined (the sidebar's order). */
  #rooms = new Map<string, RoomEntry>()
  #shown: Joined | undefined
  /** The shown room's session state; kept after a refused join (with no room to go back to) so the UI can say why. */
  #state: SessionState = { connection: { status: 'closed' } }
  #countsTimer: ReturnType<typeof setTimeout> | undefined
  #closed = false

  constructor(opts: JoinedRoomsOptions) {
    super()
    this.#opts = opts
  }

  get shown(): Joined | undefined {
    return this.#shown
  }
  get state(): SessionState {
    return this.#state
  }
  get(roomId: string): RoomEntry | undefined {
    return this.#rooms.get(roomId)
  }

  *sessions(): Generator<Joined> {
    for (const e of this.#rooms.values()) if (e.kind === 'joined') yield e
  }

  /** Every room as the sidebar lists it. */
  list(): JoinedRoom[] {
    const read = this.#opts.settings.readUpTo
    const hosted = this.#opts.hostedId()
    return [...this.#rooms.values()].map((e) => listingOf(e, read, hosted))
  }

  /** Room for one more room (`roomId`: unless the app is in it already). */
  requireRoomFor(roomId: string | undefined): void {
    if (roomId !== undefined && this.#rooms.has(roomId)) return
    if (this.#rooms.size >= LIMITS.maxJoinedRooms)
      throw new BeaconError('bad_argument', `You are in ${LIMITS.maxJoinedRooms} rooms already: leave one first`)
  }

  /**
   * Connect to a room and (unless `show` is false) show it, keeping the others; resolves once in (or throws why
   * not, and shows the room shown before again). A room whose host did not answer (`offline`) resolves at once: it
   * shows this device's history while the session keeps trying. Joining a room the app is in again replaces its
   * session, in its place.
   */
  async join(target: JoinTarget, name: string, password: string | undefined, opts: { show: boolean } = { show: true }): Promise<void> {
    const { address, room, offline } = target
    this.requireRoomFor(room.id)
    const before = this.#shown
    const old = this.#rooms.get(room.id)
    const show = opts.show || before === old
    if (old?.kind === 'joined') this.#close(old)
    this.#opts.history.remember({ ...room, address })
    const joined = this.#open(room, address, name, password, old?.kind === 'locked' ? old.entry.you : old?.you)
    this.#rooms.set(room.id, joined)
    if (show) this.show(joined)
    this.#changed()
    const joining = joined.session.join({ keepTrying: offline }).catch((e: unknown) => {
      // Refused before ever getting in: the session has stopped and said why (its `session` event).
      if (this.#rooms.get(room.id) === joined) {
        this.#rooms.delete(room.id)
        joined.off.forEach((off) => off())
        if (this.#shown === joined) {
          this.#shown = undefined
          const back = before !== undefined && before !== old && this.#rooms.get(before.room.id) === before ? before : undefined
          if (back) this.show(back)
        }
        this.#changed()
      }
      throw e
    })
    if (offline) joining.catch(() => {})
    else await joining
  }

  /** Make `j` the room shown: its state, held messages, members and outbox replace the window's, in that order. */
  show(j: Joined): void {
    this.#shown = j
    const s = j.session.snapshot
    this.emit('session', (this.#state = withHostOffline(s.session)))
    this.emit('history', { messages: s.messages, reset: true, ...s.window })
    this.emit('members', s.members)
    this.emit('outbox', s.outbox)
    if (this.#opts.lookingAt?.(j.room.id)) this.#opts.notifier.seen(j.room.id)
    this.#changed()
  }

  /** Leave a room for good (the user left it, or stopped hosting it): another room the app is in is shown instead. */
  leave(e: RoomEntry): void {
    if (e.kind === 'locked') {
      this.#rooms.delete(e.entry.id)
      return this.#changed()
    }
    const order = [...this.#rooms.values()]
    const at = order.indexOf(e)
    this.#rooms.delete(e.room.id)
    this.#close(e)
    if (this.#shown === e) {
      this.#shown = undefined
      const next = [...order.slice(at + 1), ...order.slice(0, at).reverse()].find((r): r is Joined => r.kind === 'joined')
      if (next) this.show(next)
    }
    this.#changed()
  }

  /** A refused join is still shown (with why) while no room is: forget it, and say so. */
  forgetRefusal(): void {
    if (this.#shown || this.#state.room === undefined) return
    this.emit('session', (this.#state = { connection: { status: 'closed' } }))
  }

  /** Rejoin the rooms the app was in (settings.json): each shows this device's history at once and keeps trying. */
  restore(name: string): void {
    const { rooms, shown } = this.#opts.settings.joined
    for (const entry of rooms) {
      if (entry.passwordRequired) {
        this.#rooms.set(entry.id, { kind: 'locked', entry })
        continue
      }
      const room = { id: entry.id, name: entry.name, passwordRequired: false }
      const joined = this.#open(room, entry.address, name, undefined, entry.you)
      this.#rooms.set(entry.id, joined)
      joined.session.join({ keepTrying: true }).catch(() => {
        // Refused now (the room changed hands, or locks people out): it stays listed, closed, until left.
      })
    }
    const show = this.#rooms.get(shown ?? '')
    const first = this.sessions().next()
    if (show?.kind === 'joined') this.show(show)
    else if (!first.done) this.show(first.value)
    if (rooms.length > 0) this.#changed()
  }

  /**
   * A joined room not answering where it was is listed at another address now (a new DHCP lease, the host on
   * another network card): follow it there, keeping which room is shown. The hosted room is on loopback.
   */
  relocate(listing: RoomListing, name: string): void {
    const j = this.#rooms.get(listing.id)
    if (j?.kind !== 'joined' || j.relocating || j.session.state.connection.status === 'open') return
    if (listing.id === this.#opts.hostedId() || listing.addresses.includes(formatAddress(j.address.address, j.address.port))) return
    j.relocating = true
    void this.#opts.list
      .resolve(listing)
      .then((r) => {
        if (!r || this.#rooms.get(listing.id) !== j || j.session.state.connection.status === 'open') return
        return this.join({ address: r.address, room: j.room, offline: true }, name, j.password, { show: false })
      })
      .catch(() => {})
      .finally(() => delete j.relocating)
  }

  /** Rooms, the room shown, or their counts changed (a read position moved, the hosted room): sent soon. */
  countsChanged(): void {
    if (this.#countsTimer !== undefined || this.#closed) return
    this.#countsTimer = setTimeout(() => {
      this.#countsTimer = undefined
      this.emit('joined', this.list())
    }, LIMITS.joinedCountsMs)
    this.#countsTimer.unref?.()
  }

  /** Close every room without forgetting them: the next start rejoins them. */
  close(): void {
    this.#closed = true
    clearTimeout(this.#countsTimer)
    for (const j of this.sessions()) this.#close(j)
    this.#shown = undefined
  }

  /** A session for `room`, recorded on this device, notifying, its events forwarded while it is shown. */
  #open(room: RoomInfo, address: RoomAddress, name: string, password: string | undefined, you: string | undefined): Joined {
    const { settings, history, notifier } = this.#opts
    const copy = fromLocalHistory(history, room.id)
    const session = new RoomSession({
      url: `ws://${formatAddress(address.address, address.port)}${WS_PATH}`,
      name,
      clientId: settings.clientId,
      WebSocket: this.#opts.WebSocket ?? HostSocket,
      password,
      room: { id: room.id, name: room.name },
      filesBase: roomFilesBase(room.id),
      ...(this.#opts.backoff ? { backoff: this.#opts.backoff } : {}),
      ...(this.#opts.heartbeatTimeoutMs ? { heartbeatTimeoutMs: this.#opts.heartbeatTimeoutMs } : {}),
      ...copy,
    })
    const joined: Joined = {
      kind: 'joined',
      session,
      room,
      address,
      http: httpOrigin(address),
      off: [],
      ...(you ? { you } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(copy.resume ? { epoch: copy.resume.epoch } : {}),
    }
    joined.off.push(
      session.client.on('welcome', (w) => {
        joined.fileToken = w.files?.token
        this.#welcomed(joined, w.you.id, w.room.epoch)
      }),
      recordSession(history, session),
      session.on('message', (m) => notifier.message(m, joined.room, session.state.you?.id)),
    )
    for (const event of SESSION_EVENTS) {
      joined.off.push(
        session.on(event, (payload) => {
          if (event === 'history' && (payload as BridgeEvents['history']).reset) this.#firstVisit(joined)
          if (event === 'session' || event === 'history' || event === 'message') this.countsChanged()
          if (this.#shown !== joined) return
          if (event === 'session') this.#state = withHostOffline(payload as SessionState)
          this.emit(event, (event === 'session' ? this.#state : payload) as never)
        }),
      )
    }
    return joined
  }

  /**
   * In: this device's member id there is known (its own messages are not unread), and remembered. A new log (its
   * data deleted, another host) numbers other messages: where the user read in the old one means nothing there.
   */
  #welcomed(joined: Joined, you: string, epoch: string): void {
    if (joined.epoch !== undefined && joined.epoch !== epoch) this.#opts.settings.forgetReads(joined.room.id)
    joined.epoch = epoch
    if (joined.you === you) return
    joined.you = you
    this.#changed()
  }

  /** A room first joined starts read: what was said before the user came is history, not news. */
  #firstVisit(joined: Joined): void {
    const { settings } = this.#opts
    const latest = joined.session.held.messages.at(-1)?.seq
    if (latest !== undefined && !Object.hasOwn(settings.readUpTo, joined.room.id)) settings.markRead(joined.room.id, latest)
  }

  /** Close `j`'s session; while shown, it reports the room gone (session, members, history, outbox) first. */
  #close(j: Joined): void {
    this.#opts.notifier.seen(j.room.id)
    j.session.close()
    j.off.forEach((off) => off())
  }

  /** Which rooms the app is in, or which it shows, changed: remembered for the next start, and the counts sent. */
  #changed(): void {
    if (this.#closed) return
    this.#opts.settings.setJoined([...this.#rooms.values()].map(entryOf), this.#shown?.room.id)
    this.countsChanged()
  }
}

/** `ws` with a frame bound: a hostile host cannot make the app buffer ws's default 100 MiB per frame. */
class BoundedWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols, { maxPayload: LIMITS.maxHostFrameBytes })
  }
}
const HostSocket = BoundedWebSocket as unknown as WebSocketCtor
