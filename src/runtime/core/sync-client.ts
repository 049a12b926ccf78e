import { UnknownTableError } from './errors'
import type { QueuedOperation } from './operation'
import { randomId } from './random-id'
import type { TablesDefinition } from './schema'
import { OPERATIONS_TABLE, type LocalStore, type Subscribable } from './store'
import { createSyncTable, type SyncTable } from './sync-table'

export interface SyncClientOptions {
  store: LocalStore
  /** The user tables; a subset of `store.tables`. @default store.tables */
  tables?: TablesDefinition
  /** Id for inserts that bring none. @default crypto.randomUUID() */
  generateId?: () => string
  /** Clock for operation timestamps (epoch ms). @default Date.now */
  now?: () => number
}

/** How many operations `observeQueue` shows by default. */
export const QUEUE_HEAD_SIZE = 100

/** What `observeQueue` emits. */
export interface QueueSnapshot {
  /** Number of queued operations, whatever their state. */
  count: number
  /** The first operations, in queue order. */
  head: QueuedOperation[]
}

/** The framework-free entry point: sync tables over one local store and their shared operation queue. */
export interface SyncClient {
  readonly store: LocalStore
  readonly tables: TablesDefinition
  /** The table `name`; `UnknownTableError` when it is not declared. */
  table<T extends object = Record<string, unknown>>(name: string): SyncTable<T>
  /** Every queued operation, in queue order (or a page of them: `offset`, `limit`). */
  operations(page?: { offset?: number, limit?: number }): Promise<QueuedOperation[]>
  /**
   * Live view of the queue: its length and its first `limit` operations (default `QUEUE_HEAD_SIZE`). A change
   * costs one count and at most `limit` rows, however long the queue is; the whole queue is `operations()`.
   */
  observeQueue(options?: { limit?: number }): Subscribable<QueueSnapshot>
  /** Number of queued operations (of one table when given), whatever their state. */
  pendingCount(table?: string): Promise<number>
}

export function createSyncClient(options: SyncClientOptions): SyncClient {
  const { store } = options
  const tables = options.tables ?? store.tables
  for (const name of Object.keys(tables)) if (!store.tables[name]) throw new UnknownTableError(name)
  const generateId = options.generateId ?? randomId
  const now = options.now ?? Date.now
  const cache = new Map<string, SyncTable<object>>()

  function assertTable(name: string): void {
    if (!Object.hasOwn(tables, name)) throw new UnknownTableError(name)
  }

  return {
    store,
    tables,
    table<T extends object = Record<string, unknown>>(name: string): SyncTable<T> {
      assertTable(name)
      let table = cache.get(name)
      if (!table) {
        table = createSyncTable<object>({ store, name, definition: tables[name]!, generateId, now })
        cache.set(name, table)
      }
      return table as unknown as SyncTable<T>
    },
    operations: page => store.transaction('readonly', [OPERATIONS_TABLE], tx => tx.query<QueuedOperation>(OPERATIONS_TABLE, { offset: page?.offset, limit: page?.limit })),
    observeQueue: ({ limit = QUEUE_HEAD_SIZE } = {}) => store.observe(async tx => ({
      count: await tx.count(OPERATIONS_TABLE),
      head: await tx.query<QueuedOperation>(OPERATIONS_TABLE, { limit }),
    })),
    async pendingCount(table) {
      if (table !== undefined) assertTable(table)
      return store.transaction('readonly', [OPERATIONS_TABLE], tx => tx.count(OPERATIONS_TABLE, table === undefined ? undefined : { where: { table } }))
    },
  }
}
