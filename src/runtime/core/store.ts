import type { TablesDefinition } from './schema'

/**
 * The storage contract of the sync engine. Dexie (`runtime/dexie`) is one implementation, the memory store
 * (`memory-store.ts`) another; both pass the same behaviour suite. No Dexie here.
 */

/** A row of a user table: keyed by its string `id`. */
export type Row = { id: string } & Record<string, unknown>

/** A primary key: a user row's `id`, or the auto-increment `seq` of `_operations`. */
export type Key = string | number

/** A value that equality in `QuerySpec.where` can test. */
export type WhereValue = string | number | boolean | null

export interface QuerySpec<T extends object = Row> {
  /**
   * Equality on fields (all must hold). `null` also matches a missing field. An implementation answers from an
   * index when one exists (a compound index `a+b` when both fields are given); booleans and `null` are not
   * IndexedDB keys, so those fields are always tested by scanning the candidates.
   */
  where?: Record<string, WhereValue>
  /** Field to sort by; ties (and no `orderBy`) fall back to primary key order. Missing/`null` values sort first. */
  orderBy?: string
  reverse?: boolean
  offset?: number
  limit?: number
  /** Extra predicate, applied after `where` and before `offset`/`limit`. */
  filter?: (row: T) => boolean
}

/**
 * What a transaction callback sees. Inside a Dexie transaction, await only these calls: awaiting anything else
 * (fetch, timers) lets IndexedDB commit the transaction early.
 * Records are copies (structured clone): changing one changes nothing stored until it is `put` back.
 */
export interface StoreTx {
  get<T extends object = Row>(table: string, key: Key): Promise<T | undefined>
  /** Inserts or replaces; resolves with the record's key (the new `seq` for `_operations`). */
  put(table: string, record: object): Promise<Key>
  bulkPut(table: string, records: object[]): Promise<void>
  delete(table: string, key: Key): Promise<void>
  bulkDelete(table: string, keys: Key[]): Promise<void>
  query<T extends object = Row>(table: string, spec?: QuerySpec<T>): Promise<T[]>
  /** Number of records `query(table, spec)` would return. */
  count<T extends object = Row>(table: string, spec?: QuerySpec<T>): Promise<number>
  clear(table: string): Promise<void>
}

export interface Subscribable<T> {
  /** Emits the first value soon after subscribing, then after every change to data it read. Returns the unsubscribe. */
  subscribe(next: (value: T) => void, error?: (e: unknown) => void): () => void
}

export type TransactionMode = 'readonly' | 'readwrite'

export interface LocalStore {
  /** The user tables this store holds (the system tables come on top). */
  readonly tables: TablesDefinition
  /**
   * Runs `fn` in one transaction over `tables`. In `readwrite` mode every write commits together when `fn`
   * resolves, and none does when it throws (the error is rethrown unchanged). Storage failures reject with
   * `StorageError`; a table that does not exist with `UnknownTableError`. Do not call `transaction` again inside
   * `fn`: use the `tx` it was given.
   */
  transaction<R>(mode: TransactionMode, tables: string[], fn: (tx: StoreTx) => Promise<R>): Promise<R>
  /** Live query: re-runs `query` (in a read-only transaction over all tables) when data it read changes. */
  observe<R>(query: (tx: StoreTx) => Promise<R>): Subscribable<R>
  close(): Promise<void>
}

/** The queue of local changes; key `seq` (auto-increment) is the queue order. Indexes `table`, `[table+itemId]`. */
export const OPERATIONS_TABLE = '_operations'
/** Conflicts waiting for a resolution; key `id`, index `table`. */
export const CONFLICTS_TABLE = '_conflicts'
/** Incremental-pull watermarks; key `id` = `${table}/${queryName}`, index `table`. */
export const WATERMARKS_TABLE = '_watermarks'
export const SYSTEM_TABLES = [OPERATIONS_TABLE, CONFLICTS_TABLE, WATERMARKS_TABLE] as const
