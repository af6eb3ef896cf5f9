// The browser build's entry: the host serves it at `/`. It puts the web bridge where the desktop preload
// would put its own (window.beacon), then starts the same UI as the desktop app, with links the browser
// opens itself.
import { start } from './start.tsx'
import { createWebBridge } from './web-bridge.ts'

window.beacon = createWebBridge()
start(window.beacon, 'page')
