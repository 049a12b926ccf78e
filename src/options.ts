import type { TablesDefinition } from './runtime/core/schema'

export interface ServerDatabaseOptions {
  /**
   * PostgreSQL connection string (`postgres://…`). Empty: the embedded database (PGlite) in `dataDir`.
   * At run time `NUXT_OFFLINE_SYNC_DATABASE_URL` or `DATABASE_URL` override it.
   * @default process.env.DATABASE_URL
   */
  url?: string
  /**
   * Folder of the embedded database: relative to the app's root in development, to the working directory of a
   * built server.
   * `memory://` keeps it in memory (tests).
   * @default '.data/offline-sync'
   */
  dataDir?: string
}

export interface ServerOptions {
  /**
   * Serve the table protocol from this app's Nitro server.
   * @default true
   */
  enabled?: boolean
  /**
   * Route prefix of the table endpoints.
   * @default '/tables'
   */
  path?: string
  database?: ServerDatabaseOptions
  /**
   * Rows per page when the request has no `$top` (protocol v2; v3 uses `pageSize * 2`); a whole number from 1 to
   * `maxTop`.
   * @default 50
   */
  pageSize?: number
  /**
   * Largest `$top` accepted; more is a 400. When `backend` is this server, the client's `sync.pageSize` defaults to
   * `min(1000, maxTop)` and may not exceed it.
   * @default 1000
   */
  maxTop?: number
  /**
   * Largest request body in bytes; more is a 413.
   * @default 1048576
   */
  maxBodySize?: number
  /**
   * Largest number of operations in one batch push (`POST <path>/$batch`, this module's extension of the
   * protocol, announced on every table response as `X-Offline-Sync-Batch: <maxBatchSize>`); more is a 400.
   * A whole number from 0.
   * `0` turns the batch endpoint off (no announcement; clients push one request per operation).
   * @default 500
   */
  maxBatchSize?: number
  /**
   * Largest batch request body in bytes; more is a 413 for the whole batch. Each operation's item is still held
   * to `maxBodySize` (a 413 result for that operation alone, as its single request would get), so with batches on
   * it may not be smaller than `maxBodySize`.
   * @default 8388608
   */
  maxBatchBodySize?: number
}

/** A named incremental pull: the rows of `table` that `filter` accepts, kept on this device. */
export interface QueryOption {
  /** A declared table. */
  table: string
  /** OData `$filter` of the rows to keep (no `$orderby`, `$top`, `$skip` or `$select`). @default every row */
  filter?: string
}

export interface SyncOptions {
  /**
   * Push, then pull every named query, when the app starts online and whenever the browser comes back online.
   * @default true
   */
  auto?: boolean
  /**
   * Also push and pull the named queries every this many milliseconds while online; 0 turns it off.
   * @default 0
   */
  interval?: number
  /**
   * Rows per page of a pull (`$top`). A server that answers with shorter pages is followed (the pull goes on until
   * a page is shorter than the longest one it received), but a server that refuses a `$top` this large (a 400: this
   * module's server above `server.maxTop`, the stock servers above 1000) fails every pull, so keep it at or below
   * the backend's limit. With this module's server as `backend` (the same path as `server.path`), it defaults to
   * `min(1000, server.maxTop)` and a value above `server.maxTop` fails the build.
   * @default 1000
   */
  pageSize?: number
  /**
   * `ZUMO-API-VERSION` the client speaks.
   * @default '2.0.0'
   */
  apiVersion?: '2.0.0' | '3.0.0'
  /**
   * Retry a push that stopped (network, 401, 5xx) after an exponential backoff with full jitter, between `baseMs`
   * and `maxMs`; `false`: never retry on its own.
   * @default { baseMs: 1000, maxMs: 300000 }
   */
  retry?: { baseMs?: number, maxMs?: number } | false
  /**
   * Ask the browser, once when the app starts, to keep this origin's data under storage pressure
   * (`navigator.storage.persist()`), so that queued offline changes are not evicted with the cache. The browser
   * decides (Chromium grants or refuses silently, Firefox may ask the user); `useSyncStore().storage.persisted`
   * tells the outcome.
   * @default false
   */
  persistentStorage?: boolean
}

export interface ModuleOptions {
  /**
   * The tables to sync, with their columns and indexes.
   * @default {}
   */
  tables: TablesDefinition
  /**
   * Name of the IndexedDB database in the browser.
   * @default 'offline-sync'
   */
  databaseName: string
  /**
   * Where the client finds the table endpoints: a path on this app (its own server; under `app.baseURL`) or the
   * absolute URL of any Azure Mobile Apps backend (which must allow this origin by CORS). A path other than
   * `server.path` while the server is enabled is warned about at build time.
   * @default '/tables'
   */
  backend: string
  /**
   * Named incremental pulls by name: pulled when the app starts online, when it comes back online and on the
   * `sync.interval`. More can be added at run time (`useSyncStore().addQuery`); those are not stored, so add them
   * again when the app starts. Checked at build time with the rules the pull applies at run time.
   * @default {}
   */
  queries: Record<string, QueryOption>
  /** When and how the browser syncs. */
  sync: SyncOptions
  /** The Nitro backend of this module. */
  server: ServerOptions
  /**
   * The "Offline Sync" tab of Nuxt DevTools (queue, conflicts, tables and queries, status), in development only:
   * `nuxt build` never includes it.
   * @default true
   */
  devtools: boolean
}

/** What the browser needs; goes to `runtimeConfig.public.offlineSync`. */
export interface PublicRuntimeOptions {
  tables: TablesDefinition
  databaseName: string
  backend: string
  queries: Record<string, QueryOption>
  sync: { auto: boolean, interval: number, pageSize?: number, apiVersion: '2.0.0' | '3.0.0', retry: { baseMs?: number, maxMs?: number } | false, persistentStorage: boolean }
}

/** What the server needs; goes to the private `runtimeConfig.offlineSync`. */
export interface ServerRuntimeOptions {
  tables: TablesDefinition
  path: string
  database: { url: string, dataDir: string }
  pageSize: number
  maxTop: number
  maxBodySize: number
  maxBatchSize: number
  maxBatchBodySize: number
}
