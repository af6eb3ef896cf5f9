// How links in messages open. The desktop app hands them to the system browser or mail app through the
// bridge (openExternal allows http, https and mailto); the browser build lets the browser open them as
// ordinary links, which is the only way a web page can start the mail app.
import { createContext } from 'react'

export type LinkMode = 'bridge' | 'page'

export const LinkModeContext = createContext<LinkMode>('bridge')
