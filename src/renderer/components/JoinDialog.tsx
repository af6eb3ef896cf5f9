// Joining: "Join by address…" (an address and an optional password) or a password prompt for a room
// that needs one. The dialog stays open while the room checks the password, and says so if it is wrong.
import { useEffect, useRef, useState } from 'react'
import type { SessionState } from '../../shared/bridge.ts'
import type { ErrorCode } from '../../shared/errors.ts'
import { errorText } from '../state/connection.ts'
import { useBridge } from '../state/use-app.ts'
import { Field } from './Field.tsx'
import { Modal } from './Modal.tsx'

export interface JoinTarget {
  /** Room id or address. */
  target: string
  name: string
}

const PASSWORD_ERRORS: ReadonlySet<ErrorCode | undefined> = new Set<ErrorCode | undefined>([
  'wrong_password',
  'password_required',
  'locked_out',
])

export function JoinDialog(props: {
  mode: 'address' | 'password'
  room?: JoinTarget
  /** Why the dialog opened, e.g. the last attempt's wrong password. */
  initialError?: ErrorCode
  session: SessionState
  onStart: (t: JoinTarget) => void
  onClose: () => void
}) {
  const beacon = useBridge()
  const [address, setAddress] = useState('')
  const [password, setPassword] = useState('')
  const [addressError, setAddressError] = useState<string>()
  const [passwordError, setPasswordError] = useState<string | undefined>(
    props.initialError ? passwordMessage(props.initialError) : undefined,
  )
  const [busy, setBusy] = useState(false)
  // The join call went through and the session is now deciding: the dialog waits for its answer.
  const [waiting, setWaiting] = useState(false)
  const passwordRef = useRef<HTMLInputElement>(null)

  const { status, reason } = props.session.connection
  const { onClose } = props
  const answered = waiting && status !== 'connecting' && status !== 'authenticating'
  const refused = status === 'closed' && PASSWORD_ERRORS.has(reason)
  // A refused password is said here, and the dialog stays; any other answer closes it.
  if (answered && refused) {
    setWaiting(false)
    setBusy(false)
    setPasswordError(passwordMessage(reason))
  }
  const done = answered && !refused
  useEffect(() => {
    if (done) onClose()
  }, [done, onClose])
  // A password error selects the password, so typing it again replaces it.
  useEffect(() => {
    if (passwordError) passwordRef.current?.select()
  }, [passwordError])

  const submit = async () => {
    const target = props.mode === 'address' ? address.trim() : props.room!.target
    if (!target) return setAddressError('Enter the address the host gave you, like 192.168.1.20:4820.')
    if (props.mode === 'password' && !password) return setPasswordError('Enter the room’s password.')
    setBusy(true)
    setPasswordError(undefined)
    props.onStart({ target, name: props.mode === 'address' ? target : props.room!.name })
    const r = await beacon.joinRoom(target, password ? { password } : {})
    if (!r.ok) {
      setBusy(false)
      if (PASSWORD_ERRORS.has(r.error.code)) setPasswordError(passwordMessage(r.error.code))
      else if (props.mode === 'address') setAddressError(errorText(r.error.code, r.error.message))
      else setPasswordError(errorText(r.error.code, r.error.message))
      return
    }
    const s = r.value.connection
    if (s.status === 'connecting' || s.status === 'authenticating') return setWaiting(true)
    setBusy(false)
    if (s.status === 'closed' && PASSWORD_ERRORS.has(s.reason)) return setPasswordError(passwordMessage(s.reason))
    props.onClose()
  }

  const title = props.mode === 'address' ? 'Join by address' : `Join ${props.room?.name ?? 'room'}`
  const description =
    props.mode === 'address'
      ? 'For rooms that do not show up in the list: ask the host for the address shown under “Invite”.'
      : 'This room is protected by a password.'
  return (
    <Modal title={title} description={description} onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
      >
        {props.mode === 'address' ? (
          <Field
            label="Address"
            value={address}
            placeholder="192.168.1.20:4820"
            inputMode="url"
            autoComplete="off"
            spellCheck={false}
            data-autofocus
            error={addressError}
            onChange={(e) => (setAddress(e.target.value), setAddressError(undefined))}
          />
        ) : null}
        <Field
          ref={passwordRef}
          label="Password"
          type="password"
          value={password}
          maxLength={128}
          autoComplete="current-password"
          hint={props.mode === 'address' ? 'Only if the room has one.' : undefined}
          data-autofocus={props.mode === 'password' ? true : undefined}
          error={passwordError}
          onChange={(e) => (setPassword(e.target.value), setPasswordError(undefined))}
        />
        <div className="modal-actions">
          <button type="button" className="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? 'Joining…' : 'Join'}
          </button>
        </div>
      </form>
    </Modal>
  )
}

function passwordMessage(code: ErrorCode | undefined): string {
  if (code === 'wrong_password') return 'Wrong password. Check it with the host and try again.'
  if (code === 'locked_out') return 'Too many wrong passwords. Wait a minute, then try again.'
  return 'This room needs a password.'
}
