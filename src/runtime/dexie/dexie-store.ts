import Dexie, { liveQuery } from 'dexie'
import { StorageError, UnknownTableError } from '../core/errors'
import type { TablesDefinition } from '../core/schema'
import type { LocalStore, StoreTx, Subscribable } from '../core/store'
import { storeLayout } from '../core/store-layout'
import { assertTables } from '../core/validate'
import { indexedDBUnavailable, mapStorageErrors, toStorageError } from './dexie-errors'
import { openDexie, type DexieDependencies } from './dexie-open'
import { dexieStores } from './dexie-schema'
import { dexieStoreTx } from './dexie-tx'

export interface DexieStoreOptions extends DexieDependencies {
  /** IndexedDB database name (module option `databaseName`). */
  name: string
  /** The user tables (module option `tables`). */
  tables: TablesDefinition
}

/** The Dexie `LocalStore`; `open()` resolves once the database is open (and upgraded), or rejects with `StorageError`. */
export interface DexieStore extends LocalStore {
  open(): Promise<Dexie>
}

/**
 * `LocalStore` on one Dexie (IndexedDB) database: per user table the key `id` plus the declared indexes
 * (`a+b` becomes the compound index `[a+b]`), and the system tables `_operations` (`++seq, table,
 * [table+itemId]`), `_conflicts` and `_watermarks` (`id, table`). Opening starts at once; every call waits for it.
 * A schema change in the options (new table, new index) opens the database with the next version, keeping rows
 * and queued operations; while another connection blocks that upgrade, calls fail with `StorageError` (reason
 * `UpgradeBlocked`). Where IndexedDB is unavailable (reading `options.indexedDB` or opening throws, e.g. a
 * `SecurityError`), the store is still created and every call fails with a `StorageError` of that reason.
 * Live queries use Dexie's `liveQuery`.
 */
export function createDexieStore(options: DexieStoreOptions): DexieStore {
  assertTables(options.tables)
  const layouts = storeLayout(options.tables)
  const allTables = [...layouts.keys()]
  let deps: DexieDependencies = {}
  let unavailable: StorageError | undefined
  try {
    // the options may be getters of the globals, and reading `indexedDB` can throw (SecurityError): the store is
    // still created, and every call fails with that error
    deps = { indexedDB: options.indexedDB, IDBKeyRange: options.IDBKeyRange }
  }
  catch (error) {
    unavailable = indexedDBUnavailable(error)
  }
  if (!deps.indexedDB) delete deps.indexedDB
  if (!deps.IDBKeyRange) delete deps.IDBKeyRange
  // liveQuery checks Dexie's global dependencies and stays silent without them (Node): lend it ours.
  if (!Dexie.dependencies.indexedDB && deps.indexedDB && deps.IDBKeyRange) {
    Dexie.dependencies.indexedDB = deps.indexedDB
    Dexie.dependencies.IDBKeyRange = deps.IDBKeyRange
  }
  let closed = false
  // An upgrade blocked by a connection that ignores versionchange (a frozen tab, an older app) would leave every
  // call waiting silently: they fail with this error instead, until the upgrade goes through.
  const blockedError = new StorageError('UpgradeBlocked', `database "${options.name}" needs an upgrade, but another tab or window keeps an older version of it open; close or reload the other tabs of this app`)
  let reportBlocked!: () => void
  const blocked = new Promise<never>((_, reject) => (reportBlocked = () => reject(blockedError)))
  blocked.catch(() => undefined)
  let opened: Dexie | undefined
  async function openDatabase(): Promise<Dexie> {
    if (unavailable) throw unavailable
    try {
      return await openDexie(options.name, dexieStores(layouts.values()), deps, reportBlocked)
    }
    catch (error) {
      throw error instanceof Error && error.name === 'SecurityError' ? indexedDBUnavailable(error) : toStorageError(error)
    }
  }
  const opening = openDatabase().then(db => (opened = db))
  opening.catch(() => undefined) // reported by the calls that use the store

  async function open(): Promise<Dexie> {
    if (closed) throw new StorageError('DatabaseClosedError', 'the store is closed')
    // race only while opening: `blocked` never settles otherwise, and each race would stay attached to it
    return opened ?? Promise.race([opening, blocked])
  }

  return {
    tables: options.tables,
    open,

    async transaction(mode, tables, fn) {
      for (const table of tables) if (!layouts.has(table)) throw new UnknownTableError(table)
      const db = await open()
      return mapStorageErrors(() => db.transaction(mode === 'readonly' ? 'r' : 'rw', tables, async tx => fn(dexieStoreTx(tx, layouts))))
    },

    observe<R>(query: (tx: StoreTx) => Promise<R>): Subscribable<R> {
      return {
        subscribe(next, error) {
          let unsubscribe: (() => void) | undefined
          let active = true
          const start = (db: Dexie) => {
            if (!active) return
            const observable = liveQuery(async () => db.transaction('r', allTables, async tx => query(dexieStoreTx(tx, layouts))))
            const subscription = observable.subscribe({ next, error: e => error?.(toStorageError(e)) })
            unsubscribe = () => subscription.unsubscribe()
          }
          const report = (e: unknown) => {
            if (active) error?.(toStorageError(e))
          }
          open().then(start, (e: unknown) => {
            report(e)
            // a blocked upgrade: follow the data once it goes through
            if (e === blockedError) opening.then(start, report)
          })
          return () => {
            active = false
            unsubscribe?.()
          }
        },
      }
    },

    async close() {
      if (closed) return
      closed = true
      const db = await opening.catch(() => undefined)
      db?.close()
    },
  }
}
