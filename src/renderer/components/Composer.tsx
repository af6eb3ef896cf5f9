// The composer: Enter sends, Shift+Enter starts a new line; typing is announced (throttled); while
// disconnected it is disabled and says why. The draft survives a disconnect. Text longer than one message
// is sent whole, as several messages in order, and the composer says so before it is sent. Files come in by
// the paperclip, by pasting (a copied image becomes an image message) or by dropping them on the chat; the
// text in the box, if any, goes with the first of them as its caption. Typing "@" offers the room's members
// (an ARIA 1.1 combobox around the text box, so the box keeps its textbox role): the picked ones go with the
// message as `mentions`, as long as their "@Name" is still in it. Each conversation keeps its own draft while
// the reader looks at another one or another room.
import { use, useEffect, useId, useImperativeHandle, useLayoutEffect, useMemo, useRef, useState } from 'react'
import { LIMITS } from '../../shared/limits.ts'
import type { Member } from '../../shared/protocol.ts'
import { pastedFile } from '../files/send-files.ts'
import { splitMessage } from '../state/compose.ts'
import { errorText } from '../state/connection.ts'
import { identities } from '../state/identity.ts'
import { insertMention, mentionIds, mentionQuery, suggestMembers } from '../state/mentions.ts'
import { throttle } from '../state/typing.ts'
import { useBridge } from '../state/use-app.ts'
import { Avatar } from './Avatar.tsx'
import { Icon } from './Icon.tsx'
import { RoomMemoryContext } from './memory-context.ts'

/** Hand files to the composer (a drop on the chat): they are sent with the composer's text as caption. */
export type Attach = (files: File[]) => void

export function Composer(props: {
  /** Whose draft this is (drafts.ts): the box starts with it and keeps it up to date. */
  draftKey: string
  roomName: string
  blockedReason?: string
  onSent: () => void
  /** Set to this composer's attach, for drops outside it. */
  attachRef: React.RefObject<Attach | null>
  /** The room takes files (its host has file routes and this page reaches them). */
  canAttach: boolean
  /** Start sending files; returns what was refused at once, in words, or undefined. */
  onFiles: (files: File[], caption?: string) => string | undefined
  /** Who can be mentioned (the reader is left out). */
  members: readonly Member[]
  youId?: string
  /** A direct message to this member id (the conversation with them is shown). */
  to?: string
}) {
  const beacon = useBridge()
  const { drafts } = use(RoomMemoryContext)
  const [text, setText] = useState(() => drafts.get(props.draftKey).text)
  const [error, setError] = useState<string>()
  const ref = useRef<HTMLTextAreaElement>(null)
  const picker = useRef<HTMLInputElement>(null)
  const hintId = useId()
  const listId = useId()
  // Mentions: the caret, the members picked from the list, the chosen suggestion, and the "@" whose list
  // Escape closed (it stays closed until another "@").
  const [caret, setCaret] = useState(0)
  const [picked, setPicked] = useState<readonly Member[]>(() => drafts.get(props.draftKey).picked)
  const { draftKey } = props
  useEffect(() => drafts.set(draftKey, { text, picked }), [drafts, draftKey, text, picked])
  const [active, setActive] = useState(0)
  const [dismissedAt, setDismissedAt] = useState<number>()
  const placeCaret = useRef<number>(undefined)
  const disabled = props.blockedReason !== undefined
  const typing = useMemo(() => throttle(() => void beacon.setTyping(), LIMITS.typingIntervalMs), [beacon])

  // Focus the composer when it becomes usable (joining, reconnecting).
  useEffect(() => {
    if (!disabled) ref.current?.focus()
  }, [disabled])

  const query = disabled ? undefined : mentionQuery(text, caret)
  const typed = query === undefined || query.start === dismissedAt ? undefined : query.query
  const suggestions = useMemo(
    () => (typed === undefined ? [] : suggestMembers(props.members, typed, props.youId)),
    [typed, props.members, props.youId],
  )
  const open = suggestions.length > 0
  const chosen = Math.min(active, suggestions.length - 1)
  const optionId = (i: number) => `${listId}-${i}`
  const whoOf = useMemo(() => identities(props.members), [props.members])
  const pick = (m: Member) => {
    if (query === undefined) return
    const next = insertMention(text, query, m.name)
    setText(next.text)
    setCaret(next.caret)
    placeCaret.current = next.caret
    setPicked((p) => [...p, m])
  }
  // After an insertion, put the caret after "@Name " (React has just replaced the box's value).
  useLayoutEffect(() => {
    const at = placeCaret.current
    if (at === undefined) return
    placeCaret.current = undefined
    ref.current?.setSelectionRange(at, at)
    ref.current?.focus()
  }, [text])

  const parts = useMemo(() => splitMessage(text), [text])
  const send = async () => {
    if (disabled || parts.length === 0) return
    const sentPicked = picked
    setText('')
    setPicked([])
    setError(undefined)
    typing.reset() // a sent message ends "is typing" for the others: say so again at the next key
    props.onSent()
    for (const [i, part] of parts.entries()) {
      const mentions = mentionIds(part, sentPicked)
      const options = { ...(props.to !== undefined ? { to: props.to } : {}), ...(mentions.length > 0 ? { mentions } : {}) }
      const r = await beacon.send(part, Object.keys(options).length > 0 ? options : undefined)
      if (!r.ok) {
        // What was not sent goes back into the composer (unless the user started a new draft).
        const unsent = parts.slice(i).join('\n\n')
        setText((t) => (t === '' ? unsent : t))
        setPicked((p) => [...p, ...sentPicked])
        setError(errorText(r.error.code, r.error.message))
        return
      }
    }
  }

  /** The suggestion list's keys: move, pick, close. True when the key was handled. */
  const suggestionKey = (e: React.KeyboardEvent): boolean => {
    if (!open || e.nativeEvent.isComposing) return false
    const n = suggestions.length
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') setActive((chosen + (e.key === 'ArrowDown' ? 1 : n - 1)) % n)
    else if ((e.key === 'Enter' || e.key === 'Tab') && !e.shiftKey) pick(suggestions[chosen]!)
    else if (e.key === 'Escape') setDismissedAt(query?.start)
    else return false
    e.preventDefault()
    e.stopPropagation()
    return true
  }

  const attach: Attach = (files) => {
    if (files.length === 0) return
    if (disabled) return setError(props.blockedReason)
    // Files go to the whole room (a direct message carries none): say where to send them instead.
    if (props.to !== undefined) return setError('Files go to the whole room: send them from the room’s conversation.')
    if (!props.canAttach) return setError('This room does not take files.')
    // The draft becomes the first file's caption when it fits in one message; a longer one stays a draft.
    const caption = parts.length === 1 ? parts[0] : undefined
    if (caption !== undefined) {
      setText('')
      setPicked([])
    }
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
        <div
          className="mention-field"
          role="combobox"
          aria-label="Message"
          aria-expanded={open}
          aria-haspopup="listbox"
          aria-controls={listId}
        >
          <textarea
            ref={ref}
            aria-label="Message"
            aria-describedby={hintId}
            aria-autocomplete="list"
            aria-controls={listId}
            aria-activedescendant={open ? optionId(chosen) : undefined}
            placeholder={disabled ? '' : `Message ${props.roomName}`}
            value={text}
            rows={1}
            disabled={disabled}
            onChange={(e) => {
              setText(e.target.value)
              setCaret(e.target.selectionStart)
              setActive(0)
              // A new "@" opens the list again after Escape closed another one.
              if (mentionQuery(e.target.value, e.target.selectionStart)?.start !== dismissedAt) setDismissedAt(undefined)
              setError(undefined)
              // A direct message is not announced to the room: the others would see who is writing to whom.
              if (e.target.value !== '' && props.to === undefined) typing()
            }}
            onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
            onBlur={() => setDismissedAt(query?.start)}
            onFocus={() => setDismissedAt(undefined)}
            onPaste={(e) => {
              const files = [...e.clipboardData.files]
              if (files.length === 0) return // text: pasted as usual
              e.preventDefault()
              attach(files.map(pastedFile))
            }}
            enterKeyHint={touchOnly() ? 'enter' : 'send'}
            onKeyDown={(e) => {
              if (suggestionKey(e)) return
              // A phone's keyboard has no Shift+Enter: there Enter starts a new line and the Send button sends.
              if (e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && !e.nativeEvent.isComposing && !touchOnly()) {
                e.preventDefault()
                void send()
              }
            }}
          />
        </div>
        <ul id={listId} role="listbox" aria-label="Members to mention" className="mention-list" hidden={!open}>
          {suggestions.map((m, i) => {
            const who = whoOf(m)
            return (
              <li
                key={m.id}
                id={optionId(i)}
                role="option"
                aria-selected={i === chosen}
                className="mention-option"
                // Keep the focus in the text box: the click picks, the box keeps typing.
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => pick(m)}
              >
                <Avatar name={who.name} id={m.id} small />
                <span className="member-name">{who.name}</span>
                {who.tag ? <span className="member-tag">· {who.tag}</span> : null}
              </li>
            )
          })}
        </ul>
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
