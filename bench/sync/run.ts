// Sync benchmark (issue 3): `npx jiti bench/sync/run.ts [--skip-build] [--runs=5] [--rows=10000] [--ops=1000]`
// or `npm run bench:sync`. Builds test/fixtures/bench-sync and starts it three times on 127.0.0.1, each with its
// embedded database in a temp dir: the module's server defaults (v2 pages follow $top up to maxTop, batch push on), the same with
// 1000-row pages, and batch push off (maxBatchSize 0). Seeds the pull table of the first two over HTTP; then in
// headless Chromium, each run in a fresh browser context (fresh IndexedDB), times:
// - a full pull of `rows` rows (both page sizes), against one Dexie bulkPut of the same rows (fetched beforehand)
//   in the same page;
// - a push of `ops` queued inserts, batch and one-by-one, each against `ops` raw fetch POSTs one after the other
//   to the same server from the same page.
// One warm-up run, then `runs` runs, the cases interleaved. Prints a markdown table and writes
// bench/results/sync-latest.json. Stops only the processes it started and deletes its temp dir.
import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { countOption } from '../options'
import type { BenchApi, BulkPutMeasure, PostsMeasure, PullMeasure, PushMeasure } from './page-api'
import { buildFixture, seed, startServer, type BenchServer } from './server'
import { markdown, perSecond, summarize, type TableRow } from './stats'

const RUNS = countOption('runs', 5)
const ROWS = countOption('rows', 10_000)
const OPS = countOption('ops', 1000)
const RESULTS = fileURLToPath(new URL('../results/sync-latest.json', import.meta.url))

type BenchWindow = Window & { __bench: BenchApi }

interface PullRun { pull: PullMeasure, bulkPut: BulkPutMeasure }
interface PushRun { push: PushMeasure, posts: PostsMeasure }

const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim()
const loads: number[] = []
const sampler = setInterval(() => loads.push(loadavg()[0]!), 2000)
const uptimes: Record<string, string> = { start: uptime() }

let browser: Browser | undefined
const servers: BenchServer[] = []
let dataDir: string | undefined
let cleaning: Promise<void> | undefined

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    clearInterval(sampler)
    await browser?.close().catch(() => {})
    await Promise.all(servers.map(server => server.stop()))
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })()
  return cleaning
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanup().finally(() => process.exit(130)))
}

/** A fresh browser context (own IndexedDB) on `server`'s page, once it exposes `window.__bench`. */
async function openBench(server: BenchServer, errors: string[]): Promise<Page> {
  const context = await browser!.newContext()
  const page = await context.newPage()
  page.on('pageerror', error => errors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  await page.goto(`${server.url}/`, { waitUntil: 'load' })
  await page.locator('[data-ready="true"]').waitFor()
  return page
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message)
}

async function pullRun(server: BenchServer, errors: string[]): Promise<PullRun> {
  const page = await openBench(server, errors)
  try {
    const pull = await page.evaluate(() => (window as unknown as BenchWindow).__bench.pull())
    check(pull.rows === ROWS && pull.upserted === ROWS, `pull stored ${pull.rows} rows (${pull.upserted} upserted), expected ${ROWS}`)
    const bulkPut = await page.evaluate(() => (window as unknown as BenchWindow).__bench.bulkPut())
    check(bulkPut.rows === ROWS, `bulkPut stored ${bulkPut.rows} rows, expected ${ROWS}`)
    return { pull, bulkPut }
  }
  finally {
    await page.context().close()
  }
}

async function pushRun(server: BenchServer, batched: boolean, errors: string[]): Promise<PushRun> {
  const page = await openBench(server, errors)
  try {
    const queued = await page.evaluate(count => (window as unknown as BenchWindow).__bench.queueInserts(count), OPS)
    check(queued === OPS, `queued ${queued} operations, expected ${OPS}`)
    const push = await page.evaluate(() => (window as unknown as BenchWindow).__bench.push())
    check(push.pushed === OPS && push.left === 0, `pushed ${push.pushed}, ${push.left} left, expected ${OPS} and 0`)
    check(push.batched === batched, `push batched: ${push.batched}, expected ${batched}`)
    const posts = await page.evaluate(count => (window as unknown as BenchWindow).__bench.posts(count), OPS)
    check(posts.failed === 0, `${posts.failed} raw POSTs failed`)
    return { push, posts }
  }
  finally {
    await page.context().close()
  }
}

function ratios(values: number[], baselines: number[]) {
  return summarize(values.map((value, i) => value / baselines[i]!))
}

try {
  if (!process.argv.includes('--skip-build')) {
    console.log('building test/fixtures/bench-sync …')
    await buildFixture()
  }
  dataDir = await mkdtemp(join(tmpdir(), 'offline-sync-bench-'))
  // the module's server defaults (v2 pages follow $top up to maxTop, batch endpoint on); the same with 1000-row pages; batch off
  const batchServer = await startServer(join(dataDir, 'batch'))
  servers.push(batchServer)
  const bigPageServer = await startServer(join(dataDir, 'big-page'), { pageSize: 1000 })
  servers.push(bigPageServer)
  const singleServer = await startServer(join(dataDir, 'single'), { maxBatchSize: 0 })
  servers.push(singleServer)
  check(batchServer.batchSize !== undefined && singleServer.batchSize === undefined, 'the batch endpoint is not on/off as configured')
  console.log(`seeding ${ROWS} rows twice …`)
  await seed(batchServer, ROWS)
  await seed(bigPageServer, ROWS)

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  uptimes.measuring = uptime()
  const errors: string[] = []
  const pulls: PullRun[] = []
  const bigPulls: PullRun[] = []
  const batches: PushRun[] = []
  const singles: PushRun[] = []
  for (let run = 0; run <= RUNS; run++) {
    const label = run === 0 ? 'warm-up' : `run ${run}/${RUNS}`
    const pull = await pullRun(batchServer, errors)
    const bigPull = await pullRun(bigPageServer, errors)
    const batch = await pushRun(batchServer, true, errors)
    const single = await pushRun(singleServer, false, errors)
    console.log(`${label}: pull ${Math.round(pull.pull.ms)} ms / ${Math.round(bigPull.pull.ms)} ms with 1000-row pages (bulkPut ${Math.round(pull.bulkPut.ms)} ms), batch push ${Math.round(batch.push.ms)} ms, one-by-one push ${Math.round(single.push.ms)} ms (raw POSTs ${Math.round(single.posts.ms)} ms)`)
    if (run === 0) continue
    pulls.push(pull)
    bigPulls.push(bigPull)
    batches.push(batch)
    singles.push(single)
  }
  uptimes.end = uptime()

  const rate = (runs: PullRun[], part: 'pull' | 'bulkPut') => runs.map(run => perSecond(ROWS, run[part].ms))
  const pushRate = (runs: PushRun[], part: 'push' | 'posts') => runs.map(run => perSecond(OPS, run[part].ms))
  const longest = (runs: PullRun[], part: 'pull' | 'bulkPut') => summarize(runs.map(run => run[part].longTasks.longestMs))
  const rowsLabel = ROWS.toLocaleString('en-US')
  const opsLabel = OPS.toLocaleString('en-US')
  const bulkPut = 'Dexie bulkPut of the same rows, same page'
  const posts = `${opsLabel} raw fetch POSTs one by one, same server, same page`
  const rows: TableRow[] = [
    { measure: `Pull of ${rowsLabel} rows into IndexedDB (server defaults: $top=1000 honoured)`, unit: 'rows/s', value: summarize(rate(pulls, 'pull')), baseline: { name: bulkPut, value: summarize(rate(pulls, 'bulkPut')) }, ratio: ratios(rate(pulls, 'pull'), rate(pulls, 'bulkPut')) },
    { measure: `Pull of ${rowsLabel} rows into IndexedDB (server page size 1000)`, unit: 'rows/s', value: summarize(rate(bigPulls, 'pull')), baseline: { name: bulkPut, value: summarize(rate(bigPulls, 'bulkPut')) }, ratio: ratios(rate(bigPulls, 'pull'), rate(bigPulls, 'bulkPut')) },
    { measure: `Push of ${opsLabel} queued inserts, batch`, unit: 'ops/s', value: summarize(pushRate(batches, 'push')), baseline: { name: posts, value: summarize(pushRate(batches, 'posts')) }, ratio: ratios(pushRate(batches, 'push'), pushRate(batches, 'posts')) },
    { measure: `Push of ${opsLabel} queued inserts, one-by-one`, unit: 'ops/s', value: summarize(pushRate(singles, 'push')), baseline: { name: posts, value: summarize(pushRate(singles, 'posts')) }, ratio: ratios(pushRate(singles, 'push'), pushRate(singles, 'posts')) },
    { measure: 'Push, batch vs one-by-one', unit: 'ops/s', value: summarize(pushRate(batches, 'push')), baseline: { name: 'one-by-one push of the same run', value: summarize(pushRate(singles, 'push')) }, ratio: ratios(pushRate(batches, 'push'), pushRate(singles, 'push')) },
    { measure: 'Longest main-thread task during the pull (server defaults)', unit: 'ms', value: longest(pulls, 'pull'), baseline: { name: 'during the bulkPut', value: longest(pulls, 'bulkPut') } },
    { measure: 'Longest main-thread task during the pull (page size 1000)', unit: 'ms', value: longest(bigPulls, 'pull'), baseline: { name: 'during the bulkPut', value: longest(bigPulls, 'bulkPut') } },
    { measure: 'Long tasks (≥ 50 ms) during the pull (server defaults / pageSize 1000)', unit: 'count', value: summarize(pulls.map(run => run.pull.longTasks.count)), baseline: { name: 'page size 1000', value: summarize(bigPulls.map(run => run.pull.longTasks.count)) } },
    { measure: 'Pull duration (server defaults)', unit: 'ms', value: summarize(pulls.map(run => run.pull.ms)), baseline: { name: 'raw fetch of the same rows, no writes', value: summarize(pulls.map(run => run.bulkPut.fetchMs)) } },
    { measure: 'Pull duration (page size 1000)', unit: 'ms', value: summarize(bigPulls.map(run => run.pull.ms)), baseline: { name: 'raw fetch of the same rows, no writes', value: summarize(bigPulls.map(run => run.bulkPut.fetchMs)) } },
    { measure: 'Longest main-thread task during the push (batch)', unit: 'ms', value: summarize(batches.map(run => run.push.longTasks.longestMs)), baseline: { name: 'one-by-one', value: summarize(singles.map(run => run.push.longTasks.longestMs)) } },
  ]
  const table = markdown(rows)
  const load = loads.length ? summarize(loads) : undefined
  const results = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, chromium: browser.version(), uptime: uptimes, load1: load },
    config: {
      runs: RUNS, warmUp: 1, rows: ROWS, ops: OPS,
      rowBytes: summarize(pulls.map(run => run.bulkPut.rowBytes)).median,
      batchSize: batchServer.batchSize,
      pullRequests: pulls[0]?.pull.requests, bigPagePullRequests: bigPulls[0]?.pull.requests, batchPushRequests: batches[0]?.push.requests, singlePushRequests: singles[0]?.push.requests,
    },
    table: rows,
    runs: { pulls, bigPulls, batches, singles },
    pageErrors: errors,
  }
  await mkdir(join(RESULTS, '..'), { recursive: true })
  await writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`)

  console.log(`\n${table}\n`)
  console.log(`${RUNS} runs after 1 warm-up; ratios are medians of per-run ratios (same run, same page). A row is about 150 bytes of JSON of its own columns, ${Math.round(results.config.rowBytes)} bytes as the server sends it (system columns included).`)
  console.log('Long tasks: the Long Tasks API reports only main-thread tasks of 50 ms or more; 0 ms means there was none.')
  console.log(`HTTP requests: pull ${results.config.pullRequests} (server defaults) / ${results.config.bigPagePullRequests} (server pageSize 1000), batch push ${results.config.batchPushRequests}, one-by-one push ${results.config.singlePushRequests}.`)
  console.log(`Node ${process.version}, Chromium ${browser.version()}, ${cpus().length} CPUs; load (1 min) during the run: ${load ? `${load.median.toFixed(2)} median, ${load.min.toFixed(2)}–${load.max.toFixed(2)}` : 'n/a'}`)
  console.log(`uptime: ${uptimes.start} | ${uptimes.measuring} | ${uptimes.end}`)
  if (errors.length) console.log(`page errors:\n${errors.join('\n')}`)
  console.log(`written to ${RESULTS}`)
}
finally {
  await cleanup()
}
