import type { Subscribable } from '../store'
import type { SyncClient } from '../sync-client'
import type { ContextTimers } from './context-backoff'
import type { ExclusiveLock, TryLock } from './context-serial'
import type { ConflictHandler, ConflictRecord, NamedQuery, PullResult, PurgeOptions, PushResult, Resolution, SyncStatus, TableClient, WatermarkRecord } from './contract'

// The options and the interface of the sync context; `context.ts` implements and re-exports them.

export interface SyncContextOptions {
  client: SyncClient
  tableClient: TableClient
  /** Named incremental queries (more with `addQuery`); pulled by `sync()`, in declaration order. */
  queries?: Record<string, NamedQuery>
  /**
   * Decides conflicts during push; `undefined` keeps them for the user. The push waits for it, so it must not call
   * this context (push, pull, resolve…): while it runs, the context refuses the app's calls with `ReentrantCallError`.
   */
  conflictHandler?: ConflictHandler
  /** Rows per pull page. @default the pull's default */
  pageSize?: number
  /**
   * Retry after a push that stopped (network, 401, 5xx, 408, 429) or a pull that failed the same way: one `sync()`
   * after `random() * min(maxMs, baseMs * 2^attempt)` ms; a success or going online resets it, and none is scheduled
   * while offline (going online syncs). `false`: never.
   * @default { baseMs: 1000, maxMs: 300000 }
   */
  retry?: { baseMs?: number, maxMs?: number } | false
  /** `sync()` every this many ms while online, from `start()` on (a tick is skipped while an action runs); 0 = never. @default 0 */
  interval?: number
  /** `sync()` at `start()` when online and whenever `setOnline(true)` follows offline. @default true */
  auto?: boolean
  /**
   * Exclusive section around every push/pull/purge/resolve (Web Locks in the browser), SHARED by every context over
   * the same database: with it, each push first resets operations left `inflight` by a context that died (a
   * crashed tab), since none can be pushing at that moment. @default run directly (inflight reset at start only)
   */
  lock?: ExclusiveLock
  /**
   * The same exclusive section as `lock`, taken only when it is free now (Web Locks' `ifAvailable`). The syncs the
   * context starts on its own (start-up, `setOnline(true)`, interval ticks, backoff retries) go through it: while
   * another tab holds the lock (it is syncing this very database) they are skipped without a trace (no request, no
   * status change; a skipped backoff retry is scheduled again at the same attempt). Calls of the app wait for
   * `lock` as usual. @default background syncs wait for `lock` too
   */
  tryLock?: TryLock
  /** @default true */
  online?: boolean
  /** @default Date.now */
  now?: () => number
  /** @default Math.random */
  random?: () => number
  /** @default the global timers */
  timers?: ContextTimers
}

/**
 * The sync engine of one app (tab): push, pull, purge and conflict resolutions run one at a time, each inside the
 * optional cross-tab `lock`; local reads and writes (`client.table(…)`) are never blocked. Offline, every network
 * call (push, pull, pullAll, sync) rejects at once with `OfflineError`; purge and resolve are local and also work
 * offline. After `dispose()` every call rejects with `DisposedError`.
 */
export interface SyncContext {
  readonly client: SyncClient
  readonly tableClient: TableClient
  /** The current status (a new frozen object after every change). */
  status(): SyncStatus
  /** Called with the new status on every change; returns the unsubscribe. */
  subscribeStatus(listener: (status: SyncStatus) => void): () => void
  /** Going offline cancels a scheduled retry; coming back resets the backoff and (with `auto`) runs `sync()`. */
  setOnline(online: boolean): void
  /**
   * Pushes the whole queue, `failed` operations included (the context's own syncs send those only once their row
   * changed or their backoff delay passed: see core/sync/push-failed.ts). A stopped push resolves (see `stopped`)
   * and schedules a retry (none while offline).
   */
  push(): Promise<PushResult>
  /**
   * Pulls `table`; a `queryName` of a named query on this table pulls with its filter when `filter` is omitted, and
   * refuses another `filter` with `ValidationError` (it would restart the named query's watermark).
   */
  pull(table: string, queryName?: string, filter?: string): Promise<PullResult>
  /** Every named query, in declaration order; rejects with the first error after trying the others (a network-type error stops at once). */
  pullAll(): Promise<PullResult[]>
  /** Push (`failed` operations included, as `push()`), then `pullAll()`; rejects with the stop error when the push stopped (nothing pulled then). */
  sync(): Promise<{ push: PushResult, pulls: PullResult[] }>
  purge(table: string, options?: PurgeOptions): Promise<void>
  resolve(conflictId: string, resolution: Resolution): Promise<void>
  /**
   * Makes the `failed` operation `seq` `pending`: the next push (any, the context's own too) sends it. Local, works
   * offline. `ItemNotFoundError` (table `_operations`) for an unknown seq; `QueueStateError` when it is not `failed`.
   */
  retryOperation(seq: number): Promise<void>
  /**
   * Drops the `pending` or `failed` operation `seq` (not one being pushed, nor one in conflict: resolve that). The
   * local row goes back as far as the queue knows it: a discarded insert removes the row (and the item's later
   * operations); a discarded delete brings its snapshot of the row back; a discarded update leaves the row as it is
   * (its earlier values are not kept) until a pull without a query name brings the server's row. Local, works offline.
   */
  discardOperation(seq: number): Promise<void>
  observeConflicts(): Subscribable<ConflictRecord[]>
  observeWatermarks(): Subscribable<WatermarkRecord[]>
  /** A copy of the named queries. */
  queries(): Record<string, NamedQuery>
  /** Adds or replaces a named query: `UnknownTableError` for an undeclared table, `ValidationError` for a bad name. */
  addQuery(name: string, query: NamedQuery): void
  removeQuery(name: string): void
  /** Resets orphaned `inflight` operations, starts the interval, then (`auto` and online) `sync()`; never throws. */
  start(): Promise<void>
  /** Stops timers; later calls reject with `DisposedError`. A running action finishes; queued ones are refused. */
  dispose(): void
}
