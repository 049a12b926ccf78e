// What the benchmark page (test/fixtures/bench-sync) exposes as `window.__browserBench`, for bench/browser.
// Every duration is measured inside the page with `performance.now()`, in milliseconds. (The JS heap is sampled
// from outside, through the DevTools protocol: see ./heap.ts.)
import type { LongTasks } from '../sync/page-api'

export interface BigPullMeasure {
  ms: number
  /** Rows in the module's table afterwards. */
  rows: number
  upserted: number
  pages: number
  requests: number
  longTasks: LongTasks
}

export interface BigBulkPutMeasure {
  /** One Dexie `bulkPut` of every row (fetched beforehand, held in memory) into the baseline database. */
  ms: number
  rows: number
  fetchMs: number
  rowBytes: number
  longTasks: LongTasks
}

export interface TimedCount {
  ms: number
  /** What the timed call returned: a count, or the number of rows read. */
  count: number
}

/** A query by the module against the same query done with raw Dexie on the baseline database (same rows, same schema). */
export interface QueryPair {
  module: TimedCount
  raw: TimedCount
}

export interface LatencyMeasure {
  /** Each call's duration, in call order. */
  samples: number[]
}

export interface BrowserBenchApi {
  /** Times `useSyncTable(PULL_TABLE).pull(PULL_QUERY)`, with its long tasks. */
  bigPull(): Promise<BigPullMeasure>
  /** Fetches every row of the pull table, then times one Dexie `bulkPut` of them into the baseline database (kept for the queries). */
  bigBulkPut(): Promise<BigBulkPutMeasure>
  /** Ids of `count` local rows of the pull table, from `offset` in primary-key order. */
  localIds(count: number, offset: number): Promise<string[]>
  /** Times the same incremental pull again (after rows changed on the server). */
  incrementalPull(): Promise<BigPullMeasure>
  /** Times a raw fetch of the `count` most recently changed rows and their `bulkPut` into the baseline database. */
  incrementalRaw(count: number): Promise<TimedCount>
  /** `count({ where: { bucket } })` vs Dexie `where('bucket').equals(bucket).count()`. */
  indexedCount(bucket: number): Promise<QueryPair>
  /** Time to the first value of `live({ where: { bucket } })` vs Dexie `where('bucket').equals(bucket).toArray()`. */
  liveWhere(bucket: number): Promise<QueryPair>
  /** Time to the first value of `live()` (every row) vs Dexie `toArray()`. */
  liveAll(): Promise<QueryPair>
  /** `list()` of every row vs Dexie `toArray()`. */
  listAll(): Promise<QueryPair>
  /** Closes and deletes the baseline database of the pull table. */
  dropBaseline(): Promise<void>
  /** `count` inserts into the push table, one after the other, each timed (row + operation, one transaction). */
  insertLatency(count: number): Promise<LatencyMeasure>
  /** `count` raw Dexie `put`s of new rows, one after the other, each timed, into a database with the push table's schema. */
  putLatency(count: number): Promise<LatencyMeasure>
  /** Times `count` inserts one after the other. */
  sequentialInserts(count: number): Promise<TimedCount>
  /** Times `count` raw Dexie `put`s one after the other (same database as `putLatency`). */
  sequentialPuts(count: number): Promise<TimedCount>
  /** Times `count` new rows sent as raw `POST /tables/$batch` requests of `size` inserts, one after the other. */
  rawBatches(count: number, size: number): Promise<TimedCount>
  /** Rows of the push table's local queue (`pendingCount`). */
  pending(): Promise<number>
}
