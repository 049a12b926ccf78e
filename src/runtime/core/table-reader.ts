import { InvalidIdError, ValidationError } from './errors'
import { idProblem, SYSTEM_COLUMNS, type SystemColumns } from './protocol/system'
import { assertQuerySpec } from './query'
import type { TableDefinition } from './schema'
import type { QuerySpec, Row, StoreTx } from './store'
import { writableColumns } from './validate-row'

/** A table as an app reads it; rows marked `deleted: true` are treated as absent everywhere. */
export interface TableReader<T extends object> {
  get(id: string): Promise<(T & SystemColumns) | undefined>
  /** Rows matching `spec`, primary key order unless `orderBy` says otherwise. */
  list(spec?: QuerySpec<T & SystemColumns>): Promise<(T & SystemColumns)[]>
  count(spec?: QuerySpec<T & SystemColumns>): Promise<number>
}

function isLive(row: object): boolean {
  return (row as Row).deleted !== true
}

/** Throws `ValidationError` when a spec names a field the table does not have (a typo would match nothing). */
function assertSpecFields(table: string, definition: TableDefinition, spec: QuerySpec<object> | undefined): void {
  assertQuerySpec(table, spec)
  if (!spec) return
  const known = new Set<string>([...Object.keys(writableColumns(definition)), ...SYSTEM_COLUMNS])
  for (const field of [...Object.keys(spec.where ?? {}), ...(spec.orderBy === undefined ? [] : [spec.orderBy])]) {
    if (!known.has(field)) throw new ValidationError(table, field, 'unknown column in query')
  }
}

/** Adds "not deleted" to a spec. */
function liveSpec<T extends object>(spec: QuerySpec<T> = {}): QuerySpec<T> {
  const filter = spec.filter
  return { ...spec, filter: filter ? row => isLive(row) && filter(row) : isLive }
}

/** Read access to one user table inside a transaction (or a live query). */
export function tableReader<T extends object>(tx: StoreTx, table: string, definition: TableDefinition): TableReader<T> {
  type R = T & SystemColumns
  return {
    async get(id) {
      const problem = idProblem(id)
      if (problem) throw new InvalidIdError(table, id, problem)
      const row = await tx.get<R>(table, id)
      return row && isLive(row) ? row : undefined
    },
    async list(spec) {
      assertSpecFields(table, definition, spec as QuerySpec<object>)
      return tx.query<R>(table, liveSpec(spec))
    },
    async count(spec) {
      assertSpecFields(table, definition, spec as QuerySpec<object>)
      return tx.count<R>(table, liveSpec(spec))
    },
  }
}
