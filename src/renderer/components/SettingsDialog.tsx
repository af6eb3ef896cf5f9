// Settings: the display name, the theme (System follows the OS; Light and Dark override it) and notifications
// (do not disturb; whether notifications from password-protected rooms show the message's text).
import { useState } from 'react'
import type { NotificationSettings, Profile, Theme } from '../../shared/bridge.ts'
import { LIMITS } from '../../shared/limits.ts'
import { errorText } from '../state/connection.ts'
import { useBridge, useDispatch } from '../state/use-app.ts'
import { Field } from './Field.tsx'
import { Modal } from './Modal.tsx'

const THEMES: { value: Theme; label: string }[] = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
]

export function SettingsDialog(props: {
  profile: Profile
  notifications: NotificationSettings
  /** The desktop app shows notifications; the browser client only plays a tone for mentions and DMs. */
  desktopNotifications: boolean
  onClose: () => void
}) {
  const beacon = useBridge()
  const dispatch = useDispatch()
  const setProfile = async (patch: Partial<Profile>) => {
    const r = await beacon.setProfile(patch)
    if (r.ok) dispatch({ type: 'profile', profile: r.value })
    return r
  }
  const [name, setName] = useState(props.profile.name)
  const [error, setError] = useState<string>()
  // Shown at once; the app's answer (the profile event) follows.
  const [theme, setTheme] = useState<Theme>(props.profile.theme)
  // Shown at once, like the theme; the app's answer then replaces it (and the app state gets it).
  const [notify, setNotify] = useState(props.notifications)
  const setNotifications = async (patch: Partial<NotificationSettings>) => {
    setNotify((n) => ({ ...n, ...patch }))
    const r = await beacon.setNotifications(patch)
    if (!r.ok) return setNotify(props.notifications)
    setNotify(r.value)
    dispatch({ type: 'notifications', notifications: r.value })
  }

  const saveName = async () => {
    const n = name.trim()
    if (!n) return setError('Your name cannot be empty.')
    if (n === props.profile.name) return props.onClose()
    const r = await setProfile({ name: n })
    if (!r.ok) return setError(errorText(r.error.code, r.error.message))
    props.onClose()
  }

  return (
    <Modal title="Settings" onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          void saveName()
        }}
      >
        <Field
          label="Display name"
          value={name}
          maxLength={LIMITS.maxNameChars}
          data-autofocus
          error={error}
          hint="Others see this name. Changing it also updates the room you are in."
          onChange={(e) => (setName(e.target.value), setError(undefined))}
        />
        <fieldset className="field theme-picker">
          <legend>Theme</legend>
          <div className="segmented">
            {THEMES.map((t) => (
              <label key={t.value} className="segment">
                <input
                  type="radio"
                  name="theme"
                  value={t.value}
                  checked={theme === t.value}
                  onChange={() => (setTheme(t.value), void setProfile({ theme: t.value }))}
                />
                <span>{t.label}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <fieldset className="field notify-settings">
          <legend>Notifications</legend>
          <label className="check">
            <input
              type="checkbox"
              checked={notify.doNotDisturb}
              aria-describedby="dnd-hint"
              onChange={(e) => void setNotifications({ doNotDisturb: e.target.checked })}
            />
            <span>Do not disturb</span>
          </label>
          <span id="dnd-hint" className="field-hint">
            {props.desktopNotifications
              ? 'No notifications at all, not even for mentions and direct messages. Each room’s own choice is in its header.'
              : 'No tone when you are mentioned or get a direct message while this tab is in the background.'}
          </span>
          {props.desktopNotifications ? (
            <>
              <label className="check">
                <input
                  type="checkbox"
                  checked={notify.previewsInPasswordRooms}
                  aria-describedby="previews-hint"
                  onChange={(e) => void setNotifications({ previewsInPasswordRooms: e.target.checked })}
                />
                <span>Show message text from password-protected rooms</span>
              </label>
              <span id="previews-hint" className="field-hint">
                Otherwise their notifications only say who wrote, so the text does not show on a locked screen.
              </span>
            </>
          ) : null}
        </fieldset>
        <div className="modal-actions">
          <button type="button" className="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="button primary">
            Save
          </button>
        </div>
      </form>
    </Modal>
  )
}
