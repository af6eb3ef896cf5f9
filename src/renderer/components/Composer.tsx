// The composer: Enter sends, Shift+Enter starts a new line; typing is announced (throttled); while
// disconnected it is disabled and says why. The draft survives a disconnect. Text longer than one message
// is sent whole, as several messages in order, and the composer says so before it is sent.
import { useEffect, useId, useMemo, useRef, useState } from 'react'
import { LIMITS } from '../../shared/limits.ts'
import { splitMessage } from '../state/compose.ts'
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

  const parts = useMemo(() => splitMessage(text), [text])
  const send = async () => {
    if (disabled || parts.length === 0) return
    setText('')
    setError(undefined)
    typing.reset() // a sent message ends "is typing" for the others: say so again at the next key
    props.onSent()
    for (const [i, part] of parts.entries()) {
      const r = await beacon.send(part)
      if (!r.ok) {
        // What was not sent goes back into the composer (unless the user started a new draft).
        const unsent = parts.slice(i).join('\n\n')
        setText((t) => (t === '' ? unsent : t))
        setError(errorText(r.error.code, r.error.message))
        return
      }
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
          disabled={disabled}
          onChange={(e) => {
            setText(e.target.value)
            setError(undefined)
            if (e.target.value !== '') typing()
          }}
          enterKeyHint={touchOnly() ? 'enter' : 'send'}
          onKeyDown={(e) => {
            // A phone's keyboard has no Shift+Enter: there Enter starts a new line and the Send button sends.
            if (e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && !e.nativeEvent.isComposing && !touchOnly()) {
              e.preventDefault()
              void send()
            }
          }}
        />
        <button type="submit" className="icon-button send" aria-label="Send" disabled={disabled || parts.length === 0}>
          <Icon name="send" />
        </button>
      </div>
      <p id={hintId} className={error || disabled ? 'composer-hint warn' : 'composer-hint'} role={error ? 'alert' : undefined}>
        {error || disabled ? (
          <span>{error ?? props.blockedReason}</span>
        ) : parts.length > 1 ? (
          <span>{`Long text: it will be sent as ${parts.length} messages.`}</span>
        ) : (
          // Only where there is a keyboard to press Shift+Enter on (not on phones).
          <span className="keys-hint">
            <kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> for a new line
          </span>
        )}
        {near ? (
          <span className="counter">
            {parts.length > 1 ? `${text.length.toLocaleString()} characters` : `${text.length} / ${LIMITS.maxTextChars}`}
          </span>
        ) : null}
      </p>
    </form>
  )
}

/** A touch screen and nothing that hovers: a phone or tablet, where the keyboard is on screen. */
const touchOnly = () => window.matchMedia('(hover: none) and (pointer: coarse)').matches
