// The composer: Enter sends, Shift+Enter starts a new line; typing is announced (throttled); while
// disconnected it is disabled and says why. The draft survives a disconnect. Text longer than one message
// is sent whole, as several messages in order, and the composer says so before it is sent. Files come in by
// the paperclip, by pasting (a copied image becomes an image message) or by dropping them on the chat; the
// text in the box, if any, goes with the first of them as its caption.
import { useEffect, useId, useImperativeHandle, useMemo, useRef, useState } from 'react'
import { LIMITS } from '../../shared/limits.ts'
import { pastedFile } from '../files/send-files.ts'
import { splitMessage } from '../state/compose.ts'
import { errorText } from '../state/connection.ts'
import { throttle } from '../state/typing.ts'
import { useBridge } from '../state/use-app.ts'
import { Icon } from './Icon.tsx'

/** Hand files to the composer (a drop on the chat): they are sent with the composer's text as caption. */
export type Attach = (files: File[]) => void

export function Composer(props: {
  roomName: string
  blockedReason?: string
  onSent: () => void
  /** Set to this composer's attach, for drops outside it. */
  attachRef: React.RefObject<Attach | null>
  /** The room takes files (its host has file routes and this page reaches them). */
  canAttach: boolean
  /** Start sending files; returns what was refused at once, in words, or undefined. */
  onFiles: (files: File[], caption?: string) => string | undefined
}) {
  const beacon = useBridge()
  const [text, setText] = useState('')
  const [error, setError] = useState<string>()
  const ref = useRef<HTMLTextAreaElement>(null)
  const picker = useRef<HTMLInputElement>(null)
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

  const attach: Attach = (files) => {
    if (files.length === 0) return
    if (disabled) return setError(props.blockedReason)
    if (!props.canAttach) return setError('This room does not take files.')
    // The draft becomes the first file's caption when it fits in one message; a longer one stays a draft.
    const caption = parts.length === 1 ? parts[0] : undefined
    if (caption !== undefined) setText('')
    setError(props.onFiles(files, caption))
    props.onSent()
  }
  useImperativeHandle(props.attachRef, () => attach)

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
        {props.canAttach ? (
          <>
            <button
              type="button"
              className="icon-button attach"
              aria-label="Attach files"
              title="Attach files"
              disabled={disabled}
              onClick={() => picker.current?.click()}
            >
              <Icon name="paperclip" />
            </button>
            <input
              ref={picker}
              type="file"
              multiple
              hidden
              aria-label="Files to send"
              onChange={(e) => {
                attach([...(e.target.files ?? [])])
                e.target.value = '' // the same file can be picked again
              }}
            />
          </>
        ) : null}
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
          onPaste={(e) => {
            const files = [...e.clipboardData.files]
            if (files.length === 0) return // text: pasted as usual
            e.preventDefault()
            attach(files.map(pastedFile))
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
