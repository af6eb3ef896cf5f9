// The room header's notifications choice: every message, only mentions of you and direct messages, or nothing.
// Kept per room id by the app (setNotifications); a native select, so keyboard, screen readers and phones need nothing more.
import type { NotificationLevel, NotificationSettings } from '../../shared/bridge.ts'
import { useBridge, useDispatch } from '../state/use-app.ts'
import { Icon } from './Icon.tsx'

const LEVELS: { value: NotificationLevel; label: string }[] = [
  { value: 'all', label: 'All messages' },
  { value: 'mentions', label: 'Mentions and direct messages' },
  { value: 'nothing', label: 'Nothing' },
]

export function RoomNotifications(props: { roomId: string; settings: NotificationSettings }) {
  const beacon = useBridge()
  const dispatch = useDispatch()
  const level = props.settings.rooms[props.roomId] ?? 'all'
  const choose = async (value: NotificationLevel) => {
    const r = await beacon.setNotifications({ rooms: { [props.roomId]: value } })
    // Refused (the settings could not be saved): the select is controlled, so it goes back to the level in force.
    if (r.ok) dispatch({ type: 'notifications', notifications: r.value })
  }
  return (
    <label className="room-notify" title="Notifications for this room">
      <Icon name={level === 'nothing' ? 'bellOff' : 'bell'} />
      <span className="sr-only">Notifications</span>
      <select value={level} onChange={(e) => void choose(e.target.value as NotificationLevel)}>
        {LEVELS.map((l) => (
          <option key={l.value} value={l.value}>
            {l.label}
          </option>
        ))}
      </select>
    </label>
  )
}
