// The connection banner: connecting, reconnecting with a live countdown, host left, password problems.
import { useEffect, useState } from 'react'
import type { SessionState } from '../../shared/bridge.ts'
import { bannerFor, secondsUntil } from '../state/connection.ts'
import { Icon } from './Icon.tsx'

export function ConnectionBanner(props: { session: SessionState; onEnterPassword: () => void; onLeave: () => void }) {
  const banner = bannerFor(props.session)
  const now = useNow(banner?.retryAt !== undefined)
  if (!banner) return null
  const seconds = banner.retryAt !== undefined ? secondsUntil(banner.retryAt, now) : undefined
  return (
    <div
      key={banner.tone}
      className={`banner banner-${banner.tone}`}
      role={banner.tone === 'error' ? 'alert' : 'status'}
      aria-label="Connection"
    >
      <Icon name={banner.tone === 'info' ? 'broadcast' : banner.tone === 'warning' ? 'warning' : 'alert'} />
      <div className="banner-text">
        <strong>{banner.title}</strong>
        {banner.detail ? <span> {banner.detail}</span> : null}
        {seconds !== undefined ? (
          <span className="countdown">{seconds > 0 ? ` Trying again in ${seconds} s…` : ' Trying again…'}</span>
        ) : null}
      </div>
      <div className="banner-actions">
        {banner.askPassword ? (
          <button type="button" className="button small primary" onClick={props.onEnterPassword}>
            Enter password
          </button>
        ) : null}
        {props.session.connection.status === 'closed' ? (
          <button type="button" className="button small" onClick={props.onLeave}>
            Back to rooms
          </button>
        ) : null}
      </div>
    </div>
  )
}

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (!active) return
    setNow(Date.now())
    const t = setInterval(() => setNow(Date.now()), 250)
    return () => clearInterval(t)
  }, [active])
  return now
}
