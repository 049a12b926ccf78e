import type { TablesDefinition } from './schema'
import { CONFLICTS_TABLE, OPERATIONS_TABLE, WATERMARKS_TABLE } from './store'

/** How one table of a LocalStore is keyed and indexed; both store implementations derive from it. */
export interface TableLayout {
  name: string
  /** Field holding the primary key. */
  primaryKey: string
  /** The store generates the key (`_operations.seq`). */
  autoIncrement: boolean
  /** Secondary indexes, each the list of its fields (two or more: a compound index). */
  indexes: string[][]
}

/** The layout of every table of a store: the user tables (key `id`, declared indexes) plus the system tables. */
export function storeLayout(tables: TablesDefinition): Map<string, TableLayout> {
  const layout = new Map<string, TableLayout>()
  for (const [name, table] of Object.entries(tables)) {
    const indexes = (table.indexes ?? []).map(index => index.split('+')).filter(fields => !(fields.length === 1 && fields[0] === 'id'))
    layout.set(name, { name, primaryKey: 'id', autoIncrement: false, indexes })
  }
  layout.set(OPERATIONS_TABLE, { name: OPERATIONS_TABLE, primaryKey: 'seq', autoIncrement: true, indexes: [['table'], ['table', 'itemId']] })
  layout.set(CONFLICTS_TABLE, { name: CONFLICTS_TABLE, primaryKey: 'id', autoIncrement: false, indexes: [['table']] })
  layout.set(WATERMARKS_TABLE, { name: WATERMARKS_TABLE, primaryKey: 'id', autoIncrement: false, indexes: [['table']] })
  return layout
}
