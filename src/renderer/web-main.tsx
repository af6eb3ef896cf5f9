// The browser build's entry: the host serves it at `/`. It puts the web bridge where the desktop preload
// would put its own (window.beacon), then starts the same UI as the desktop app.
import { createWebBridge } from './web-bridge.ts'

window.beacon = createWebBridge()
void import('./main.tsx')
