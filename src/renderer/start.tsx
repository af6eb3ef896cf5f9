// Render the UI for a bridge: the desktop entry (main.tsx) and the browser one (web-main.tsx) differ only
// in where the bridge comes from and how links open.
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import type { BeaconBridge } from '../shared/bridge.ts'
import { App } from './components/App.tsx'
import { LinkModeContext, type LinkMode } from './components/link-mode.ts'
import './styles/theme.css'
import './styles/app.css'
import './styles/chat.css'

export function start(bridge: BeaconBridge | undefined, links: LinkMode): void {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      {bridge ? (
        <LinkModeContext value={links}>
          <App bridge={bridge} />
        </LinkModeContext>
      ) : (
        <main className="first-run">
          <div className="card first-run-card" role="alert">
            <h1>Beacon could not start</h1>
            <p>The connection to the app is missing (window.beacon). Restart Beacon.</p>
          </div>
        </main>
      )}
    </StrictMode>,
  )
}
