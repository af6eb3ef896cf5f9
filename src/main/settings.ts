// What the desktop app keeps about its user in the user-data folder: the profile (display name, theme)
// and a stable client id for this installation (hosts dedupe sends and resume members by it).
import { randomUUID } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { NotificationLevel, Theme, type NotificationSettings, type Profile } from '../shared/bridge.ts'
import { LIMITS } from '../shared/limits.ts'
import { ClientId, RoomIdText, RoomNameText } from '../shared/protocol.ts'
import { raiseReadPosition, withoutRoom, type ReadPositions } from '../shared/read-positions.ts'

const NO_NOTIFICATION_SETTINGS: NotificationSettings = { doNotDisturb: false, rooms: {}, previewsInPasswordRooms: false }

/** A room the app is in, enough to rejoin it after a restart (never its password). */
const JoinedEntry = z.object({
  id: RoomIdText,
  name: RoomNameText.catch('Room'),
  passwordRequired: z.boolean(),
  address: z.object({ address: z.string().min(1).max(300), port: z.number().int().min(1).max(65535) }),
  /** This device's member id in the room (stable per client id), to tell its own messages while the host is gone. */
  you: z.string().max(64).optional().catch(undefined),
})
export type JoinedEntry = z.infer<typeof JoinedEntry>

const Stored = z.object({
  clientId: ClientId,
  profile: z.object({ name: z.string().max(64).catch(''), theme: Theme.catch('system') }).catch({ name: '', theme: 'system' }),
  /** Last port each hosted room listened on, so members reconnect to the same address after a restart. */
  ports: z.record(z.string(), z.number().int().min(1).max(65535)).catch({}),
  /** Per room id, the last seq the user has seen there (src/shared/read-positions.ts). */
  readUpTo: z.record(z.string(), z.number().int().nonnegative()).catch({}),
  /** Do-not-disturb, each room's notification level, previews in password rooms (src/main/notifications). */
  notifications: z
    .object({
      doNotDisturb: z.boolean().catch(false),
      rooms: z.record(z.string(), NotificationLevel).catch({}),
      previewsInPasswordRooms: z.boolean().catch(false),
    })
    .catch(() => ({ ...NO_NOTIFICATION_SETTINGS, rooms: {} })),
  /** The rooms the app is in, in the order joined, and the one shown: rejoined at the next start. */
  // Entry by entry: one unreadable room (a hand-edited file) does not cost the others.
  joined: z
    .array(z.unknown())
    .catch([])
    .transform((list) =>
      list
        .flatMap((e) => {
          const r = JoinedEntry.safeParse(e)
          return r.success ? [r.data] : []
        })
        .slice(0, LIMITS.maxJoinedRooms),
    ),
  shown: RoomIdText.optional().catch(undefined),
})
export type StoredSettings = z.infer<typeof Stored>

export class Settings {
  readonly file: string
  #data: StoredSettings

  constructor(userDataDir: string) {
    mkdirSync(userDataDir, { recursive: true })
    this.file = join(userDataDir, 'settings.json')
    this.#data = Settings.#load(this.file)
    this.#save()
  }

  static #load(file: string): StoredSettings {
    try {
      return Stored.parse(JSON.parse(readFileSync(file, 'utf8')))
    } catch {
      return {
        clientId: randomUUID(),
        profile: { name: '', theme: 'system' },
        ports: {},
        readUpTo: {},
        notifications: { ...NO_NOTIFICATION_SETTINGS, rooms: {} },
        joined: [],
      }
    }
  }

  get clientId(): string {
    return this.#data.clientId
  }

  get profile(): Profile {
    return { ...this.#data.profile }
  }

  setProfile(patch: Partial<Profile>): Profile {
    this.#data.profile = { ...this.#data.profile, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) }
    this.#save()
    return this.profile
  }

  get notifications(): NotificationSettings {
    const n = this.#data.notifications
    return { ...n, rooms: { ...n.rooms } }
  }

  /** Merge a change; a room set back to `all` (the default) is forgotten. */
  setNotifications(patch: Partial<NotificationSettings>): NotificationSettings {
    const n = this.#data.notifications
    if (patch.doNotDisturb !== undefined) n.doNotDisturb = patch.doNotDisturb
    if (patch.previewsInPasswordRooms !== undefined) n.previewsInPasswordRooms = patch.previewsInPasswordRooms
    for (const [id, level] of Object.entries(patch.rooms ?? {})) {
      // A computed key in a literal is an own property even for "__proto__" (room ids come from the network).
      if (level === 'all') delete n.rooms[id]
      else n.rooms = { ...n.rooms, [id]: level }
    }
    this.#save()
    return this.notifications
  }

  /** Per room id, the last seq seen there. */
  get readUpTo(): ReadPositions {
    return { ...this.#data.readUpTo }
  }

  /** The user has seen `roomId` up to `seq`; written only when that raises the position. */
  markRead(roomId: string, seq: number): void {
    const next = raiseReadPosition(this.#data.readUpTo, roomId, seq)
    if (next === this.#data.readUpTo) return
    this.#data.readUpTo = next
    this.#save()
  }

  get joined(): { rooms: JoinedEntry[]; shown: string | undefined } {
    return { rooms: this.#data.joined.map((r) => ({ ...r })), shown: this.#data.shown }
  }

  /** The rooms the app is in now (written only when that changes what a restart would rejoin). */
  setJoined(rooms: readonly JoinedEntry[], shown: string | undefined): void {
    const next = { joined: rooms.map((r) => ({ ...r })), shown }
    if (JSON.stringify(next) === JSON.stringify({ joined: this.#data.joined, shown: this.#data.shown })) return
    this.#data.joined = next.joined
    if (shown === undefined) delete this.#data.shown
    else this.#data.shown = shown
    this.#save()
  }

  /** Forget where the user read in `roomId` and its direct conversations (its log started over). */
  forgetReads(roomId: string): void {
    this.#data.readUpTo = withoutRoom(this.#data.readUpTo, roomId)
    this.#save()
  }

  portOf(roomKey: string): number | undefined {
    return this.#data.ports[roomKey]
  }

  setPort(roomKey: string, port: number): void {
    if (this.#data.ports[roomKey] === port) return
    this.#data.ports[roomKey] = port
    this.#save()
  }

  /** Write to a temporary file and rename it over the old one: a crash never leaves half a file. */
  #save(): void {
    const tmp = `${this.file}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify(this.#data, null, 2) + '\n', { mode: 0o600 })
    renameSync(tmp, this.file)
  }
}
