import type { ColumnType } from '../../core/schema'
import type { SystemColumnName } from '../../core/protocol/system'

/** What the query layer knows about a column. `id` behaves as a string. */
export interface ColumnInfo { type: ColumnType | 'id' }

export interface CompileContext {
  /** The table's user columns (system columns are added by the query layer). */
  columns: Record<string, ColumnType>
}

export const SYSTEM_COLUMN_TYPES: Readonly<Record<SystemColumnName, ColumnType>> = {
  id: 'string',
  createdAt: 'date',
  updatedAt: 'date',
  version: 'string',
  deleted: 'boolean',
}

/** The column `name` of the table (user or system), or `undefined` when the table has no such column. */
export function findColumn(ctx: CompileContext, name: string): ColumnInfo | undefined {
  if (Object.hasOwn(SYSTEM_COLUMN_TYPES, name)) return { type: SYSTEM_COLUMN_TYPES[name as SystemColumnName] }
  if (Object.hasOwn(ctx.columns, name)) return { type: ctx.columns[name]! }
  return undefined
}
