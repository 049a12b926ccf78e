import { toValue, type MaybeRefOrGetter, type ShallowRef } from 'vue'
import { useNuxtApp } from '#imports'
import type { QuerySpec } from '../core/store'
import type { SyncClient } from '../core/sync-client'
import type { PullResult, PurgeOptions } from '../core/sync/contract'
import type { SyncRow, SyncTableName, SystemColumns } from '../types'
import { useSubscribable, type LiveOptions } from './useSubscribable'

/** A table of the local store, for components. Reads come from the local store, online or not. */
export interface UseSyncTable<T extends object> {
  readonly name: string
  /** Stores a new row and queues its insert in one transaction; the id is generated unless given. */
  insert(item: Partial<T> & { id?: string }): Promise<T & SystemColumns>
  /** Merges the given columns onto the stored row and queues the update. Rows read back may be passed whole. */
  update(item: Partial<T> & { id: string }): Promise<T & SystemColumns>
  /** Deletes the row and queues the delete. */
  remove(id: string): Promise<void>
  get(id: string): Promise<(T & SystemColumns) | undefined>
  list(spec?: QuerySpec<T & SystemColumns>): Promise<(T & SystemColumns)[]>
  count(spec?: QuerySpec<T & SystemColumns>): Promise<number>
  /**
   * Live `list(spec)`: a `shallowRef` that is `undefined` until the first result (always on the server), then
   * follows every change of the rows. `spec` may be a ref or a getter: the query follows it. Unsubscribes when
   * the calling component or effect scope is disposed.
   */
  live(spec?: MaybeRefOrGetter<QuerySpec<T & SystemColumns> | undefined>, options?: LiveOptions): Readonly<ShallowRef<(T & SystemColumns)[] | undefined>>
  /**
   * Brings the server's rows into the local store (pushing this table's queued changes first). With a
   * `queryName` it is incremental: only rows changed since that query's last pull; a named query of the
   * `queries` option brings its filter when `filter` is omitted. Without one, every row is fetched.
   * Rejects at once with `OfflineError` while offline.
   */
  pull(queryName?: string, filter?: string): Promise<PullResult>
  /**
   * Removes the local rows (all, or those `options.filter` accepts) and resets the table's watermarks.
   * `PendingOperationsError` while the table has queued changes, unless `force` (which drops them too).
   */
  purge(options?: PurgeOptions): Promise<void>
}

/** What a table needs of the sync context (`nuxtApp.$offlineSyncContext`). */
interface TableSync {
  pull(table: string, queryName?: string, filter?: string): Promise<PullResult>
  purge(table: string, options?: PurgeOptions): Promise<void>
}

/**
 * A declared sync table, typed from the `offlineSync.tables` option: `useSyncTable('todos')`.
 * An undeclared name is a type error, and `UnknownTableError` at run time.
 */
export function useSyncTable<N extends SyncTableName>(name: N): UseSyncTable<SyncRow<N>>
/** A declared sync table with a row type of your own: `useSyncTable<Todo>('todos')`. */
export function useSyncTable<T extends object>(name: SyncTableName): UseSyncTable<T>
export function useSyncTable(name: string): UseSyncTable<object> {
  const nuxtApp = useNuxtApp()
  const table = (nuxtApp.$offlineSync as SyncClient).table<object>(name)
  const context = nuxtApp.$offlineSyncContext as TableSync
  return {
    name: table.name,
    insert: item => table.insert(item),
    update: item => table.update(item),
    remove: id => table.remove(id),
    get: id => table.get(id),
    list: spec => table.list(spec),
    count: spec => table.count(spec),
    live: (spec, options) => useSubscribable(nuxtApp, () => toValue(spec), value => table.observeList(value), options),
    pull: (queryName, filter) => context.pull(table.name, queryName, filter),
    purge: options => context.purge(table.name, options),
  }
}
