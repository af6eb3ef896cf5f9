// The app's notifications, Electron-free: applies the policy (policy.ts) to each live message and hands what to
// show to ports (Electron's Notification and badge in index.ts, a recorder in the test harness).
import type { NotificationSettings } from '../../shared/bridge.ts'
import type { ChatMessage } from '../../shared/protocol.ts'
import { BadgeCount, noticeFor, notifies, type Notice, type RoomInfo } from './policy.ts'

export interface NotificationPorts {
  /** Show a notification, replacing the one shown with the same tag. */
  show(notice: Notice): void
  /** The dock/taskbar badge: unread mentions of you and DMs to you. */
  badge(count: number): void
  /** Whether the user is looking at this room now (the window focused, showing it). */
  lookingAt(roomId: string): boolean
}

export class Notifier {
  #ports: NotificationPorts
  #settings: () => NotificationSettings
  #badge: BadgeCount

  constructor(ports: NotificationPorts, settings: () => NotificationSettings) {
    this.#ports = ports
    this.#settings = settings
    this.#badge = new BadgeCount((n) => ports.badge(n))
  }

  /** A live message of a joined room. */
  message(m: ChatMessage, room: RoomInfo, you: string | undefined): void {
    const lookingAtRoom = this.#ports.lookingAt(room.id)
    this.#badge.message(m, room.id, you, lookingAtRoom)
    const settings = this.#settings()
    if (notifies(m, { you, roomId: room.id, settings, lookingAtRoom }))
      this.#ports.show(noticeFor(m, room, settings.previewsInPasswordRooms))
  }

  /** The user looked at the room, or left it: its mentions no longer count on the badge. */
  seen(roomId: string): void {
    this.#badge.clear(roomId)
  }
}
