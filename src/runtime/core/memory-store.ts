import { StorageError, UnknownTableError } from './errors'
import { MemoryTx, type MemoryData } from './memory-tx'
import type { TablesDefinition } from './schema'
import type { LocalStore, StoreTx, Subscribable, TransactionMode } from './store'
import { storeLayout } from './store-layout'
import { assertTables } from './validate'

export interface MemoryStoreOptions {
  /** The user tables (module option `tables`). */
  tables: TablesDefinition
}

/**
 * A `LocalStore` in memory, for SSR and tests: same tables, keys and transaction semantics as the Dexie store
 * (writes buffered and applied when the callback resolves, dropped when it throws; write transactions run one at
 * a time) and live queries that re-run after any commit that wrote a table they read. Nothing persists.
 */
export function createMemoryStore(options: MemoryStoreOptions): LocalStore {
  assertTables(options.tables)
  const layouts = storeLayout(options.tables)
  const allTables = new Set(layouts.keys())
  let data: MemoryData = {
    tables: new Map([...layouts.keys()].map(name => [name, new Map()])),
    counters: new Map(),
  }
  let writeLock: Promise<unknown> = Promise.resolve()
  let closed = false
  const listeners = new Set<(written: ReadonlySet<string>) => void>()

  function checkOpen(): void {
    if (closed) throw new StorageError('DatabaseClosedError', 'the store is closed')
  }

  async function run<R>(mode: TransactionMode, scope: ReadonlySet<string>, fn: (tx: StoreTx) => Promise<R>): Promise<R> {
    checkOpen()
    const tx = new MemoryTx(data, layouts, scope, mode)
    let result: R
    try {
      result = await fn(tx)
    }
    catch (error) {
      tx.abort()
      throw error
    }
    const commit = tx.finish()
    if (commit) {
      checkOpen()
      data = commit.data
      for (const listener of [...listeners]) listener(commit.written)
    }
    return result
  }

  const store: LocalStore = {
    tables: options.tables,

    async transaction(mode, tables, fn) {
      for (const table of tables) if (!layouts.has(table)) throw new UnknownTableError(table)
      const scope = new Set(tables)
      if (mode === 'readonly') return run(mode, scope, fn)
      const result = writeLock.then(() => run(mode, scope, fn))
      writeLock = result.catch(() => undefined)
      return result
    },

    observe<R>(query: (tx: StoreTx) => Promise<R>): Subscribable<R> {
      return {
        subscribe(next, error) {
          let active = true
          let running = false
          let dirty = false
          let read: ReadonlySet<string> = new Set()
          async function evaluate(): Promise<void> {
            if (running) {
              dirty = true
              return
            }
            running = true
            do {
              dirty = false
              const tx = new MemoryTx(data, layouts, allTables, 'readonly')
              try {
                const value = await query(tx)
                if (active && !dirty) next(value)
              }
              catch (e) {
                if (active && !dirty) error?.(e)
              }
              finally {
                tx.abort()
                read = tx.read
              }
            } while (dirty && active)
            running = false
          }
          // A commit during a run may have changed what that run read from its snapshot: run again.
          const listener = (written: ReadonlySet<string>) => {
            if (running || [...written].some(table => read.has(table))) void evaluate()
          }
          listeners.add(listener)
          queueMicrotask(() => {
            if (active) void evaluate()
          })
          return () => {
            active = false
            listeners.delete(listener)
          }
        },
      }
    },

    async close() {
      closed = true
      listeners.clear()
    },
  }
  return store
}
