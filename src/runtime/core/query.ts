import { ValidationError } from './errors'
import type { QuerySpec, WhereValue } from './store'

/**
 * The in-memory meaning of a `QuerySpec`, shared by the memory store and by the Dexie store wherever it cannot
 * answer from an index, so both stores return the same rows in the same order.
 */

/** Rank of a value's type in the sort order: missing/null, booleans, numbers, dates, strings, arrays, objects. */
function typeRank(value: unknown): number {
  if (value === null || value === undefined) return 0
  if (typeof value === 'boolean') return 1
  if (typeof value === 'number') return 2
  if (value instanceof Date) return 3
  if (typeof value === 'string') return 4
  if (Array.isArray(value)) return 6
  return 7
}

/**
 * Total order used for sorting; on numbers, strings (UTF-16 code units) and arrays it agrees with the IndexedDB
 * key order, so index order and in-memory order never disagree.
 */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a)
  const rb = typeRank(b)
  if (ra !== rb) return ra - rb
  switch (ra) {
    case 1:
    case 2:
    case 4: return a === b ? 0 : (a as number) < (b as number) ? -1 : 1
    case 3: return compareValues((a as Date).getTime(), (b as Date).getTime())
    case 6: {
      const x = a as unknown[]
      const y = b as unknown[]
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compareValues(x[i], y[i])
        if (c !== 0) return c
      }
      return x.length - y.length
    }
    case 7: return compareValues(JSON.stringify(a), JSON.stringify(b))
    default: return 0
  }
}

/** Equality of `where`: `null` matches null and missing values. */
export function matchesWhere(record: object, where: Record<string, WhereValue> | undefined): boolean {
  if (!where) return true
  const fields = record as Record<string, unknown>
  for (const [field, expected] of Object.entries(where)) {
    const actual = fields[field]
    if (expected === null ? actual !== null && actual !== undefined : actual !== expected) return false
  }
  return true
}

/** Sorts by `orderBy` (then by primary key) or by primary key alone, in place. */
export function sortRecords<T extends object>(records: T[], primaryKey: string, orderBy?: string, reverse?: boolean): T[] {
  const sign = reverse ? -1 : 1
  return records.sort((a, b) => {
    const x = a as Record<string, unknown>
    const y = b as Record<string, unknown>
    const c = orderBy ? compareValues(x[orderBy], y[orderBy]) : 0
    return sign * (c !== 0 ? c : compareValues(x[primaryKey], y[primaryKey]))
  })
}

/** Applies `offset` and `limit`. */
export function pageRecords<T>(records: T[], spec: Pick<QuerySpec, 'offset' | 'limit'>): T[] {
  const start = Math.max(0, spec.offset ?? 0)
  return spec.limit === undefined ? records.slice(start) : records.slice(start, start + Math.max(0, spec.limit))
}

/** Runs a whole `QuerySpec` over `records` (which it may reorder). */
export function applyQuery<T extends object>(records: T[], primaryKey: string, spec: QuerySpec<T> = {}): T[] {
  const matching = records.filter(record => matchesWhere(record, spec.where) && (!spec.filter || spec.filter(record)))
  return pageRecords(sortRecords(matching, primaryKey, spec.orderBy, spec.reverse), spec)
}

/** Rejects malformed specs the same way in every store (`ValidationError` naming the field). */
export function assertQuerySpec(table: string, spec: QuerySpec<object> | undefined): void {
  if (!spec) return
  for (const name of ['offset', 'limit'] as const) {
    const value = spec[name]
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      throw new ValidationError(table, name, `query ${name} must be a non-negative integer, got ${String(value)}`)
    }
  }
  if (spec.orderBy !== undefined && typeof spec.orderBy !== 'string') throw new ValidationError(table, 'orderBy', 'query orderBy must be a field name')
  if (spec.filter !== undefined && typeof spec.filter !== 'function') throw new ValidationError(table, 'filter', 'query filter must be a function')
  for (const [field, value] of Object.entries(spec.where ?? {})) {
    const ok = value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && !Number.isNaN(value))
    if (!ok) throw new ValidationError(table, field, `where accepts a string, number, boolean or null, got ${typeof value}`)
  }
}
