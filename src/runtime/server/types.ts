import type { H3Event } from 'h3'
import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely'
import type { ProtocolVersion } from '../core/protocol/system'
import type { TablesDefinition } from '../core/schema'

/** Rows as the database returns them: the server's tables are declared at run time. */
export type SqlRow = Record<string, unknown>
/** The Kysely database type of the server: any table, any column. */
export type SyncSchema = Record<string, SqlRow>
export type SyncKysely = Kysely<SyncSchema>

/** An item as it travels on the wire: system columns plus user columns, dates as `…sssZ` strings. */
export type SyncItem = Record<string, unknown>

/** What a request does to a table. */
export type SyncOperation = 'read' | 'insert' | 'update' | 'delete' | 'undelete'
export type SyncWriteOperation = Exclude<SyncOperation, 'read'>

/** The caller, as established by an `offline-sync:authenticate` hook. `id` is what `owner` columns store. */
export interface SyncUser {
  id: string
  [claim: string]: unknown
}

/**
 * Who may run an operation: `anonymous` (anyone), `authenticated` (a user is required, else 401),
 * `denied` (403). Tables with an `owner` column require a user whatever the access says.
 */
export type SyncAccess = 'anonymous' | 'authenticated' | 'denied'

/** A condition on the rows of a table, built with Kysely's expression builder (parameterised). */
export type SyncRowFilter = (eb: ExpressionBuilder<SyncSchema, string>) => Expression<SqlBool>

interface SyncHookContextBase {
  event: H3Event
  /** The table name from the URL (a declared table). */
  table: string
  protocol: ProtocolVersion
}

/** `offline-sync:authenticate`: set `user` from the request (a token header, a session…); throw a 401 for a bad credential. */
export interface SyncAuthenticateContext extends SyncHookContextBase {
  user: SyncUser | null
}

/** `offline-sync:authorize`: decide `access` for this operation, or throw an h3 error (401/403) yourself. */
export interface SyncAuthorizeContext extends SyncHookContextBase {
  operation: SyncOperation
  user: SyncUser | null
  access: SyncAccess
}

/**
 * `offline-sync:filter`: push conditions that confine what the caller sees. They apply to every read of the
 * table and to the row an update, delete or undelete targets; rows outside them answer 404.
 */
export interface SyncFilterContext extends SyncHookContextBase {
  operation: SyncOperation
  user: SyncUser | null
  filters: SyncRowFilter[]
}

/**
 * `offline-sync:before-write`: transform `item` in place, or throw an h3 error (400/403 with a message) to
 * refuse the write. For an insert `item` is the new row (with its `id`); for an update it holds the columns
 * being written (all user columns for a PUT); for delete and undelete it is the current item (read only).
 * `existing` is the current server item (`null` for an insert). Runs outside the write transaction (in a batch
 * push, inside the batch's one transaction: do not write to the synced tables through another connection there).
 */
export interface SyncBeforeWriteContext extends SyncHookContextBase {
  operation: SyncWriteOperation
  user: SyncUser | null
  id: string
  item: SyncItem
  existing: SyncItem | null
}

/**
 * `offline-sync:conflict`: the request's version does not match the server's. Leave `resolution` unset to
 * answer 412 (409 for a v2 body version) with the server's item; set it to `'client'` to apply the request
 * anyway (client wins), or to an item whose user columns are stored instead (the operation then succeeds
 * with that item; a delete keeps the row). In a batch push it runs inside the batch's transaction, like before-write.
 */
export interface SyncConflictContext extends SyncHookContextBase {
  operation: Exclude<SyncWriteOperation, 'insert'>
  user: SyncUser | null
  id: string
  /** The current server item. */
  server: SyncItem
  /** The columns the request wanted to write (update), or `null` (delete, undelete). */
  client: SyncItem | null
  resolution?: 'client' | SyncItem
}

type HookResult = void | Promise<void>

/** The runtime hooks of the table server, registered on `nitroApp.hooks` from a Nitro plugin. */
export interface OfflineSyncHooks {
  'offline-sync:authenticate': (ctx: SyncAuthenticateContext) => HookResult
  'offline-sync:authorize': (ctx: SyncAuthorizeContext) => HookResult
  'offline-sync:filter': (ctx: SyncFilterContext) => HookResult
  'offline-sync:before-write': (ctx: SyncBeforeWriteContext) => HookResult
  'offline-sync:conflict': (ctx: SyncConflictContext) => HookResult
}

/** Anything that can call the hooks: `nitroApp.hooks`, or a `createHooks()` of hookable in tests. */
export interface SyncHookCaller {
  callHook: <N extends keyof OfflineSyncHooks>(name: N, ...args: Parameters<OfflineSyncHooks[N]>) => unknown
}

export interface TableServiceOptions {
  tables: TablesDefinition
  /** The database, or a function that opens it on first use (called once per request until it succeeds). */
  db: SyncKysely | (() => Promise<SyncKysely>)
  /**
   * Rows of a v2 page without `$top` (a v2 `$top` up to `maxTop` is honoured). v3 pages hold at most twice as many
   * whatever `$top` asks (`nextLink` continues up to `$top`). @default 50
   */
  pageSize?: number
  /** Largest `$top`; more is a 400. @default 1000 */
  maxTop?: number
  /** Largest request body in bytes; more is a 413. @default 1048576 */
  maxBodySize?: number
  /**
   * Largest number of operations of a batch push (`POST <path>/$batch`); more is a 400. Announced on every
   * response as `X-Offline-Sync-Batch`. 0: no batch endpoint and no announcement. @default 500
   */
  maxBatchSize?: number
  /** Largest batch request body in bytes; more is a 413 (each item is still held to `maxBodySize`). @default 8388608 */
  maxBatchBodySize?: number
  hooks?: SyncHookCaller
  /** `Access-Control-Allow-Origin` of table responses. @default '*' */
  corsOrigin?: string
  /** Where unexpected errors are logged (their details never reach the client). @default console.error */
  logError?: (error: unknown, context: string) => void
}
