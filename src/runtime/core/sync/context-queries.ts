import { UnknownTableError, ValidationError } from '../errors'
import type { TablesDefinition } from '../schema'
import type { NamedQuery } from './contract'

/** The named queries of a context, in declaration order (a replaced query keeps its place). */
export interface QueryRegistry {
  get(name: string): NamedQuery | undefined
  /** Copies, in declaration order. */
  entries(): [string, NamedQuery][]
  add(name: string, query: NamedQuery): void
  remove(name: string): void
}

/**
 * Checks a named query against the declared tables: `UnknownTableError` for an undeclared table,
 * `ValidationError` for a blank name, a name with `/` (it is part of the watermark id `table/name`) or a filter
 * that is not a string. The filter's own rules (no `$orderby`, …) are checked by the pull.
 */
export function assertNamedQuery(tables: TablesDefinition, name: string, query: NamedQuery): void {
  const table = typeof query?.table === 'string' ? query.table : ''
  if (!Object.hasOwn(tables, table)) throw new UnknownTableError(table)
  if (typeof name !== 'string' || !name.trim() || name.includes('/')) {
    throw new ValidationError(table, '', `query name ${JSON.stringify(name)} may not be blank or contain "/"`)
  }
  if (query.filter !== undefined && typeof query.filter !== 'string') {
    throw new ValidationError(table, '', `query "${name}": the filter must be an OData $filter string`)
  }
}

/**
 * The filter a pull of `table` under `queryName` uses: the named query's when none is given. Another filter under
 * the name of a query of this table is refused with `ValidationError`: it would restart that query's watermark.
 */
export function pullFilter(queries: QueryRegistry, table: string, queryName: string | undefined, filter: string | undefined): string | undefined {
  const named = queryName === undefined ? undefined : queries.get(queryName)
  if (named?.table !== table) return filter
  if (filter === undefined) return named.filter
  const normal = (value: string | undefined) => value?.trim() || undefined
  if (normal(filter) !== normal(named.filter)) {
    throw new ValidationError(table, '', `the named query "${queryName}" pulls with the filter ${JSON.stringify(named.filter ?? '')}; pulling under its name with ${JSON.stringify(filter)} would restart its watermark: omit the filter, or pull under another name`)
  }
  return filter
}

export function createQueryRegistry(tables: TablesDefinition, initial: Record<string, NamedQuery> = {}): QueryRegistry {
  const queries = new Map<string, NamedQuery>()
  const registry: QueryRegistry = {
    get: name => queries.get(name),
    entries: () => [...queries].map(([name, query]) => [name, { ...query }]),
    add(name, query) {
      assertNamedQuery(tables, name, query)
      queries.set(name, query.filter === undefined ? { table: query.table } : { table: query.table, filter: query.filter })
    },
    remove(name) {
      queries.delete(name)
    },
  }
  for (const [name, query] of Object.entries(initial)) registry.add(name, query)
  return registry
}
