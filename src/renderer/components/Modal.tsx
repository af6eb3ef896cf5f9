// A real modal dialog: <dialog> opened with showModal() (focus is trapped, the page behind is inert),
// Escape closes it, focus returns to where it was.
import { useEffect, useEffectEvent, useId, useRef, type ReactNode } from 'react'
import { Icon } from './Icon.tsx'

export function Modal(props: {
  title: string
  description?: ReactNode
  onClose: () => void
  children: ReactNode
  wide?: boolean
  /** Extra class for a dialog shaped differently (the image lightbox). */
  className?: string
}) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  const descId = useId()
  const onClose = useEffectEvent(() => props.onClose())

  useEffect(() => {
    const dialog = ref.current
    if (!dialog) return
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null
    if (!dialog.open) dialog.showModal()
    dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus()
    const close = () => onClose()
    dialog.addEventListener('close', close)
    return () => {
      dialog.removeEventListener('close', close)
      if (dialog.open) dialog.close()
      if (before?.isConnected) before.focus()
    }
  }, [])

  return (
    <dialog
      ref={ref}
      className={['modal', props.wide ? 'modal-wide' : '', props.className ?? ''].filter(Boolean).join(' ')}
      aria-labelledby={titleId}
      aria-describedby={props.description ? descId : undefined}
      onMouseDown={(e) => {
        // A click on the backdrop (the dialog element itself, outside its box) closes it.
        if (e.target === ref.current) {
          const r = ref.current.getBoundingClientRect()
          if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) ref.current.close()
        }
      }}
    >
      <div className="modal-head">
        <h2 id={titleId}>{props.title}</h2>
        <button type="button" className="icon-button" aria-label="Close" onClick={() => ref.current?.close()}>
          <Icon name="close" />
        </button>
      </div>
      {props.description ? (
        <p id={descId} className="modal-desc">
          {props.description}
        </p>
      ) : null}
      {props.children}
    </dialog>
  )
}
