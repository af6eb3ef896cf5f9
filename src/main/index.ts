import { app, BrowserWindow } from 'electron'
import { join } from 'node:path'

app.enableSandbox()
app.whenReady().then(() => {
  const win = new BrowserWindow({ webPreferences: { preload: join(import.meta.dirname, '../preload/index.cjs'), contextIsolation: true, sandbox: true, nodeIntegration: false } })
  void win.loadFile(join(import.meta.dirname, '../renderer/index.html'))
})
