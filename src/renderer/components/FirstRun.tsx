// First run: the app needs a display name before anything else.
import { useState } from 'react'
import { LIMITS } from '../../shared/limits.ts'
import { errorText } from '../state/connection.ts'
import { useBridge, useDispatch } from '../state/use-app.ts'
import { Field } from './Field.tsx'
import { Icon } from './Icon.tsx'

export function FirstRun() {
  const beacon = useBridge()
  const dispatch = useDispatch()
  const [name, setName] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)

  const submit = async () => {
    const trimmed = name.trim()
    if (!trimmed) return setError('Enter the name others will see.')
    setBusy(true)
    const r = await beacon.setProfile({ name: trimmed })
    setBusy(false)
    if (!r.ok) setError(errorText(r.error.code, r.error.message))
    else dispatch({ type: 'profile', profile: r.value })
  }

  return (
    <main className="first-run">
      <form
        className="card first-run-card"
        aria-labelledby="first-run-title"
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
      >
        <div className="brand-mark" aria-hidden="true">
          <Icon name="broadcast" size={28} />
        </div>
        <h1 id="first-run-title">Welcome to Beacon</h1>
        <p className="muted">Chat with people on your network. No account, no cloud: pick the name others will see.</p>
        <Field
          label="Display name"
          value={name}
          maxLength={LIMITS.maxNameChars}
          autoComplete="nickname"
          placeholder="e.g. Ana"
          data-autofocus
          autoFocus
          error={error}
          onChange={(e) => {
            setName(e.target.value)
            setError(undefined)
          }}
        />
        <button type="submit" className="button primary wide" disabled={busy}>
          Continue
        </button>
      </form>
    </main>
  )
}
