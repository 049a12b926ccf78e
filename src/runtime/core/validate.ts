import { COLUMN_TYPES, IDENTIFIER, type TablesDefinition } from './schema'
import { SYSTEM_COLUMNS } from './protocol/system'

/** Names the system tables of the local store use; a user table may not take them. */
const RESERVED_TABLES = new Set(['_operations', '_conflicts', '_watermarks', '_meta'])

/**
 * Checks the table declarations of the module options and throws one error listing every problem.
 * Runs at build time (module setup) and when a store is created.
 */
export function assertTables(tables: TablesDefinition): void {
  const problems: string[] = []
  for (const [name, table] of Object.entries(tables ?? {})) {
    if (!IDENTIFIER.test(name) || RESERVED_TABLES.has(name)) problems.push(`table name "${name}" is not allowed`)
    if (!table || typeof table !== 'object' || !table.columns || typeof table.columns !== 'object') {
      problems.push(`table "${name}" needs a "columns" object`)
      continue
    }
    for (const [column, type] of Object.entries(table.columns)) {
      if (!IDENTIFIER.test(column)) problems.push(`${name}.${column}: column name is not allowed`)
      if ((SYSTEM_COLUMNS as readonly string[]).includes(column)) problems.push(`${name}.${column}: is a system column`)
      if (!COLUMN_TYPES.includes(type)) problems.push(`${name}.${column}: unknown type "${String(type)}" (use ${COLUMN_TYPES.join(', ')})`)
    }
    const known = new Set([...Object.keys(table.columns), ...SYSTEM_COLUMNS])
    for (const index of table.indexes ?? []) {
      for (const part of index.split('+')) {
        if (!known.has(part)) problems.push(`${name}: index "${index}" names unknown column "${part}"`)
      }
    }
    if (table.owner !== undefined && (!IDENTIFIER.test(table.owner) || (SYSTEM_COLUMNS as readonly string[]).includes(table.owner))) {
      problems.push(`${name}: owner column "${table.owner}" is not allowed`)
    }
    if (table.owner && table.columns[table.owner] && table.columns[table.owner] !== 'string') {
      problems.push(`${name}: owner column "${table.owner}" must be a string column`)
    }
  }
  if (problems.length) throw new Error(`[nuxt-offline-sync] invalid tables option:\n- ${problems.join('\n- ')}`)
}
