import { ValidationError } from '../errors'
import type { ProtocolVersion } from '../protocol/system'
import { EPOCH_WATERMARK } from './watermarks'

/** A pull's query after `checkPullQuery`: the name (incremental when set) and the filter (absent when blank). */
export interface PullQuery {
  name?: string
  filter?: string
}

/** Where the next page starts: after the row (`updatedAt`, `id`) last received. */
export interface PullCursor {
  /** The row's `updatedAt` as the server sent it (all its digits), for the filter literal. */
  literal: string
  /** The same instant as `YYYY-MM-DDTHH:mm:ss.sssZ`, for comparisons and the watermark. */
  updatedAt: string
  id: string
}

/** The first `$` outside the string literals of an OData filter, or -1. */
function dollarOutsideLiterals(filter: string): number {
  let quoted = false
  for (let at = 0; at < filter.length; at++) {
    const char = filter[at]
    // inside a literal, `''` is an escaped quote: closing then reopening gives the same result
    if (char === '\'') quoted = !quoted
    else if (char === '$' && !quoted) return at
  }
  return -1
}

/**
 * Checks what `pull(deps, table, query)` was given, before anything is sent. A filter is an OData `$filter`
 * expression only: a `$` outside its string literals (`$top=…`, `&$orderby=…`) is refused, since the pull sets
 * `$orderby`, `$top` and `$filter`'s cursor itself. A blank filter means every row. Throws `ValidationError`.
 */
export function checkPullQuery(table: string, query: unknown): PullQuery {
  if (query === undefined) return {}
  if (query === null || typeof query !== 'object' || Array.isArray(query)) {
    throw new ValidationError(table, '', `a pull query is { name?, filter? }, got ${Array.isArray(query) ? 'an array' : String(query)}`)
  }
  const { name, filter } = query as Record<string, unknown>
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    throw new ValidationError(table, '', `a pull query name must be a non-empty string, got ${JSON.stringify(name) ?? typeof name}`)
  }
  if (filter !== undefined && typeof filter !== 'string') {
    throw new ValidationError(table, '', `a pull filter must be an OData $filter string, got ${typeof filter}`)
  }
  const result: PullQuery = {}
  if (name !== undefined) result.name = name
  const trimmed = filter?.trim()
  if (trimmed) {
    const at = dollarOutsideLiterals(trimmed)
    if (at >= 0) {
      throw new ValidationError(table, '', `a pull filter is a $filter expression only (the pull sets $orderby, $top and the paging itself), found "${trimmed.slice(at, at + 12)}"`)
    }
    result.filter = trimmed
  }
  return result
}

/** Checks a page size: a whole number from 1. Throws `ValidationError`. */
export function checkPageSize(table: string, pageSize: unknown): number {
  if (typeof pageSize !== 'number' || !Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new ValidationError(table, '', `pageSize must be a whole number ≥ 1, got ${String(pageSize)}`)
  }
  return pageSize
}

/** An OData string literal: `'…'` with every `'` doubled. */
export function stringLiteral(value: string): string {
  return `'${value.replaceAll('\'', '\'\'')}'`
}

/**
 * A timestamp literal: `datetimeoffset'…'` for v2 (OData v3 servers: the stock Node and .NET ones, ours), and
 * `cast(…,Edm.DateTimeOffset)` for v3 (the form the Datasync Toolkit's own client sends to its OData v4 server).
 */
export function timestampLiteral(timestamp: string, version: ProtocolVersion): string {
  return version === '3.0.0' ? `cast(${timestamp},Edm.DateTimeOffset)` : `datetimeoffset'${timestamp}'`
}

/**
 * The `$filter` of one page of a pull: `(<filter>) and (updatedAt ge W)` for the first page (no `updatedAt` term
 * without a watermark), then keyset paging after the last row received:
 * `(<filter>) and ((updatedAt gt U) or (updatedAt eq U and id gt 'I'))`. `undefined` when there is no term.
 */
export function pageFilter(filter: string | undefined, watermark: string | undefined, cursor: PullCursor | undefined, version: ProtocolVersion): string | undefined {
  const terms: string[] = []
  if (filter) terms.push(filter)
  if (cursor) {
    const at = timestampLiteral(cursor.literal, version)
    terms.push(`(updatedAt gt ${at}) or (updatedAt eq ${at} and id gt ${stringLiteral(cursor.id)})`)
  }
  else if (watermark && watermark !== EPOCH_WATERMARK) {
    terms.push(`updatedAt ge ${timestampLiteral(watermark, version)}`)
  }
  if (terms.length === 0) return undefined
  return terms.length === 1 ? terms[0] : terms.map(term => `(${term})`).join(' and ')
}
