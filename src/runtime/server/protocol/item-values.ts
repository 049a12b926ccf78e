import { sql } from 'kysely'
import { MAX_JSON_DEPTH, NUL_PROBLEM, parseIsoDate } from '../../core/column-value'
import { itemIdProblem } from './item-id'
import type { ColumnType } from '../../core/schema'
import { badRequest } from '../errors'
import type { TableSpec } from '../table-spec'
import type { SyncItem } from '../types'

/** System columns a client may send; the server sets them (`version` and `deleted` are read below). */
const IGNORED = new Set(['createdAt', 'updatedAt'])

export interface ItemInput {
  id?: string
  /** User columns present in the body (all user columns when `replace`), as wire values. */
  columns: SyncItem
  /** `version` from the body (a v2 PATCH without If-Match uses it as the condition). */
  version?: string
  /** `deleted` from the body. */
  deleted?: boolean
}

/** Whether arrays and objects nest deeper than `max` levels in `value` (iterative, so any depth is cheap to refuse). */
function nestedDeeper(value: unknown, max: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]]
  while (pending.length) {
    const [current, depth] = pending.pop()!
    if (current === null || typeof current !== 'object') continue
    if (depth > max) return true
    for (const child of Object.values(current)) pending.push([child, depth + 1])
  }
  return false
}

/** Whether `value` holds a number JSON cannot carry (`1e400` parses to Infinity, which would be stored as null). */
function holdsNonFinite(value: unknown): boolean {
  const pending: unknown[] = [value]
  while (pending.length) {
    const current = pending.pop()
    if (typeof current === 'number' && !Number.isFinite(current)) return true
    if (current !== null && typeof current === 'object') for (const child of Object.values(current)) pending.push(child)
  }
  return false
}

/** Whether a string or an object key in `value` holds U+0000, which PostgreSQL cannot store in `text` or `jsonb`. */
function holdsNul(value: unknown): boolean {
  const pending: unknown[] = [value]
  while (pending.length) {
    const current = pending.pop()
    if (typeof current === 'string' && current.includes('\u0000')) return true
    if (current === null || typeof current !== 'object') continue
    for (const [key, child] of Object.entries(current)) {
      if (key.includes('\u0000')) return true
      pending.push(child)
    }
  }
  return false
}

function checkValue(table: string, column: string, type: ColumnType, value: unknown): unknown {
  if (value === null) return null
  const fail = (what: string) => badRequest(`${table}.${column} must be ${what}`)
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw fail('a string')
      if (value.includes('\u0000')) throw badRequest(`${table}.${column} ${NUL_PROBLEM}`)
      return value
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw fail('a number')
      return value
    case 'boolean':
      if (typeof value !== 'boolean') throw fail('true or false')
      return value
    case 'date': {
      // the client's rule (core), so a date the client stores can always be pushed
      const iso = typeof value === 'string' ? parseIsoDate(value) : undefined
      if (iso === undefined) throw fail('a timestamp like 2024-01-31T12:00:00.000Z')
      return iso
    }
    case 'json':
      if (nestedDeeper(value, MAX_JSON_DEPTH)) throw fail(`JSON nested at most ${MAX_JSON_DEPTH} levels deep`)
      if (holdsNonFinite(value)) throw fail('JSON whose numbers fit a double (1e400 does not)')
      if (holdsNul(value)) throw badRequest(`${table}.${column} ${NUL_PROBLEM} in a string or key`)
      return value
  }
}

/**
 * Reads an item from a request body: checks every property (unknown column or wrong type: 400 naming it),
 * ignores `createdAt`/`updatedAt` and the owner column (the server sets them). `replace` fills absent user
 * columns with null (a v3 PUT replaces the whole entity).
 */
export function readItem(spec: TableSpec, body: Record<string, unknown>, replace: boolean): ItemInput {
  const input: ItemInput = { columns: {} }
  for (const [key, value] of Object.entries(body)) {
    if (key === 'id') {
      if (value === null || value === undefined) continue
      const problem = itemIdProblem(value)
      if (problem) throw badRequest(`id: ${problem}`)
      input.id = value as string
    }
    else if (key === 'version') {
      if (value !== null && typeof value !== 'string') throw badRequest('version must be a string')
      if (value) input.version = value
    }
    else if (key === 'deleted') {
      if (value !== null && typeof value !== 'boolean') throw badRequest('deleted must be true or false')
      if (value !== null) input.deleted = value
    }
    else if (IGNORED.has(key) || key === spec.owner) continue
    else if (Object.hasOwn(spec.columns, key)) input.columns[key] = checkValue(spec.name, key, spec.columns[key]!, value)
    else throw badRequest(`Unknown column '${key}' in table '${spec.name}'`)
  }
  if (replace) {
    for (const column of Object.keys(spec.columns)) {
      if (column !== spec.owner && !Object.hasOwn(input.columns, column)) input.columns[column] = null
    }
  }
  return input
}

/** Checks user columns again (after a hook changed them) and turns them into SQL values. */
export function toSqlValues(spec: TableSpec, columns: SyncItem): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const [column, value] of Object.entries(columns)) {
    if (!Object.hasOwn(spec.columns, column)) throw badRequest(`Unknown column '${column}' in table '${spec.name}'`)
    const checked = checkValue(spec.name, column, spec.columns[column]!, value)
    // Through text, so both drivers store the JSON as written (no array/string re-encoding).
    values[column] = spec.columns[column] === 'json' && checked !== null ? sql`${JSON.stringify(checked)}::text::jsonb` : checked
  }
  return values
}
