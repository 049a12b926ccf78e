import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { createMemoryStore } from '../../../src/runtime/core/memory-store'
import type { TablesDefinition } from '../../../src/runtime/core/schema'
import type { LocalStore, Subscribable } from '../../../src/runtime/core/store'
import { createDexieStore } from '../../../src/runtime/dexie/dexie-store'

/** Both LocalStore implementations; every shared suite runs against each, so they cannot drift apart. */
export const storeFactories: Array<{ kind: string, create: (tables: TablesDefinition) => LocalStore }> = [
  { kind: 'memory', create: tables => createMemoryStore({ tables }) },
  {
    kind: 'dexie',
    // a fresh IndexedDB per store: tests do not share data
    create: tables => createDexieStore({ name: 'test', tables, indexedDB: new IDBFactory(), IDBKeyRange }),
  },
]

/** Records what a live query emits; `until` resolves with the first value (latest or future) that satisfies `test`. */
export function watch<T>(source: Subscribable<T>) {
  const values: T[] = []
  const errors: unknown[] = []
  const waiters = new Set<{ test: (value: T) => boolean, resolve: (value: T) => void }>()
  const stop = source.subscribe((value) => {
    values.push(value)
    for (const waiter of [...waiters]) {
      if (waiter.test(value)) {
        waiters.delete(waiter)
        waiter.resolve(value)
      }
    }
  }, error => errors.push(error))
  return {
    values,
    errors,
    stop,
    until(test: (value: T) => boolean): Promise<T> {
      const latest = values.at(-1)
      if (values.length && test(latest as T)) return Promise.resolve(latest as T)
      return new Promise(resolve => waiters.add({ test, resolve }))
    },
  }
}
