// "Host a room": a name and an optional password.
import { useState } from 'react'
import { LIMITS } from '../../shared/limits.ts'
import { errorText } from '../state/connection.ts'
import { useBridge, useDispatch } from '../state/use-app.ts'
import { Field } from './Field.tsx'
import { Modal } from './Modal.tsx'

export function HostDialog(props: {
  defaultName: string
  onClose: () => void
  onHosted: (room: { id: string; name: string }, password?: string) => void
}) {
  const beacon = useBridge()
  const dispatch = useDispatch()
  const [name, setName] = useState(props.defaultName)
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)

  const submit = async () => {
    const n = name.trim()
    if (!n) return setError('Give the room a name.')
    setBusy(true)
    const r = await beacon.hostRoom(password ? { name: n, password } : { name: n })
    setBusy(false)
    if (!r.ok) return setError(errorText(r.error.code, r.error.message))
    dispatch({ type: 'hosting', hosting: r.value })
    props.onHosted(r.value.room ?? { id: '', name: n }, password || undefined)
  }

  return (
    <Modal title="Host a room" description="Everyone on your network will see it in their room list." onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
      >
        <Field
          label="Room name"
          value={name}
          maxLength={LIMITS.maxNameChars}
          required
          data-autofocus
          onChange={(e) => (setName(e.target.value), setError(undefined))}
          error={error}
        />
        <Field
          label="Password"
          type="password"
          value={password}
          maxLength={128}
          autoComplete="new-password"
          hint="Optional. Only people who know it can join."
          onChange={(e) => setPassword(e.target.value)}
        />
        <div className="modal-actions">
          <button type="button" className="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? 'Starting…' : 'Start hosting'}
          </button>
        </div>
      </form>
    </Modal>
  )
}
