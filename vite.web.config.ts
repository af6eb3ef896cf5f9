// The browser client: the renderer's UI with the web bridge (src/renderer/web.html → out/web/index.html),
// served by every room host at `/`.
import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin } from 'vite'

/** The host serves index.html at `/`: name the page so. */
const asIndex: Plugin = {
  name: 'beacon-web-index',
  enforce: 'post',
  generateBundle(_options, bundle) {
    const page = bundle['web.html']
    if (page) page.fileName = 'index.html'
  },
}

export default defineConfig({
  root: 'src/renderer',
  base: '/',
  plugins: [react(), asIndex],
  build: {
    outDir: resolve('out/web'),
    emptyOutDir: true,
    rollupOptions: { input: { web: resolve('src/renderer/web.html') } },
  },
})
