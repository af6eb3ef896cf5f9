// "Invite": the address to type into "Join by address…", the browser link, and a QR code of the link.
import QRCode from 'qrcode'
import { useEffect, useRef, useState } from 'react'
import type { ShareInfo } from '../../shared/bridge.ts'
import { errorText } from '../state/connection.ts'
import { useBridge } from '../state/use-app.ts'
import { Modal } from './Modal.tsx'

export function InviteDialog(props: { roomName: string; onClose: () => void }) {
  const beacon = useBridge()
  const [info, setInfo] = useState<ShareInfo>()
  const [qr, setQr] = useState<string>()
  const [error, setError] = useState<string>()
  const [copyStatus, setCopyStatus] = useState<string>()

  useEffect(() => {
    let alive = true
    void beacon.shareInfo().then(async (r) => {
      if (!alive) return
      if (!r.ok) return setError(errorText(r.error.code, r.error.message))
      setInfo(r.value)
      try {
        const url = await QRCode.toDataURL(r.value.webUrl, {
          margin: 1,
          width: 176,
          errorCorrectionLevel: 'M',
          color: { dark: '#111318', light: '#ffffff' },
        })
        if (alive) setQr(url)
      } catch {
        // No QR code: the link is still shown.
      }
    })
    return () => {
      alive = false
    }
  }, [beacon])

  return (
    <Modal
      title={`Invite people to ${props.roomName}`}
      description="People on your network can join from the Beacon app with the address, or from any browser with the link."
      onClose={props.onClose}
      wide
    >
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : !info ? (
        <p className="muted" role="status">
          Getting the room’s address…
        </p>
      ) : (
        <div className="invite">
          <div className="invite-text">
            <ShareRow label="Address" value={info.address} onStatus={setCopyStatus} />
            <ShareRow label="Web link" value={info.webUrl} onStatus={setCopyStatus} />
            <p className="muted small" role="status">
              {copyStatus ?? 'Scan the code with a phone on the same network.'}
            </p>
          </div>
          {qr ? <img className="qr" src={qr} width={176} height={176} alt={`QR code of ${info.webUrl}`} /> : null}
        </div>
      )}
      <div className="modal-actions">
        <button type="button" className="button primary" data-autofocus onClick={props.onClose}>
          Done
        </button>
      </div>
    </Modal>
  )
}

function ShareRow(props: { label: string; value: string; onStatus: (text: string) => void }) {
  const input = useRef<HTMLInputElement>(null)
  const copy = async () => {
    const what = props.label.toLowerCase()
    const ok = input.current ? await copyText(input.current) : false
    props.onStatus(ok ? `${props.label} copied.` : `The ${what} is selected: press ${isMac() ? '⌘' : 'Ctrl+'}C to copy it.`)
  }
  return (
    <div className="share-row">
      <span className="share-label">{props.label}</span>
      <div className="share-value">
        <input ref={input} readOnly value={props.value} aria-label={props.label} onFocus={(e) => e.target.select()} spellCheck={false} />
        <button type="button" className="button small" onClick={() => void copy()} aria-label={`Copy ${props.label.toLowerCase()}`}>
          Copy
        </button>
      </div>
    </div>
  )
}

/**
 * Copy a read-only field's text. The Clipboard API exists only in secure contexts (the app, https,
 * localhost): on a plain-http LAN page the text is selected and copied with execCommand, and when even
 * that is refused it stays selected, focused, for the user to copy. Whether it was copied.
 */
async function copyText(field: HTMLInputElement): Promise<boolean> {
  if (window.isSecureContext && navigator.clipboard) {
    try {
      await navigator.clipboard.writeText(field.value)
      return true
    } catch {
      // refused (no permission, no focus): fall back to the selection
    }
  }
  field.focus()
  field.select()
  try {
    return document.execCommand('copy')
  } catch {
    return false
  }
}

const isMac = () => /Mac|iPhone|iPad/.test(navigator.platform)
