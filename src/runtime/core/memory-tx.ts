import { StorageError, UnknownTableError } from './errors'
import { applyQuery, assertQuerySpec } from './query'
import type { Key, QuerySpec, Row, StoreTx, TransactionMode } from './store'
import type { TableLayout } from './store-layout'

/** The committed contents of a memory store. Never mutated: a commit builds a new one (copy on write). */
export interface MemoryData {
  tables: ReadonlyMap<string, ReadonlyMap<Key, object>>
  /** Last key generated per auto-increment table. */
  counters: ReadonlyMap<string, number>
}

function clone<T>(value: T): T {
  try {
    return structuredClone(value)
  }
  catch (error) {
    throw new StorageError('DataCloneError', 'the record cannot be stored (functions, symbols and class instances with private state cannot be cloned)', { cause: error })
  }
}

function isKey(value: unknown): value is Key {
  return typeof value === 'string' || (typeof value === 'number' && !Number.isNaN(value))
}

/**
 * A transaction of the memory store: reads see the snapshot it started from plus its own writes; writes go to
 * private copies of the touched tables, which `commit()` hands back. Records are cloned in and out, as
 * IndexedDB does.
 */
export class MemoryTx implements StoreTx {
  /** Tables this transaction read from (for live queries). */
  readonly read = new Set<string>()
  private readonly copies = new Map<string, Map<Key, object>>()
  private readonly counters: Map<string, number>
  private active = true

  constructor(
    private readonly base: MemoryData,
    private readonly layouts: ReadonlyMap<string, TableLayout>,
    private readonly scope: ReadonlySet<string>,
    private readonly mode: TransactionMode,
  ) {
    this.counters = new Map(base.counters)
  }

  private access(table: string, write: boolean): { layout: TableLayout, rows: ReadonlyMap<Key, object> } {
    if (!this.active) throw new StorageError('TransactionInactiveError', 'the transaction has already finished')
    const layout = this.layouts.get(table)
    if (!layout) throw new UnknownTableError(table)
    if (!this.scope.has(table)) throw new StorageError('NotFoundError', `table "${table}" is not part of this transaction`)
    if (!write) {
      this.read.add(table)
      return { layout, rows: this.copies.get(table) ?? this.base.tables.get(table)! }
    }
    if (this.mode !== 'readwrite') throw new StorageError('ReadOnlyError', `cannot write "${table}" in a readonly transaction`)
    let rows = this.copies.get(table)
    if (!rows) {
      rows = new Map(this.base.tables.get(table)!)
      this.copies.set(table, rows)
    }
    return { layout, rows }
  }

  private writable(table: string): { layout: TableLayout, rows: Map<Key, object> } {
    return this.access(table, true) as { layout: TableLayout, rows: Map<Key, object> }
  }

  async get<T extends object = Row>(table: string, key: Key): Promise<T | undefined> {
    const record = this.access(table, false).rows.get(key)
    return record === undefined ? undefined : clone(record as T)
  }

  async put(table: string, record: object): Promise<Key> {
    const { layout, rows } = this.writable(table)
    const copy = clone(record) as Record<string, unknown>
    let key = copy[layout.primaryKey]
    if (key === undefined && layout.autoIncrement) {
      key = (this.counters.get(table) ?? 0) + 1
      copy[layout.primaryKey] = key
    }
    if (!isKey(key)) throw new StorageError('DataError', `"${table}" records need a string or number "${layout.primaryKey}"`)
    if (layout.autoIncrement && typeof key === 'number') this.counters.set(table, Math.max(this.counters.get(table) ?? 0, Math.floor(key)))
    rows.set(key, copy)
    return key
  }

  async bulkPut(table: string, records: object[]): Promise<void> {
    for (const record of records) await this.put(table, record)
  }

  async delete(table: string, key: Key): Promise<void> {
    this.writable(table).rows.delete(key)
  }

  async bulkDelete(table: string, keys: Key[]): Promise<void> {
    const { rows } = this.writable(table)
    for (const key of keys) rows.delete(key)
  }

  async query<T extends object = Row>(table: string, spec?: QuerySpec<T>): Promise<T[]> {
    assertQuerySpec(table, spec as QuerySpec<object>)
    const { layout, rows } = this.access(table, false)
    return applyQuery([...rows.values()].map(row => clone(row) as T), layout.primaryKey, spec)
  }

  async count<T extends object = Row>(table: string, spec?: QuerySpec<T>): Promise<number> {
    if (!spec) return this.access(table, false).rows.size
    return (await this.query(table, spec)).length
  }

  async clear(table: string): Promise<void> {
    this.writable(table).rows.clear()
  }

  /** Ends the transaction; returns the new contents and the tables written, or nothing when nothing was. */
  finish(): { data: MemoryData, written: Set<string> } | undefined {
    this.active = false
    if (this.copies.size === 0) return undefined
    const tables = new Map(this.base.tables)
    for (const [name, rows] of this.copies) tables.set(name, rows)
    return { data: { tables, counters: this.counters }, written: new Set(this.copies.keys()) }
  }

  /** Ends the transaction and drops its writes. */
  abort(): void {
    this.active = false
  }
}
