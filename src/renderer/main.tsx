import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { findBridge } from './bridge.ts'
import { App } from './components/App.tsx'
import './styles/theme.css'
import './styles/app.css'
import './styles/chat.css'

const root = createRoot(document.getElementById('root')!)
const bridge = findBridge()
root.render(
  <StrictMode>
    {bridge ? (
      <App bridge={bridge} />
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
