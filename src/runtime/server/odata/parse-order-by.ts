import { findColumn, type CompileContext } from './columns'
import { odataError } from './odata-error'

export const MAX_OPTION_LENGTH = 8192

export interface OrderByItem { column: string, direction: 'asc' | 'desc' }

/** One comma-separated item of `$orderby`/`$select` and where it starts. */
export interface ListItem { text: string, pos: number }

/** Splits a comma list, keeping each trimmed item's 0-based position; an empty item is an error. */
export function splitList(option: string, text: string): ListItem[] {
  if (typeof text !== 'string') throw odataError(option, 'must be a string')
  if (text.length > MAX_OPTION_LENGTH) throw odataError(option, `longer than ${MAX_OPTION_LENGTH} characters`)
  if (text.trim() === '') return []
  const items: ListItem[] = []
  let start = 0
  for (const part of text.split(',')) {
    const lead = part.length - part.trimStart().length
    const item = { text: part.trim(), pos: start + lead }
    if (!item.text) throw odataError(option, 'expected a column name', item.pos)
    items.push(item)
    start += part.length + 1
  }
  return items
}

const ITEM = /^([A-Z_]\w*)(?:\s+(\S+))?$/i

/**
 * Parses `$orderby`: `a, b desc, c asc` (direction case-insensitive, default `asc`). With `ctx`, unknown
 * columns (system columns included) are refused. Throws `ODataError` naming the position.
 */
export function parseOrderBy(text: string, ctx?: CompileContext): OrderByItem[] {
  return splitList('$orderby', text).map(({ text: item, pos }) => {
    const m = ITEM.exec(item)
    if (!m) throw odataError('$orderby', `expected '<column> [asc|desc]', found '${item.slice(0, 40)}'`, pos)
    const [, column, direction = 'asc'] = m as unknown as [string, string, string | undefined]
    const lower = direction.toLowerCase()
    if (lower !== 'asc' && lower !== 'desc') {
      throw odataError('$orderby', `expected asc or desc, found '${direction.slice(0, 40)}'`, pos + item.lastIndexOf(direction))
    }
    if (ctx && !findColumn(ctx, column)) throw odataError('$orderby', `unknown column '${column}'`, pos)
    return { column, direction: lower }
  })
}
