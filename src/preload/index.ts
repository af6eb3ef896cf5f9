// The preload: window.beacon over ipcRenderer, and nothing else. It refuses to run without context
// isolation, and exposes only the contract's named functions through contextBridge.
import { contextBridge, ipcRenderer } from 'electron'
import { DESKTOP_CAPABILITIES, EVENT_CHANNEL, type Result } from '../shared/bridge.ts'
import { createBridge } from './bridge-factory.ts'

if (!process.contextIsolated) throw new Error('Beacon refuses to run without context isolation')

const bridge = createBridge(
  {
    invoke: (channel, args) => ipcRenderer.invoke(channel, ...args) as Promise<Result<unknown>>,
    // The IpcRendererEvent (with its `sender`) never reaches the page: only the event name and payload.
    onEvent: (listener) => {
      ipcRenderer.on(EVENT_CHANNEL, (_event, name: unknown, payload: unknown) => {
        if (typeof name === 'string') listener(name, payload)
      })
    },
  },
  DESKTOP_CAPABILITIES,
)

contextBridge.exposeInMainWorld('beacon', bridge)
