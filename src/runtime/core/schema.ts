/**
 * Table declarations shared by the client (IndexedDB schema, validation) and the server
 * (SQL schema, OData type checks). Plain data: they travel through runtime config.
 */

/** The type of a user column. `date` values travel and are stored as ISO 8601 strings (`…sssZ`). */
export type ColumnType = 'string' | 'number' | 'boolean' | 'date' | 'json'

export interface TableDefinition {
  /** User columns and their types. System columns (`id`, `createdAt`, `updatedAt`, `version`, `deleted`) are implicit. */
  columns: Record<string, ColumnType>
  /**
   * Columns indexed in IndexedDB (and in SQL on the server). A compound index is written `'a+b'`.
   * @default []
   */
  indexes?: string[]
  /**
   * Server: `DELETE` marks the row `deleted = true` instead of removing it, so incremental pulls see deletions.
   * @default true
   */
  softDelete?: boolean
  /**
   * Server: the column that holds the id of the user who owns the row. When set, the server stamps the caller's
   * id on insert and confines every read and write to the caller's rows. The column is created as a string.
   */
  owner?: string
}

export type TablesDefinition = Record<string, TableDefinition>

/** The TypeScript type a column type maps to. */
export interface ColumnValueTypes {
  string: string
  number: number
  boolean: boolean
  date: string
  json: unknown
}

/** Row type of a table from its column declaration (user columns are optional and nullable). */
export type RowOf<C extends Record<string, ColumnType>> = {
  -readonly [K in keyof C]?: ColumnValueTypes[C[K]] | null
}

export const COLUMN_TYPES: readonly ColumnType[] = ['string', 'number', 'boolean', 'date', 'json']

/** Table and column names: identifiers that are safe in IndexedDB, SQL (quoted) and OData. */
export const IDENTIFIER = /^[a-z_]\w{0,62}$/i
