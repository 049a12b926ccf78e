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
   * Rows per page when the request has no `$top` (protocol v2; v3 uses `pageSize * 2`).
   * @default 50
   */
  pageSize?: number
  /**
   * Largest `$top` accepted; more is a 400.
   * @default 1000
   */
  maxTop?: number
  /**
   * Largest request body in bytes; more is a 413.
   * @default 1048576
   */
  maxBodySize?: number
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
   * Where the client finds the table endpoints: a path on this app (its own server) or the URL of any
   * Azure Mobile Apps backend.
   * @default '/tables'
   */
  backend: string
  /** The Nitro backend of this module. */
  server: ServerOptions
}

/** What the browser needs; goes to `runtimeConfig.public.offlineSync`. */
export interface PublicRuntimeOptions {
  tables: TablesDefinition
  databaseName: string
  backend: string
}

/** What the server needs; goes to the private `runtimeConfig.offlineSync`. */
export interface ServerRuntimeOptions {
  tables: TablesDefinition
  path: string
  database: { url: string, dataDir: string }
  pageSize: number
  maxTop: number
  maxBodySize: number
}
