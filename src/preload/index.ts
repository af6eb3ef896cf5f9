import { contextBridge } from 'electron'

if (!process.contextIsolated) throw new Error('Beacon refuses to run without context isolation')
contextBridge.exposeInMainWorld('beacon', {})
