import type { TablesDefinition } from './runtime/core/schema'
import type { PublicRuntimeOptions, QueryOption, SyncOptions } from './options'

/** The sync options with their defaults, as the browser receives them. */
export type ResolvedSyncOptions = PublicRuntimeOptions['sync']

const API_VERSIONS = ['2.0.0', '3.0.0'] as const

/** A filter is only a `$filter` value: query options of its own would clash with the pull's paging. */
const QUERY_OPTION = /(?:^|&)\s*\$(?:orderby|top|skip|select|filter)\s*=/i

/**
 * Checks `offlineSync.queries` against the declared tables and throws one error listing every problem
 * (build time, in the style of `assertTables`).
 */
export function assertQueries(queries: Record<string, QueryOption> | undefined, tables: TablesDefinition): void {
  const problems: string[] = []
  for (const [name, query] of Object.entries(queries ?? {})) {
    if (!name.trim() || name.includes('/')) {
      problems.push(`query name "${name}" is not allowed (it may not be blank or contain "/")`)
    }
    if (!query || typeof query !== 'object' || typeof query.table !== 'string') {
      problems.push(`query "${name}" needs a "table"`)
      continue
    }
    if (!Object.hasOwn(tables ?? {}, query.table)) {
      const declared = Object.keys(tables ?? {})
      problems.push(`query "${name}": table "${query.table}" is not declared in offlineSync.tables (${declared.length ? `declared: ${declared.join(', ')}` : 'none is declared'})`)
    }
    if (query.filter !== undefined && typeof query.filter !== 'string') {
      problems.push(`query "${name}": "filter" must be an OData $filter string`)
    }
    else if (query.filter !== undefined && QUERY_OPTION.test(query.filter)) {
      problems.push(`query "${name}": "filter" is a $filter expression only, without $orderby, $top, $skip or $select`)
    }
  }
  if (problems.length) throw new Error(`[nuxt-offline-sync] invalid queries option:\n- ${problems.join('\n- ')}`)
}

function isPositive(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0
}

/** Checks `offlineSync.sync` and fills in its defaults; throws one error listing every problem. */
export function resolveSyncOptions(sync: SyncOptions | undefined): ResolvedSyncOptions {
  const { auto = true, interval = 0, pageSize, apiVersion = '2.0.0', retry = {} } = sync ?? {}
  const problems: string[] = []
  if (typeof auto !== 'boolean') problems.push('sync.auto must be true or false')
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0) {
    problems.push('sync.interval must be a number of milliseconds (0 turns it off)')
  }
  if (pageSize !== undefined && !(isPositive(pageSize) && Number.isInteger(pageSize))) {
    problems.push('sync.pageSize must be a positive whole number')
  }
  if (!(API_VERSIONS as readonly unknown[]).includes(apiVersion)) {
    problems.push(`sync.apiVersion must be ${API_VERSIONS.map(v => `'${v}'`).join(' or ')}`)
  }
  if (retry !== false) {
    if (!retry || typeof retry !== 'object') {
      problems.push('sync.retry must be { baseMs?, maxMs? } or false')
    }
    else {
      if (retry.baseMs !== undefined && !isPositive(retry.baseMs)) problems.push('sync.retry.baseMs must be a positive number of milliseconds')
      if (retry.maxMs !== undefined && !isPositive(retry.maxMs)) problems.push('sync.retry.maxMs must be a positive number of milliseconds')
      if (isPositive(retry.baseMs) && isPositive(retry.maxMs) && retry.baseMs > retry.maxMs) {
        problems.push('sync.retry.baseMs may not be larger than sync.retry.maxMs')
      }
    }
  }
  if (problems.length) throw new Error(`[nuxt-offline-sync] invalid sync option:\n- ${problems.join('\n- ')}`)
  return {
    auto,
    interval,
    ...(pageSize === undefined ? {} : { pageSize }),
    apiVersion,
    retry: retry === false ? false : { ...retry },
  }
}
