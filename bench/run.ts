// `npm run bench`: every benchmark of issue 5 in one run, each case beside its baseline measured in the same run.
// The browser cases (headless Debian Chromium against the module's built server) run first, then the server cases
// (autocannon against our server on PGlite and on PostgreSQL, and the stock azure-mobile-apps server). Writes
// bench/results/latest.json and bench/results/latest.md (the table the README's Performance section shows).
// Not part of `npm test`. Options: --skip-build, --quick (short runs, to check that everything works).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { runBrowserBench, type BrowserBenchOptions } from './browser/index'
import { runServerBench, serverBenchMarkdown, type ServerBenchOptions } from './server/compare'

const quick = process.argv.includes('--quick')
const results = fileURLToPath(new URL('./results/', import.meta.url))
const started = performance.now()

const abort = new AbortController()
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => abort.signal.aborted ? process.exit(130) : abort.abort())
}

const browserOptions: BrowserBenchOptions = quick
  ? { build: !process.argv.includes('--skip-build'), runs: 1, rows: 10_000, changed: 500, writes: 1_000, singleOps: 300, latencySamples: 100, signal: abort.signal }
  : { build: !process.argv.includes('--skip-build'), signal: abort.signal }
const serverOptions: ServerBenchOptions = quick ? { runs: 1, duration: 3, warmup: 1 } : {}

// The stock server is a test-only package with a native sqlite3 (N-API, built by node-gyp): on a fresh clone it is not
// installed yet, so install it once (about 1–4 minutes) instead of leaving the server comparison out.
const stockServer = fileURLToPath(new URL('../test/stock-server/', import.meta.url))
if (!existsSync(`${stockServer}node_modules/sqlite3/package.json`)) {
  console.log('installing the stock azure-mobile-apps server for the comparison (npm ci --prefix test/stock-server) …')
  execFileSync('npm', ['ci', '--prefix', stockServer, '--no-audit', '--no-fund'], { stdio: 'inherit' })
}

const browser = await runBrowserBench(browserOptions)
if (abort.signal.aborted) process.exit(130)
const server = await runServerBench(serverOptions)
const totalSeconds = Math.round((performance.now() - started) / 1000)

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${browser.machine.node}, Chromium ${browser.machine.chromium}`
const load = browser.machine.load1
const markdown = [
  `Measured ${browser.date.slice(0, 10)} on ${machine}${load ? ` (1-minute load during the browser cases: ${load.median.toFixed(2)} median)` : ''}; whole run ${totalSeconds} s${quick ? ', quick mode (not for publishing)' : ''}.`,
  '',
  '### In the browser',
  '',
  browser.markdown,
  '',
  ...browser.notes.map(note => `- ${note}`),
  '',
  '### Server (requests/s, 10 connections, 10 s per run)',
  '',
  serverBenchMarkdown(server),
  '',
].join('\n')

mkdirSync(results, { recursive: true })
writeFileSync(`${results}latest.json`, `${JSON.stringify({ date: browser.date, machine, quick, totalSeconds, browser, server }, null, 2)}\n`)
writeFileSync(`${results}latest.md`, markdown)
console.log(`\n${markdown}\nwritten to bench/results/latest.json and bench/results/latest.md`)
