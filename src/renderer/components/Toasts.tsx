// Errors the app reports (the bridge's `error` event, failed actions): shown briefly, dismissable.
import { useEffect } from 'react'

export interface ToastItem {
  id: number
  text: string
}

export function Toasts(props: { toasts: ToastItem[]; onDismiss: (id: number) => void }) {
  return (
    <div className="toasts" role="region" aria-label="Notifications" aria-live="assertive">
      {props.toasts.map((t) => (
        <Toast key={t.id} toast={t} onDismiss={props.onDismiss} />
      ))}
    </div>
  )
}

function Toast({ toast, onDismiss }: { toast: ToastItem; onDismiss: (id: number) => void }) {
  useEffect(() => {
    const timer = setTimeout(() => onDismiss(toast.id), 6000)
    return () => clearTimeout(timer)
  }, [toast.id, onDismiss])
  return (
    <div className="toast">
      <span>{toast.text}</span>
      <button type="button" className="icon-button small" aria-label="Dismiss" onClick={() => onDismiss(toast.id)}>
        ×
      </button>
    </div>
  )
}
