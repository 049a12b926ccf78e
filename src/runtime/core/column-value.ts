import type { ColumnType } from './schema'

/** A value accepted for a column (normalised), or why it is refused. */
export type ColumnCheck = { ok: true, value: unknown } | { ok: false, reason: string }

/** `YYYY-MM-DD`, optionally `THH:mm[:ss[.fff…]]` followed by `Z` or `±HH:mm` (a time needs a zone). */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/** The protocol's own form, `YYYY-MM-DDTHH:mm:ss.sssZ`: what servers send for every date of every pulled row. */
const CANONICAL_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** An ISO 8601 date or date-time with a zone, as `…sssZ`; `undefined` when it is not one or names no real moment. */
export function parseIsoDate(text: string): string | undefined {
  // Fast path (a pull converts several dates per row): a canonical text that survives the round trip through
  // `Date` unchanged is a real moment in range, exactly what the full check below would return.
  if (CANONICAL_DATE.test(text) && !text.startsWith('0000')) {
    const time = Date.parse(text)
    if (!Number.isNaN(time) && new Date(time).toISOString() === text) return text
  }
  const m = ISO_DATE.exec(text)
  if (!m) return undefined
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as [number, number, number, number, number, number]
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined
  if (m[7] && m[7] !== 'Z' && (Number(m[7].slice(1, 3)) > 23 || Number(m[7].slice(4)) > 59)) return undefined
  return isoTimestamp(Date.parse(text))
}

/**
 * `toISOString()` of `time` when it falls in the years 0001–9999 (the protocol's `YYYY-…sssZ`; PostgreSQL has
 * no year 0000), else `undefined`.
 */
function isoTimestamp(time: number): string | undefined {
  if (Number.isNaN(time)) return undefined
  const iso = new Date(time).toISOString()
  return /^(?!0000)\d{4}-/.test(iso) ? iso : undefined
}

/** Deepest nesting of arrays and objects in a json value; client and server refuse deeper ones. */
export const MAX_JSON_DEPTH = 100

/** PostgreSQL stores no U+0000 in `text` or in `jsonb` strings, so client and server refuse it. */
export const NUL_PROBLEM = 'may not contain the NUL character (\\u0000)'

/**
 * Why `value` would not survive `JSON.stringify`/`JSON.parse` unchanged (or is nested deeper than the server
 * accepts, or holds a NUL character), or `undefined` when it would.
 */
export function jsonProblem(value: unknown, seen: Set<object> = new Set()): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? `a string ${NUL_PROBLEM}` : undefined
  if (value === null || typeof value === 'boolean') return undefined
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${value} is not a JSON number`
  if (typeof value !== 'object') return `a ${typeof value} is not JSON`
  if (seen.has(value)) return 'a circular structure is not JSON'
  // `seen` holds the objects and arrays on the path to `value`
  if (seen.size >= MAX_JSON_DEPTH) return `arrays and objects may nest at most ${MAX_JSON_DEPTH} levels deep`
  const proto = Object.getPrototypeOf(value)
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    return `a ${(value as object).constructor?.name ?? 'class instance'} is not plain JSON (use a plain object, array or string)`
  }
  seen.add(value)
  // Array.from reads holes of a sparse array as undefined (JSON would turn them into null)
  const entries = Array.isArray(value) ? Array.from(value, (v, i) => [String(i), v] as const) : Object.entries(value)
  for (const [key, item] of entries) {
    if (item === undefined && !Array.isArray(value)) continue
    if (key.includes('\u0000')) return `a key ${NUL_PROBLEM}`
    const problem = jsonProblem(item, seen)
    if (problem) return `at "${key}": ${problem}`
  }
  seen.delete(value)
  return undefined
}

/**
 * Checks `value` against a column type and returns what to store: dates as `toISOString()`, JSON as a plain
 * copy. `null` is accepted for every column.
 */
export function checkColumnValue(type: ColumnType, value: unknown): ColumnCheck {
  if (value === null) return { ok: true, value: null }
  switch (type) {
    case 'string':
      if (typeof value !== 'string') return { ok: false, reason: `expected a string, got ${describe(value)}` }
      return value.includes('\u0000') ? { ok: false, reason: `a string ${NUL_PROBLEM}` } : { ok: true, value }
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? { ok: true, value } : { ok: false, reason: `expected a finite number, got ${describe(value)}` }
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : { ok: false, reason: `expected a boolean, got ${describe(value)}` }
    case 'date': {
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) return { ok: false, reason: 'expected a valid date, got an invalid Date' }
        const iso = isoTimestamp(value.getTime())
        return iso ? { ok: true, value: iso } : { ok: false, reason: `expected a date in the years 0000 to 9999, got ${value.toISOString()}` }
      }
      const iso = typeof value === 'string' ? parseIsoDate(value) : undefined
      return iso ? { ok: true, value: iso } : { ok: false, reason: `expected a Date or an ISO 8601 string with a time zone, got ${describe(value)}` }
    }
    case 'json': {
      const problem = jsonProblem(value)
      return problem ? { ok: false, reason: `expected JSON: ${problem}` } : { ok: true, value: JSON.parse(JSON.stringify(value)) }
    }
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  if (typeof value === 'number') return String(value)
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? (value as object).constructor?.name ?? 'an object' : `a ${typeof value}`
}
