// Re-render the chart and the README table from a results file without re-running: node bench/render.ts [results.json]
import { readFileSync, writeFileSync } from 'node:fs'
import { renderMarkdown, renderSvg, type Results } from './lib/report.ts'

const file = process.argv[2] ?? new URL('./results/latest.json', import.meta.url).pathname
const results = JSON.parse(readFileSync(file, 'utf8')) as Results
const base = file.replace(/\.json$/, '')
writeFileSync(`${base}.svg`, renderSvg(results))
writeFileSync(`${base}.md`, renderMarkdown(results))
console.log(`wrote ${base}.svg and ${base}.md`)
