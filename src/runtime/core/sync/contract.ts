/**
 * The shared contract of the sync engine (push, pull, purge, conflicts, the orchestrating context). Framework-free:
 * no Vue, Nuxt or Dexie. Each part lives in its own file of `core/sync/`; this file only holds the types they share.
 */
import type { QueuedOperation } from '../operation'
import type { ProtocolVersion } from '../protocol/system'

/** An item as the server sends it: user columns plus the system columns. */
export type ServerItem = { id: string, updatedAt?: string, version?: string, deleted?: boolean, createdAt?: string } & Record<string, unknown>

// ---------------------------------------------------------------------------------------------------------------
// Table client (core/sync/table-client.ts): HTTP to any backend of the protocol.

export interface TableClientOptions {
  /** Base URL of the tables, e.g. `/tables` (same origin) or `https://host/tables`. No trailing slash needed. */
  baseUrl: string
  /** `ZUMO-API-VERSION` sent on every request. @default '2.0.0' */
  apiVersion?: ProtocolVersion
  /** @default globalThis.fetch */
  fetch?: typeof globalThis.fetch
  /**
   * Extra headers for every request, e.g. `{ 'X-ZUMO-AUTH': token }` or `{ Authorization: 'Bearer …' }`.
   * Called before each request, so a refreshed token is picked up.
   */
  headers?: () => Record<string, string> | undefined | Promise<Record<string, string> | undefined>
  /** Abort a request that takes longer (then `NetworkError`). @default 30_000 */
  timeoutMs?: number
}

export interface ListQuery {
  /** OData `$filter`. */
  filter?: string
  orderBy?: string
  top?: number
  skip?: number
  includeDeleted?: boolean
}

/** One page of a list. `nextLink` is the server's next page (v2 `Link` header or v3 `nextLink`), when given. */
export interface ListPage {
  items: ServerItem[]
  nextLink?: string
}

/** One operation of a batch push (our server's extension). `item` for insert/update; `version` as `If-Match`. */
export interface BatchOperation {
  table: string
  kind: 'insert' | 'update' | 'delete'
  id: string
  item?: Record<string, unknown>
  version?: string
}

/**
 * The result of one batch operation, in request order: the HTTP status the single request would have had, the
 * item it would have answered (the server's item for 409/412), or its `{ error }` message.
 */
export interface BatchResult {
  status: number
  item?: ServerItem
  error?: string
}

export interface TableClient {
  readonly apiVersion: ProtocolVersion
  /**
   * Whether the server announced the batch endpoint (`X-Offline-Sync-Batch` response header on any table
   * response); `undefined` until a response was seen.
   */
  readonly batchSupported: boolean | undefined
  /** Largest batch the server accepts (from the announcement). */
  readonly maxBatchSize: number
  /** POST; system columns stripped. 201 → the server's item; errors are typed (`ConflictError` with the server's item on 409). */
  insert(table: string, item: Record<string, unknown>): Promise<ServerItem>
  /** PATCH (v2, merge) or PUT (v3, replace) with `If-Match: "<version>"` when given; system columns stripped (v2). */
  update(table: string, item: Record<string, unknown> & { id: string }, version?: string): Promise<ServerItem>
  /** DELETE with `If-Match` when given. 404/410 resolve with `undefined` (already gone). */
  delete(table: string, id: string, version?: string): Promise<ServerItem | undefined>
  /**
   * GET one item; `undefined` on 404/410. With `includeDeleted`, a 404/410 is asked again as a list
   * (`$filter=id eq '<id>'&__includeDeleted=true`): the stock Node server's GET by id never includes deleted rows.
   */
  get(table: string, id: string, options?: { includeDeleted?: boolean }): Promise<ServerItem | undefined>
  /** GET a page. v2 array or `{ results }`, v3 `{ items, nextLink }`, all returned as `ListPage`. */
  list(table: string, query?: ListQuery): Promise<ListPage>
  /** POST `<baseUrl>/$batch` (only when `batchSupported`): results in request order. */
  batch(operations: BatchOperation[]): Promise<BatchResult[]>
  /**
   * Brings back a soft-deleted item, with `If-Match` when `version` is given; resolves with the live item.
   * v2: `POST <table>/<id>` (the stock undelete: the row comes back with the values it had; `item`'s other values are
   * not sent). v3: `PUT <table>/<id>?__includeDeleted=true` with `item` and `deleted: false` (the v3 undelete, which
   * also writes `item`'s values). 404/410 (no such row) → `HttpError`; 409/412 → `ConflictError`.
   * Optional for compatibility: without it, push cannot re-create an item the server soft-deleted (that operation fails).
   */
  undelete?(table: string, item: Record<string, unknown> & { id: string }, version?: string): Promise<ServerItem>
}

// ---------------------------------------------------------------------------------------------------------------
// Conflicts (core/sync/conflicts.ts), stored in `_conflicts`.

/**
 * A push the server refused with 409/412, or an update it answered 404/410 (changed here, deleted on the server);
 * stays until resolved. Key `id` = `String(operationSeq)`.
 */
export interface ConflictRecord {
  id: string
  table: string
  itemId: string
  operationSeq: number
  kind: 'insert' | 'update' | 'delete'
  /** 409/412: the server's row differs; 404/410 (updates only): the server no longer has the row (deleted). */
  status: 404 | 409 | 410 | 412
  /** What this device has: the local row (or, for a delete, the snapshot of the removed row). */
  clientItem: Record<string, unknown> | undefined
  /**
   * The server's current item: from the 409/412 body when it is the server's row, else read back with
   * `__includeDeleted` (so `deleted: true` when the server deleted it). `undefined` when the server has no such row
   * (deleted for good, or outside this user's rows) or would not say.
   */
  serverItem: ServerItem | undefined
  /** Epoch ms. */
  createdAt: number
}

/**
 * How a conflict ends.
 * - `client`: keep mine: take the server's `version`, push my row again (an insert that met an existing id becomes an update).
 * - `server`: keep theirs: drop my operations on the item and store the server's item (remove the row when it is deleted).
 * - `merge`: store `item` (the app's merge) with the server's `version`, and push it.
 * - `discard`: drop my operations on the item and remove the local row (the stock client's `cancelAndDiscard`); the
 *   server's copy comes back only with a full (unnamed) pull, a purge + pull, or its next change on the server.
 *
 * When the server deleted the item (its `serverItem` is `deleted`, or a 404/410 conflict has none), `client` and
 * `merge` re-create it: the operation becomes an insert of my (merged) row with the same id, which push sends as an
 * undelete of the server's deleted row (then an update with my values), or as a `POST` when the row is gone for good.
 */
export type Resolution
  = | { choice: 'client' }
    | { choice: 'server' }
    | { choice: 'merge', item: Record<string, unknown> }
    | { choice: 'discard' }

/**
 * Decides a conflict during push. Return `undefined` to keep it for the user (store, DevTools). The push waits for it:
 * return the resolution rather than calling the sync context (its calls are refused with `ReentrantCallError` meanwhile).
 */
export type ConflictHandler = (conflict: ConflictRecord) => Resolution | undefined | Promise<Resolution | undefined>

// ---------------------------------------------------------------------------------------------------------------
// Push (core/sync/push.ts)

/** Why a push stopped before the end of the queue. */
export type PushStopReason = 'network' | 'authentication' | 'server'

export interface PushResult {
  /** Operations the server accepted (or that were already applied), now gone from the queue. */
  pushed: number
  /** Conflicts recorded by this push (still waiting for a resolution). */
  conflicts: ConflictRecord[]
  /** Operations refused with an item error (400, 403, 404 on insert, …): kept as `failed` (see push-failed.ts for when they are sent again). */
  errors: { operation: QueuedOperation, status?: number, message: string }[]
  /** Set when a network error, 401 or 5xx stopped the push; the rest of the queue is untouched. */
  stopped?: { reason: PushStopReason, error: Error }
  /** Whether the batch endpoint was used. */
  batched: boolean
}

// ---------------------------------------------------------------------------------------------------------------
// Pull and purge (core/sync/pull.ts, core/sync/purge.ts); watermarks stored in `_watermarks`.

/** Watermark of one incremental query. Key `id` = `${table}/${queryName}`. */
export interface WatermarkRecord {
  id: string
  table: string
  queryName: string
  /** The filter it was pulled with (a different filter under the same name restarts from the beginning). */
  filter: string | undefined
  /** Newest `updatedAt` whose rows are all stored, `YYYY-MM-DDTHH:mm:ss.sssZ`. */
  updatedAt: string
  /** Epoch ms of the last completed pull. */
  pulledAt: number
  /** Rows received by the last pull. */
  rows: number
}

export interface PullResult {
  table: string
  queryName?: string
  /** Rows stored or updated. */
  upserted: number
  /** Rows removed because the server marked them deleted. */
  deleted: number
  /** Rows skipped because they have pending local operations. */
  skipped: number
  pages: number
  /** The watermark after the pull (incremental only). */
  watermark?: string
}

export interface PurgeOptions {
  /** OData-free local filter: only rows it accepts are removed. @default every row */
  filter?: (row: Record<string, unknown>) => boolean
  /** Purge even with queued operations, dropping the table's operations and conflicts too. */
  force?: boolean
}

// ---------------------------------------------------------------------------------------------------------------
// The context (core/sync/context.ts): serialises push/pull/purge, retries, tracks status.

/** A named incremental query: pulled on start, on reconnect and on an interval. */
export interface NamedQuery {
  table: string
  /** OData `$filter` of the rows to keep on this device. @default every row */
  filter?: string
}

export type SyncActivity
  = | { kind: 'idle' }
    | { kind: 'push', done: number, total: number }
    | { kind: 'pull', table: string, queryName?: string, rows: number, pages: number }
    | { kind: 'purge', table: string }

export interface SyncStatus {
  online: boolean
  activity: SyncActivity
  lastPush?: { at: number, result: PushResult }
  lastPull?: { at: number, results: PullResult[] }
  /** The last error of a push/pull/purge (cleared by the next success). */
  lastError?: Error
  /** Epoch ms of the next automatic retry after a stopped push, when one is scheduled. */
  nextRetryAt?: number
  /** Failed attempts in a row (drives the backoff). */
  retryAttempt: number
}
