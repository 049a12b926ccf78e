// What the benchmark page (test/fixtures/bench-sync) exposes as `window.__bench`, for bench/sync/run.ts.
// Every duration is measured inside the page with `performance.now()`, in milliseconds.
import type { TablesDefinition } from '../../src/runtime/core/schema'

/** The sync tables of the benchmark fixture: `items` is pulled, `writes` is pushed (same columns). */
export const PULL_TABLE = 'items'
export const PUSH_TABLE = 'writes'
/** The named query the pull runs (incremental: watermarks are written as in an app). */
export const PULL_QUERY = 'bench'

/** Main-thread long tasks (≥ 50 ms, PerformanceObserver 'longtask') seen during a timed section. */
export interface LongTasks {
  count: number
  /** Longest one in ms; 0 when there was none. */
  longestMs: number
  totalMs: number
}

export interface PullMeasure {
  ms: number
  /** Rows in the module's table afterwards (counted after the timer stopped). */
  rows: number
  upserted: number
  pages: number
  longTasks: LongTasks
  /** HTTP requests to the table endpoints while the timer ran (Resource Timing). */
  requests: number
}

export interface BulkPutMeasure {
  /** `bulkPut` of every row in one call, into a separate Dexie database with the module's schema of the table. */
  ms: number
  rows: number
  /** Raw `fetch` of the same rows beforehand (not part of `ms`). */
  fetchMs: number
  /** Average JSON size of one server row in bytes. */
  rowBytes: number
  longTasks: LongTasks
}

export interface PushMeasure {
  ms: number
  pushed: number
  batched: boolean
  /** Queued operations left afterwards. */
  left: number
  requests: number
  longTasks: LongTasks
}

export interface PostsMeasure {
  /** `count` raw `fetch` POSTs of new rows, one after the other, each response body read. */
  ms: number
  count: number
  /** Responses that were not 201. */
  failed: number
}

export interface BenchApi {
  /** Queues `count` inserts in the push table (`useSyncTable().insert`, one after the other); the queue length after. */
  queueInserts(count: number): Promise<number>
  /** Times `useSyncStore().push()` of the whole queue. */
  push(): Promise<PushMeasure>
  /** Times `useSyncTable(PULL_TABLE).pull(PULL_QUERY)`. */
  pull(): Promise<PullMeasure>
  /** Fetches every row of the pull table, then times one Dexie `bulkPut` of them (the baseline of the pull). */
  bulkPut(): Promise<BulkPutMeasure>
  /** Times `count` raw POSTs to the push table (the baseline of the push). */
  posts(count: number): Promise<PostsMeasure>
}

const FILLER = ' lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt'

/** Number of distinct `bucket` values: an indexed equality query matches one row in this many. */
export const BUCKETS = 10

/**
 * The sync tables of the benchmark fixture (its nuxt.config uses this): same columns, `bucket` indexed (the live
 * and count queries of the browser benchmark filter on it).
 */
export const BENCH_TABLES: TablesDefinition = {
  [PULL_TABLE]: { columns: { title: 'string', done: 'boolean', n: 'number', bucket: 'number' }, indexes: ['bucket'] },
  [PUSH_TABLE]: { columns: { title: 'string', done: 'boolean', n: 'number', bucket: 'number' }, indexes: ['bucket'] },
}

/** The user columns of benchmark row `n` (the same for seeded, queued and posted rows): about 150 bytes with its id. */
export function rowFields(n: number): { title: string, done: boolean, n: number, bucket: number } {
  return { title: `Item ${n}:${FILLER}`.slice(0, 80), done: n % 2 === 0, n, bucket: n % BUCKETS }
}

/** `rowFields(n)` as SQL over a column `n` (server-side seeding with generate_series): title, done, n, bucket. */
export function rowFieldsSql(n: string): string {
  return `left('Item ' || ${n} || ':' || '${FILLER.replaceAll('\'', '\'\'')}', 80), ${n} % 2 = 0, ${n}, ${n} % ${BUCKETS}`
}
