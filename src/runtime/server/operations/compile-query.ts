import { compileFilter, parseFilter, parseOrderBy, parseSelect, type CompileContext } from '../odata'
import type { OrderTerm } from '../repository'
import type { TableSpec } from '../table-spec'
import type { SyncRowFilter } from '../types'
import type { QueryOptions } from '../request/query-options'

export interface CompiledQuery {
  filter?: SyncRowFilter
  orderBy: OrderTerm[]
  /** Columns to send; `undefined` for all. */
  select?: string[]
}

/**
 * Parses and compiles `$filter`, `$orderby` and `$select` against the table (an `ODataError`, i.e. a 400,
 * names the problem). `id` is appended to every order so that paging with `$skip` is deterministic.
 */
export function compileQuery(spec: TableSpec, options: QueryOptions): CompiledQuery {
  const context: CompileContext = { columns: spec.columns }
  const result: CompiledQuery = { orderBy: [] }
  if (options.filter !== undefined && options.filter.trim() !== '') {
    const expression = compileFilter(parseFilter(options.filter), context)
    result.filter = () => expression
  }
  if (options.orderBy !== undefined) result.orderBy = parseOrderBy(options.orderBy, context)
  if (!result.orderBy.some(term => term.column === 'id')) result.orderBy.push({ column: 'id', direction: 'asc' })
  if (options.select !== undefined) {
    const select = parseSelect(options.select, context)
    if (select.length) result.select = select
  }
  return result
}
