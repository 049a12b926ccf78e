// The browser benchmark's table: one row per measure, median (min–max) over the runs, its baseline of the same
// runs, and the median of the per-run ratios value / baseline.
import { perSecond, summarize, type TableRow } from '../sync/stats'
import type { BrowserRun } from './index'
import type { LatencyMeasure, QueryPair } from './page-api'

/** The `p`-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

interface TableConfig { rows: number, changed: number, writes: number, singleOps: number, latencySamples: number, batchSize?: number, rowBytes: number }

const label = (value: number) => value.toLocaleString('en-US')
const mb = (bytes: number) => bytes / 1048576

/** A measure with its baseline; the ratio is taken per run (same page, same run). */
function pair(measure: string, unit: string, baseline: string, runs: BrowserRun[], pick: (run: BrowserRun) => [number, number]): TableRow {
  const values = runs.map(pick)
  return {
    measure,
    unit,
    value: summarize(values.map(([value]) => value)),
    baseline: { name: baseline, value: summarize(values.map(([, base]) => base)) },
    ratio: summarize(values.map(([value, base]) => value / base)),
  }
}

export function browserTable(runs: BrowserRun[], config: TableConfig): { table: TableRow[], notes: string[] } {
  const rows = label(config.rows)
  const latency = (measure: LatencyMeasure, p: number) => percentile(measure.samples, p)
  const query = (name: keyof Pick<BrowserRun, 'indexedCount' | 'liveWhere' | 'liveAll' | 'listAll'>) => (run: BrowserRun): [number, number] => {
    const value: QueryPair = run[name]
    return [value.module.ms, value.raw.ms]
  }
  const table: TableRow[] = [
    pair(`1. Initial pull of ${rows} rows into IndexedDB`, 'rows/s', 'Dexie bulkPut of the same rows in memory, same page', runs, run => [perSecond(config.rows, run.pull.ms), perSecond(config.rows, run.bulkPut.ms)]),
    pair('1. Initial pull, duration', 'ms', 'raw fetch of the same rows (keyset pages of 1,000), no writes', runs, run => [run.pull.ms, run.bulkPut.fetchMs]),
    pair('1. Longest main-thread task during the initial pull', 'ms', 'during the bulkPut', runs, run => [run.pull.longTasks.longestMs, run.bulkPut.longTasks.longestMs]),
    pair(`2. Incremental pull of ${label(config.changed)} changed rows`, 'rows/s', 'raw fetch of the same rows + Dexie bulkPut, same page', runs, run => [perSecond(config.changed, run.incremental.ms), perSecond(config.changed, run.incrementalRaw.ms)]),
    pair('2. Incremental pull, duration', 'ms', 'raw fetch + bulkPut', runs, run => [run.incremental.ms, run.incrementalRaw.ms]),
    pair('3. insert latency p50 (row + operation, one transaction)', 'ms', 'raw Dexie put, same schema', runs, run => [latency(run.insertLatency, 50), latency(run.putLatency, 50)]),
    pair('3. insert latency p95', 'ms', 'raw Dexie put p95', runs, run => [latency(run.insertLatency, 95), latency(run.putLatency, 95)]),
    pair(`3. ${label(config.writes)} sequential inserts`, 'ops/s', `${label(config.writes)} sequential raw puts`, runs, run => [perSecond(run.inserts.count, run.inserts.ms), perSecond(run.puts.count, run.puts.ms)]),
    pair(`3. ${label(config.writes)} sequential inserts, total`, 'ms', 'raw puts, total', runs, run => [run.inserts.ms, run.puts.ms]),
    pair(`4. Push of ${label(config.writes)} queued inserts, batch (${config.batchSize ?? '?'} per request)`, 'ops/s', 'raw fetch $batch POSTs of as many new rows, same size', runs, run => [perSecond(run.batchPush.pushed, run.batchPush.ms), perSecond(run.rawBatches.count, run.rawBatches.ms)]),
    pair(`4. Push of ${label(config.singleOps)} queued inserts, one by one (maxBatchSize 0)`, 'ops/s', 'raw fetch POSTs one by one, same server', runs, run => [perSecond(run.singlePush.pushed, run.singlePush.ms), perSecond(run.rawPosts.count, run.rawPosts.ms)]),
    pair(`6. Peak JS heap during the ${rows}-row pull`, 'MB', 'raw fetch of every row into memory + bulkPut', runs, run => [mb(run.pullHeap.peakBytes), mb(run.bulkPutHeap.peakBytes)]),
    pair('6. Heap growth during the pull (peak − start after a forced GC)', 'MB', 'raw fetch + bulkPut', runs, run => [mb(run.pullHeap.peakBytes - run.pullHeap.startBytes), mb(run.bulkPutHeap.peakBytes - run.bulkPutHeap.startBytes)]),
    pair(`7. Indexed count over ${rows} rows (count({ where: { bucket } }), 1 in 10)`, 'ms', 'Dexie where().equals().count()', runs, query('indexedCount')),
    pair('7. Live query first value, live({ where: { bucket } })', 'ms', 'Dexie where().equals().toArray()', runs, query('liveWhere')),
    pair(`7. Live query first value, live() of all ${rows} rows`, 'ms', 'Dexie toArray()', runs, query('liveAll')),
    pair(`7. list() of all ${rows} rows`, 'ms', 'Dexie toArray()', runs, query('listAll')),
  ]
  const first = runs[0]!
  const notes = [
    `Ratio = value / baseline per run, median (min–max): for rows/s and ops/s above 1 is faster than the baseline, for ms and MB above 1 is slower / larger.`,
    `A row is about 150 bytes of JSON of its own columns, ${Math.round(config.rowBytes)} bytes as the server sends it (system columns included).`,
    `HTTP requests: initial pull ${first.pull.requests} (${first.pull.pages} pages), incremental pull ${first.incremental.requests}, batch push ${first.batchPush.requests}, one-by-one push ${first.singlePush.requests}.`,
    `Long tasks: only main-thread tasks of 50 ms or more are reported; 0 ms means none. Heap: used JS heap of the page (DevTools protocol Runtime.getHeapUsage) sampled about every 50 ms after a forced GC; the baseline holds every fetched row in memory.`,
    `Latency samples: ${label(config.latencySamples)} inserts and ${label(config.latencySamples)} puts per run, one after the other.`,
  ]
  return { table, notes }
}
