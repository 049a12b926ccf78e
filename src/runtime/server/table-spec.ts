import type { ColumnType, TableDefinition, TablesDefinition } from '../core/schema'

/** A declared table as the server uses it. */
export interface TableSpec {
  name: string
  /** User columns, the `owner` column included (as a string). */
  columns: Record<string, ColumnType>
  softDelete: boolean
  owner?: string
  /** Declared indexes, each a list of columns. */
  indexes: string[][]
}

export function toTableSpec(name: string, table: TableDefinition): TableSpec {
  const columns: Record<string, ColumnType> = { ...table.columns }
  if (table.owner) columns[table.owner] = 'string'
  return {
    name,
    columns,
    softDelete: table.softDelete !== false,
    owner: table.owner || undefined,
    indexes: (table.indexes ?? []).map(index => index.split('+')),
  }
}

/** The declared tables by name (own properties only, so `/tables/constructor` is just unknown). */
export function toTableSpecs(tables: TablesDefinition): Map<string, TableSpec> {
  return new Map(Object.entries(tables ?? {}).map(([name, table]) => [name, toTableSpec(name, table)]))
}
