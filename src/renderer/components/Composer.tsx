// The composer: Enter sends, Shift+Enter starts a new line; typing is announced (throttled); while
// disconnected it is disabled and says why. The draft survives a disconnect.
import { useEffect, useId, useMemo, useRef, useState } from 'react'
import { LIMITS } from '../../shared/limits.ts'
import { errorText } from '../state/connection.ts'
import { throttle } from '../state/typing.ts'
import { useBridge } from '../state/use-app.ts'
import { Icon } from './Icon.tsx'

export function Composer(props: { roomName: string; blockedReason?: string; onSent: () => void }) {
  const beacon = useBridge()
  const [text, setText] = useState('')
  const [error, setError] = useState<string>()
  const ref = useRef<HTMLTextAreaElement>(null)
  const hintId = useId()
  const disabled = props.blockedReason !== undefined
  const typing = useMemo(() => throttle(() => void beacon.setTyping(), LIMITS.typingIntervalMs), [beacon])

  // Focus the composer when it becomes usable (joining, reconnecting).
  useEffect(() => {
    if (!disabled) ref.current?.focus()
  }, [disabled])

  const send = async () => {
    if (disabled || text.trim() === '') return
    const body = text
    setText('')
    setError(undefined)
    typing.reset() // a sent message ends "is typing" for the others: say so again at the next key
    props.onSent()
    const r = await beacon.send(body)
    if (!r.ok) {
      setText((t) => (t === '' ? body : t))
      setError(errorText(r.error.code, r.error.message))
    }
  }

  const near = text.length > LIMITS.maxTextChars - 200
  return (
    <form
      className={disabled ? 'composer disabled' : 'composer'}
      onSubmit={(e) => {
        e.preventDefault()
        void send()
      }}
    >
      <div className="composer-box">
        <textarea
          ref={ref}
          aria-label="Message"
          aria-describedby={hintId}
          placeholder={disabled ? '' : `Message ${props.roomName}`}
          value={text}
          rows={1}
          maxLength={LIMITS.maxTextChars}
          disabled={disabled}
          onChange={(e) => {
            setText(e.target.value)
            setError(undefined)
            if (e.target.value !== '') typing()
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && !e.nativeEvent.isComposing) {
              e.preventDefault()
              void send()
            }
          }}
        />
        <button type="submit" className="icon-button send" aria-label="Send" disabled={disabled || text.trim() === ''}>
          <Icon name="send" />
        </button>
      </div>
      <p id={hintId} className={error || disabled ? 'composer-hint warn' : 'composer-hint'} role={error ? 'alert' : undefined}>
        <span>
          {error ?? props.blockedReason ?? (
            <>
              <kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> for a new line
            </>
          )}
        </span>
        {near ? <span className="counter">{`${text.length} / ${LIMITS.maxTextChars}`}</span> : null}
      </p>
    </form>
  )
}
