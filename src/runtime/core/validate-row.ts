import { checkColumnValue } from './column-value'
import { InvalidIdError, ValidationError } from './errors'
import { idProblem, SYSTEM_COLUMNS } from './protocol/system'
import type { ColumnType, TableDefinition } from './schema'

/** Result of `validateRow`: the id as given (checked) and the user column values to store, normalised. */
export interface ValidatedRow {
  id?: string
  values: Record<string, unknown>
}

const SYSTEM = new Set<string>(SYSTEM_COLUMNS)

/** The columns an app may write: the declared ones plus the owner column (a string) when the table has one. */
export function writableColumns(definition: TableDefinition): Record<string, ColumnType> {
  const columns: Record<string, ColumnType> = { ...definition.columns }
  if (definition.owner && !columns[definition.owner]) columns[definition.owner] = 'string'
  return columns
}

/**
 * Checks app input for `insert` (id optional) or `update` (id required) before anything is written, and throws
 * `ValidationError` (not an object, unknown column, wrong type) or `InvalidIdError`.
 * The system columns `createdAt`, `updatedAt`, `version` and `deleted` are ignored: only the server sets them,
 * and apps may pass back rows they read (`update({ ...row, done: true })`). `undefined` values are skipped
 * (the column keeps its value on update); `null` clears a column.
 */
export function validateRow(table: string, definition: TableDefinition, input: unknown, mode: 'insert' | 'update'): ValidatedRow {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ValidationError(table, '', `${mode} expects an object, got ${Array.isArray(input) ? 'an array' : input === null ? 'null' : typeof input}`)
  }
  const fields = input as Record<string, unknown>
  let id: string | undefined
  if (fields.id !== undefined || mode === 'update') {
    const problem = idProblem(fields.id)
    if (problem) throw new InvalidIdError(table, fields.id, problem)
    id = fields.id as string
  }
  const columns = writableColumns(definition)
  const values: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(fields)) {
    if (SYSTEM.has(field) || value === undefined) continue
    // own keys only: `constructor`, `toString`, `__proto__`… are not columns
    const type = Object.hasOwn(columns, field) ? columns[field] : undefined
    if (!type) throw new ValidationError(table, field, `unknown column (declared: ${Object.keys(columns).join(', ') || 'none'})`)
    const check = checkColumnValue(type, value)
    if (!check.ok) throw new ValidationError(table, field, check.reason)
    values[field] = check.value
  }
  return { id, values }
}
