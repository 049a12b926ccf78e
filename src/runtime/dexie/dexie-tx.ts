import type { IndexableType, Table, Transaction } from 'dexie'
import { UnknownTableError } from '../core/errors'
import { assertQuerySpec } from '../core/query'
import type { Key, QuerySpec, Row, StoreTx } from '../core/store'
import type { TableLayout } from '../core/store-layout'
import { mapStorageErrors } from './dexie-errors'
import { dexieCount, dexieQuery } from './dexie-query'

/** The `StoreTx` of one Dexie transaction: every call goes through that transaction, failures become `StorageError`. */
export function dexieStoreTx(tx: Transaction, layouts: ReadonlyMap<string, TableLayout>): StoreTx {
  function table(name: string): { table: Table<object, IndexableType>, layout: TableLayout } {
    const layout = layouts.get(name)
    if (!layout) throw new UnknownTableError(name)
    return { table: tx.table(name), layout }
  }
  return {
    get<T extends object = Row>(name: string, key: Key) {
      return mapStorageErrors(async () => await table(name).table.get(key) as T | undefined)
    },
    put(name, record) {
      return mapStorageErrors(async () => await table(name).table.put(record) as Key)
    },
    bulkPut(name, records) {
      return mapStorageErrors(async () => {
        await table(name).table.bulkPut(records)
      })
    },
    delete(name, key) {
      return mapStorageErrors(() => table(name).table.delete(key))
    },
    bulkDelete(name, keys) {
      return mapStorageErrors(() => table(name).table.bulkDelete(keys))
    },
    query<T extends object = Row>(name: string, spec?: QuerySpec<T>) {
      return mapStorageErrors(async () => {
        assertQuerySpec(name, spec as QuerySpec<object> | undefined)
        const { table: t, layout } = table(name)
        return await dexieQuery(t, layout, spec as QuerySpec<object> | undefined) as T[]
      })
    },
    count<T extends object = Row>(name: string, spec?: QuerySpec<T>) {
      return mapStorageErrors(async () => {
        assertQuerySpec(name, spec as QuerySpec<object> | undefined)
        const { table: t, layout } = table(name)
        return dexieCount(t, layout, spec as QuerySpec<object> | undefined)
      })
    },
    clear(name) {
      return mapStorageErrors(() => table(name).table.clear())
    },
  }
}
