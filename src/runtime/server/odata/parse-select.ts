import { findColumn, type CompileContext } from './columns'
import { odataError } from './odata-error'
import { splitList } from './parse-order-by'

const NAME = /^[A-Z_]\w*$/i

/**
 * Parses `$select`: a comma list of column names, white space tolerated, duplicates dropped. An empty
 * option or `*` gives `[]`, meaning every column. With `ctx`, unknown columns are refused. Throws
 * `ODataError` naming the position.
 */
export function parseSelect(text: string, ctx?: CompileContext): string[] {
  const items = splitList('$select', text)
  if (items.length === 1 && items[0]!.text === '*') return []
  const columns: string[] = []
  for (const { text: name, pos } of items) {
    if (!NAME.test(name)) throw odataError('$select', `expected a column name, found '${name.slice(0, 40)}'`, pos)
    if (ctx && !findColumn(ctx, name)) throw odataError('$select', `unknown column '${name}'`, pos)
    if (!columns.includes(name)) columns.push(name)
  }
  return columns
}
