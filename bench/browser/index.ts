// Browser benchmark of the module (issue 5, cases 1–4, 6 and 7): `runBrowserBench(options)`, or standalone
// `npx jiti bench/browser/run.ts`. Builds test/fixtures/bench-sync (unless `build: false`), seeds `rows` rows
// straight into the embedded database of one server (./seed.ts), starts it and a second one with the batch
// endpoint off, all on 127.0.0.1 with their databases in a temp dir; then in headless Chromium, every run in
// fresh browser contexts (fresh IndexedDB), each case next to its baseline measured in the same page:
// 1. initial pull of every row (with long tasks, and 6. the peak JS heap) vs one Dexie bulkPut of the same rows;
// 2. incremental pull of `changed` rows updated on the server (POST /tables/$batch) vs raw fetch + bulkPut of them;
// 7. indexed count, first value of live({ where }) and of live(), list() of every row vs raw Dexie;
// 3. insert latency (p50/p95) vs raw Dexie put, and `writes` sequential inserts vs raw puts;
// 4. push of those `writes` queued inserts in batch mode vs raw $batch POSTs, and of `singleOps` one by one
//    (server with maxBatchSize 0) vs raw POSTs.
// One warm-up run (write and push sizes scaled by `warmUpScale`), then `runs` runs.
import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { BenchApi, PostsMeasure, PushMeasure } from '../sync/page-api'
import { PULL_TABLE } from '../sync/page-api'
import { buildFixture, startServer, type BenchServer } from '../sync/server'
import { markdown, summarize, type Summary, type TableRow } from '../sync/stats'
import type { BigBulkPutMeasure, BigPullMeasure, BrowserBenchApi, LatencyMeasure, QueryPair, TimedCount } from './page-api'
import { heapDuring, type HeapMeasure } from './heap'
import { seedDataDir } from './seed'
import { browserTable } from './table'

export interface BrowserBenchOptions {
  /** Build the fixture first. @default true */
  build?: boolean
  /** Measured runs after the warm-up. @default 3 */
  runs?: number
  /** Rows of the initial pull. @default 100_000 */
  rows?: number
  /** Rows changed on the server before the incremental pull. @default 1_000 */
  changed?: number
  /** Sequential inserts (and raw puts) timed, then pushed in batch mode. @default 10_000 */
  writes?: number
  /** Operations pushed one by one (one request each). @default 2_000 */
  singleOps?: number
  /** Inserts (and raw puts) timed one by one for the latency percentiles. @default 500 */
  latencySamples?: number
  /** Size factor of the warm-up's write and push cases (its pull is full size). @default 0.1 */
  warmUpScale?: number
  /** Where the JSON results go; `false`: not written. @default bench/results/browser-latest.json */
  resultsFile?: string | false
  /** Progress lines. @default console.log */
  log?: (line: string) => void
  /** @default /usr/bin/chromium */
  executablePath?: string
  /** Aborting stops the browser and the servers at once; the pending call then rejects. */
  signal?: AbortSignal
}

/** One run's raw measurements (durations in ms, heap in bytes). */
export interface BrowserRun {
  pull: BigPullMeasure
  /** The heap during the pull. */
  pullHeap: HeapMeasure
  bulkPut: BigBulkPutMeasure
  /** The heap during the baseline: raw fetch of every row into memory, then bulkPut. */
  bulkPutHeap: HeapMeasure
  incremental: BigPullMeasure
  incrementalRaw: TimedCount
  changeMs: number
  indexedCount: QueryPair
  liveWhere: QueryPair
  liveAll: QueryPair
  listAll: QueryPair
  insertLatency: LatencyMeasure
  putLatency: LatencyMeasure
  inserts: TimedCount
  puts: TimedCount
  batchPush: PushMeasure
  rawBatches: TimedCount
  singlePush: PushMeasure
  rawPosts: PostsMeasure
}

export interface BrowserBenchResult {
  date: string
  machine: { cpus: number, cpu?: string, node: string, chromium: string, uptime: Record<string, string>, load1?: Summary }
  config: Required<Omit<BrowserBenchOptions, 'log' | 'resultsFile' | 'executablePath' | 'build' | 'signal'>> & { warmUp: 1, batchSize?: number, rowBytes: number }
  /** How the pull table was seeded, and how long it took. */
  seeding: { method: string, ms: number }
  table: TableRow[]
  markdown: string
  /** Lines to print under the table. */
  notes: string[]
  runs: BrowserRun[]
  pageErrors: string[]
  /** Wall-clock duration of the whole benchmark (build included) in ms. */
  totalMs: number
}

type BrowserWindow = Window & { __browserBench: BrowserBenchApi, __bench: BenchApi }
const API = { 'ZUMO-API-VERSION': '2.0.0', 'Accept': 'application/json', 'Content-Type': 'application/json' }
const DEFAULT_RESULTS = fileURLToPath(new URL('../results/browser-latest.json', import.meta.url))
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim()

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message)
}

function count(name: string, value: number | undefined, fallback: number, min = 1): number {
  const result = value ?? fallback
  if (!Number.isInteger(result) || result < min) throw new Error(`${name} must be a whole number ≥ ${min}`)
  return result
}

/** Updates the titles of `ids` on the server through the batch endpoint (500 per request); resolves with the ms it took. */
async function changeRows(server: BenchServer, ids: string[], run: number): Promise<number> {
  const from = performance.now()
  for (let first = 0; first < ids.length; first += 500) {
    const operations = ids.slice(first, first + 500).map(id => ({ table: PULL_TABLE, kind: 'update', id, item: { id, title: `Changed in run ${run}: ${id}` } }))
    const response = await fetch(`${server.url}/tables/$batch`, { method: 'POST', headers: API, body: JSON.stringify({ operations }) })
    const body = await response.json() as { results?: { status: number }[] }
    const refused = body.results?.filter(result => result.status !== 200).length
    check(response.status === 200 && refused === 0, `changing rows: ${response.status}, ${refused ?? 'no'} results refused`)
  }
  return performance.now() - from
}

/** Runs the browser benchmark; stops only the processes it started and removes its temp dir, also on failure. */
export async function runBrowserBench(options: BrowserBenchOptions = {}): Promise<BrowserBenchResult> {
  const started = performance.now()
  const log = options.log ?? ((line: string) => console.log(line))
  const runs = count('runs', options.runs, 3)
  const rows = count('rows', options.rows, 100_000, 1000)
  const changed = count('changed', options.changed, 1000)
  const writes = count('writes', options.writes, 10_000)
  const singleOps = count('singleOps', options.singleOps, 2000)
  const latencySamples = count('latencySamples', options.latencySamples, 500)
  const warmUpScale = options.warmUpScale ?? 0.1
  check(warmUpScale > 0 && warmUpScale <= 1, 'warmUpScale must be in (0, 1]')
  check(changed <= rows / 2, 'changed must be at most rows / 2')
  check(latencySamples < singleOps, 'latencySamples must be below singleOps')

  const loads: number[] = []
  const sampler = setInterval(() => loads.push(loadavg()[0]!), 2000)
  const uptimes: Record<string, string> = { start: uptime() }
  const servers: BenchServer[] = []
  let browser: Browser | undefined
  let dataDir: string | undefined
  let cleaning: Promise<void> | undefined
  const cleanup = () => cleaning ??= (async () => {
    clearInterval(sampler)
    await browser?.close().catch(() => {})
    await Promise.all(servers.map(server => server.stop()))
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })()
  const stop = () => void cleanup()
  options.signal?.addEventListener('abort', stop, { once: true })
  try {
    if (options.build !== false) {
      log('building test/fixtures/bench-sync …')
      await buildFixture()
    }
    dataDir = await mkdtemp(join(tmpdir(), 'offline-sync-browser-bench-'))
    log(`seeding ${rows.toLocaleString('en-US')} rows into the embedded database …`)
    const seedFrom = performance.now()
    await seedDataDir(join(dataDir, 'pull'), rows)
    const seeding = { method: 'INSERT … SELECT generate_series into the embedded database folder (module\'s openDatabase + migrate, row trigger stamps), before the server starts', ms: performance.now() - seedFrom }
    check(!options.signal?.aborted, 'aborted')
    const server = await startServer(join(dataDir, 'pull'))
    servers.push(server)
    const singleServer = await startServer(join(dataDir, 'single'), { maxBatchSize: 0 })
    servers.push(singleServer)
    check(server.batchSize !== undefined && singleServer.batchSize === undefined, 'the batch endpoint is not on/off as configured')

    browser = await chromium.launch({
      executablePath: options.executablePath ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
    uptimes.measuring = uptime()
    const errors: string[] = []
    const open = async (target: BenchServer): Promise<Page> => {
      const context = await browser!.newContext()
      const page = await context.newPage()
      page.on('pageerror', error => errors.push(error.message))
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text())
      })
      await page.goto(`${target.url}/`, { waitUntil: 'load' })
      await page.locator('[data-ready="true"]').waitFor()
      return page
    }
    const bench = (page: Page) => ({
      call: <K extends keyof BrowserBenchApi>(name: K, ...args: Parameters<BrowserBenchApi[K]>) =>
        page.evaluate(([name, args]) => ((window as unknown as BrowserWindow).__browserBench[name] as (...a: unknown[]) => unknown)(...args), [name, args] as const) as ReturnType<BrowserBenchApi[K]>,
      sync: <K extends keyof BenchApi>(name: K, ...args: Parameters<BenchApi[K]>) =>
        page.evaluate(([name, args]) => ((window as unknown as BrowserWindow).__bench[name] as (...a: unknown[]) => unknown)(...args), [name, args] as const) as ReturnType<BenchApi[K]>,
    })

    const measured: BrowserRun[] = []
    for (let run = 0; run <= runs; run++) {
      const label = run === 0 ? 'warm-up' : `run ${run}/${runs}`
      const scale = run === 0 ? warmUpScale : 1
      const runWrites = Math.max(1, Math.round(writes * scale))
      const runSamples = Math.max(1, Math.round(latencySamples * scale))
      const runSingles = Math.max(runSamples + 1, Math.round(singleOps * scale))

      // cases 1, 6, 2, 7: one page, its IndexedDB empty at the start
      let page = await open(server)
      const api = bench(page)
      const { result: pull, heap: pullHeap } = await heapDuring(page, () => api.call('bigPull'))
      check(pull.rows === rows && pull.upserted === rows, `pull stored ${pull.rows} rows (${pull.upserted} upserted), expected ${rows}`)
      const { result: bulkPut, heap: bulkPutHeap } = await heapDuring(page, () => api.call('bigBulkPut'))
      check(bulkPut.rows === rows, `bulkPut stored ${bulkPut.rows} rows, expected ${rows}`)
      const ids = await api.call('localIds', changed, (run * changed) % (rows - changed))
      const changeMs = await changeRows(server, ids, run)
      const incremental = await api.call('incrementalPull')
      // `updatedAt ge watermark`: the previous pull's last row comes again
      check(incremental.upserted >= changed && incremental.upserted <= changed + 1 && incremental.rows === rows, `incremental pull upserted ${incremental.upserted} (expected ${changed}), ${incremental.rows} rows`)
      const incrementalRaw = await api.call('incrementalRaw', changed)
      check(incrementalRaw.count === changed, `raw incremental fetch read ${incrementalRaw.count} rows`)
      const bucket = run % 10
      const indexedCount = await api.call('indexedCount', bucket)
      const liveWhere = await api.call('liveWhere', bucket)
      const liveAll = await api.call('liveAll')
      const listAll = await api.call('listAll')
      for (const [name, pair] of Object.entries({ indexedCount, liveWhere, liveAll, listAll })) {
        check(pair.module.count === pair.raw.count && pair.module.count > 0, `${name}: the module found ${pair.module.count}, raw Dexie ${pair.raw.count}`)
      }
      await api.call('dropBaseline')
      await page.context().close()

      // cases 3 and 4 (batch): sequential inserts queue the operations the batch push sends
      page = await open(server)
      const writer = bench(page)
      const inserts = await writer.call('sequentialInserts', runWrites)
      const puts = await writer.call('sequentialPuts', runWrites)
      const batchPush = await writer.sync('push')
      check(batchPush.pushed === runWrites && batchPush.left === 0 && batchPush.batched, `batch push: ${batchPush.pushed} pushed, ${batchPush.left} left, batched ${batchPush.batched}`)
      const rawBatches = await writer.call('rawBatches', runWrites, server.batchSize!)
      check(rawBatches.count === runWrites, `raw batches created ${rawBatches.count} rows, expected ${runWrites}`)
      await page.context().close()

      // case 3 (latency) and 4 (one by one): the timed inserts are part of the queue pushed one by one
      page = await open(singleServer)
      const single = bench(page)
      const insertLatency = await single.call('insertLatency', runSamples)
      const putLatency = await single.call('putLatency', runSamples)
      const queued = await single.sync('queueInserts', runSingles - runSamples)
      check(queued === runSingles, `queued ${queued} operations, expected ${runSingles}`)
      const singlePush = await single.sync('push')
      check(singlePush.pushed === runSingles && singlePush.left === 0 && !singlePush.batched, `one-by-one push: ${singlePush.pushed} pushed, ${singlePush.left} left, batched ${singlePush.batched}`)
      const rawPosts = await single.sync('posts', runSingles)
      check(rawPosts.failed === 0, `${rawPosts.failed} raw POSTs failed`)
      await page.context().close()

      const mb = (bytes: number) => Math.round(bytes / 1048576)
      log(`${label}: pull ${Math.round(pull.ms)} ms (bulkPut ${Math.round(bulkPut.ms)} ms, heap peak ${mb(pullHeap.peakBytes)} MB), incremental ${Math.round(incremental.ms)} ms, list ${Math.round(listAll.module.ms)} ms, ${runWrites} inserts ${Math.round(inserts.ms)} ms (puts ${Math.round(puts.ms)} ms), batch push ${Math.round(batchPush.ms)} ms, ${runSingles} one-by-one ${Math.round(singlePush.ms)} ms`)
      if (run > 0) measured.push({ pull, pullHeap, bulkPut, bulkPutHeap, incremental, incrementalRaw, changeMs, indexedCount, liveWhere, liveAll, listAll, insertLatency, putLatency, inserts, puts, batchPush, rawBatches, singlePush, rawPosts })
    }
    uptimes.end = uptime()

    const config = { runs, rows, changed, writes, singleOps, latencySamples, warmUpScale, warmUp: 1 as const, batchSize: server.batchSize, rowBytes: summarize(measured.map(run => run.bulkPut.rowBytes)).median }
    const { table, notes } = browserTable(measured, config)
    const load = loads.length ? summarize(loads) : undefined
    const result: BrowserBenchResult = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, chromium: browser.version(), uptime: uptimes, load1: load },
      config,
      seeding,
      table,
      markdown: markdown(table),
      notes,
      runs: measured,
      pageErrors: errors,
      totalMs: performance.now() - started,
    }
    if (options.resultsFile !== false) {
      const file = options.resultsFile ?? DEFAULT_RESULTS
      await mkdir(join(file, '..'), { recursive: true })
      await writeFile(file, `${JSON.stringify(result, null, 2)}\n`)
    }
    return result
  }
  finally {
    options.signal?.removeEventListener('abort', stop)
    await cleanup()
  }
}
