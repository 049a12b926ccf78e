import { collapse } from './collapse'
import { DuplicateIdError, InvalidIdError, ItemNotFoundError } from './errors'
import { idProblem, type SystemColumns } from './protocol/system'
import { enqueue, latestOperation, refreshConflicts } from './queue'
import type { TableDefinition } from './schema'
import { CONFLICTS_TABLE, OPERATIONS_TABLE, type LocalStore, type QuerySpec, type Row, type StoreTx, type Subscribable } from './store'
import { tableReader, type TableReader } from './table-reader'
import { validateRow } from './validate-row'

/**
 * One user table: local reads, and writes that queue an operation in the same transaction.
 * Works offline; the push sends the queue later.
 */
export interface SyncTable<T extends object = Record<string, unknown>> extends TableReader<T> {
  readonly name: string
  /** Stores a new row (id from `generateId` unless given). `DuplicateIdError` when the id exists. */
  insert(item: Partial<T> & { id?: string }): Promise<T & SystemColumns>
  /** Merges the given columns onto the stored row. `ItemNotFoundError` when there is none. */
  update(item: Partial<T> & { id: string }): Promise<T & SystemColumns>
  /** Deletes the row locally and queues the delete. `ItemNotFoundError` when there is none. */
  remove(id: string): Promise<void>
  /** Live query over this table: re-runs when the rows it read change. */
  observe<R>(query: (table: TableReader<T>) => Promise<R>): Subscribable<R>
  /** Live `list(spec)`. */
  observeList(spec?: QuerySpec<T & SystemColumns>): Subscribable<(T & SystemColumns)[]>
}

export interface SyncTableContext {
  store: LocalStore
  name: string
  definition: TableDefinition
  generateId: () => string
  now: () => number
}

/** The live row, or the reason there is none: a queued delete (`QueueStateError`) or nothing (`ItemNotFoundError`). */
async function requireRow(tx: StoreTx, table: string, id: string, kind: 'update' | 'delete'): Promise<Row> {
  const row = await tx.get(table, id)
  if (row && row.deleted !== true) return row
  collapse(await latestOperation(tx, table, id), { kind })
  throw new ItemNotFoundError(table, id)
}

function versionOf(row: Row): string | undefined {
  return typeof row.version === 'string' ? row.version : undefined
}

export function createSyncTable<T extends object>(context: SyncTableContext): SyncTable<T> {
  const { store, name, definition } = context
  type R = T & SystemColumns
  // `_conflicts`: a change to an item waiting for a conflict resolution updates the conflict record with it
  const write = <X>(fn: (tx: StoreTx) => Promise<X>) => store.transaction('readwrite', [name, OPERATIONS_TABLE, CONFLICTS_TABLE], fn)
  const read = <X>(fn: (reader: TableReader<T>) => Promise<X>) =>
    store.transaction('readonly', [name], tx => fn(tableReader<T>(tx, name, definition)))

  const table: SyncTable<T> = {
    name,
    get: id => read(r => r.get(id)),
    list: spec => read(r => r.list(spec)),
    count: spec => read(r => r.count(spec)),

    async insert(item) {
      const { id: given, values } = validateRow(name, definition, item, 'insert')
      const id = given ?? context.generateId()
      const problem = idProblem(id)
      if (problem) throw new InvalidIdError(name, id, `generateId() returned a bad id: ${problem}`)
      const row: Row = { ...values, id }
      return write(async (tx) => {
        const existing = await tx.get(name, id)
        if (existing) throw new DuplicateIdError(name, id)
        await enqueue(tx, name, id, { kind: 'insert' }, context.now())
        await tx.put(name, row)
        return row as R
      })
    },

    async update(item) {
      const { id, values } = validateRow(name, definition, item, 'update')
      return write(async (tx) => {
        const stored = await requireRow(tx, name, id!, 'update')
        const row: Row = { ...stored, ...values, id: id! }
        await enqueue(tx, name, id!, { kind: 'update', version: versionOf(stored) }, context.now())
        await tx.put(name, row)
        await refreshConflicts(tx, name, id!, row)
        return row as R
      })
    },

    async remove(id) {
      const problem = idProblem(id)
      if (problem) throw new InvalidIdError(name, id, problem)
      await write(async (tx) => {
        const stored = await requireRow(tx, name, id, 'delete')
        await enqueue(tx, name, id, { kind: 'delete', version: versionOf(stored), item: stored }, context.now())
        await tx.delete(name, id)
        await refreshConflicts(tx, name, id, stored)
      })
    },

    observe: query => store.observe(tx => query(tableReader<T>(tx, name, definition))),
    observeList: spec => store.observe(tx => tableReader<T>(tx, name, definition).list(spec)),
  }
  return table
}
