// The connection banner: connecting, reconnecting with a live countdown, host left, password problems.
import { useEffect, useState } from 'react'
import type { SessionState } from '../../shared/bridge.ts'
import { bannerFor, secondsUntil } from '../state/connection.ts'
import { Icon } from './Icon.tsx'

export function ConnectionBanner(props: { session: SessionState; onEnterPassword: () => void; onLeave: () => void }) {
  const banner = bannerFor(props.session)
  if (!banner) return null
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
        {banner.retryAt !== undefined ? <Countdown key={banner.retryAt} retryAt={banner.retryAt} /> : null}
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

/** Seconds until the next attempt, ticking; mounted afresh for each attempt (keyed by its moment). */
function Countdown({ retryAt }: { retryAt: number }) {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 250)
    return () => clearInterval(t)
  }, [])
  const seconds = secondsUntil(retryAt, now)
  return <span className="countdown">{seconds > 0 ? ` Trying again in ${seconds} s…` : ' Trying again…'}</span>
}
