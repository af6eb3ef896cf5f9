// A bridge snapshot for unit tests of the UI's state: Bo, in the desktop app, in no room, nothing held; a test
// states only what it is about.
import { DESKTOP_CAPABILITIES, type Snapshot } from '../../src/shared/bridge.ts'

export const snapshotWith = (patch: Partial<Snapshot> = {}): Snapshot => ({
  profile: { name: 'Bo', theme: 'system' },
  capabilities: { ...DESKTOP_CAPABILITIES },
  rooms: [],
  hosting: { status: 'off' },
  session: { connection: { status: 'closed' } },
  members: [],
  messages: [],
  window: { start: false, end: true },
  outbox: [],
  readUpTo: {},
  downloads: [],
  notifications: { doNotDisturb: false, rooms: {}, previewsInPasswordRooms: false },
  joined: [],
  ...patch,
})
