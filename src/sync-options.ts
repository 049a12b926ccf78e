import type { TablesDefinition } from './runtime/core/schema'
import { UnknownTableError, ValidationError } from './runtime/core/errors'
import { assertNamedQuery } from './runtime/core/sync/context-queries'
import { DEFAULT_PULL_PAGE_SIZE } from './runtime/core/sync/pull'
import { checkPullQuery } from './runtime/core/sync/pull-query'
import type { PublicRuntimeOptions, QueryOption, SyncOptions } from './options'

/** The sync options with their defaults, as the browser receives them. */
export type ResolvedSyncOptions = PublicRuntimeOptions['sync']

const API_VERSIONS = ['2.0.0', '3.0.0'] as const

/** The defaults of the `sync` option: the one place they are set (`pageSize`: see `resolveSyncOptions`). */
export const SYNC_DEFAULTS = Object.freeze({ auto: true, interval: 0, apiVersion: '2.0.0' as const, persistentStorage: false })

/** `sync.pageSize` when the backend is this module's server: the pull's own default, at most `server.maxTop`. */
export function ownServerPageSize(maxTop: number): number {
  return Math.min(DEFAULT_PULL_PAGE_SIZE, maxTop)
}

/** One problem of a query, from an error of the core's run-time checks. */
function queryProblem(name: string, error: unknown, tables: TablesDefinition): string {
  if (error instanceof UnknownTableError) {
    if (!error.table) return `query "${name}" needs a "table"`
    const declared = Object.keys(tables ?? {})
    return `query "${name}": table "${error.table}" is not declared in offlineSync.tables (${declared.length ? `declared: ${declared.join(', ')}` : 'none is declared'})`
  }
  const reason = error instanceof ValidationError ? error.reason : error instanceof Error ? error.message : String(error)
  return reason.startsWith('query ') ? reason : `query "${name}": ${reason}`
}

/**
 * Checks `offlineSync.queries` with the rules the sync context applies at run time (`assertNamedQuery`: declared
 * table, name, filter type; `checkPullQuery`: a filter is a `$filter` expression only) and throws one error listing
 * every problem (build time, in the style of `assertTables`).
 */
export function assertQueries(queries: Record<string, QueryOption> | undefined, tables: TablesDefinition): void {
  const problems: string[] = []
  const attempt = (name: string, check: () => void, hint = '') => {
    try {
      check()
    }
    catch (error) {
      problems.push(queryProblem(name, error, tables) + hint)
    }
  }
  for (const [name, query] of Object.entries(queries ?? {})) {
    attempt(name, () => assertNamedQuery(tables ?? {}, name, query))
    const filter: unknown = query && typeof query === 'object' ? query.filter : undefined
    // a filter that is no string at all is already refused above
    if (typeof filter === 'string') {
      const hint = /^\s*\$filter\s*=/i.test(filter) ? '; write the expression alone, without "$filter="' : ''
      attempt(name, () => checkPullQuery(query.table, { filter }), hint)
    }
  }
  if (problems.length) throw new Error(`[nuxt-offline-sync] invalid queries option:\n- ${problems.join('\n- ')}`)
}

function isPositive(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0
}

/**
 * Checks `offlineSync.sync` and fills in its defaults; throws one error listing every problem.
 * @param sync the `sync` option
 * @param ownServer this module's server when `backend` is its path: its `maxTop` bounds `pageSize` (a larger `$top`
 *   is a 400 there), so `pageSize` defaults to `min(1000, maxTop)` and a larger one is refused. Otherwise `pageSize`
 *   stays unset (the pull's default, 1000, the limit of the stock servers).
 * @param ownServer.maxTop the server's largest accepted `$top`
 */
export function resolveSyncOptions(sync: SyncOptions | undefined, ownServer?: { maxTop: number }): ResolvedSyncOptions {
  const { auto = SYNC_DEFAULTS.auto, interval = SYNC_DEFAULTS.interval, apiVersion = SYNC_DEFAULTS.apiVersion, retry = {}, persistentStorage = SYNC_DEFAULTS.persistentStorage } = sync ?? {}
  const pageSize = sync?.pageSize ?? (ownServer ? ownServerPageSize(ownServer.maxTop) : undefined)
  const problems: string[] = []
  if (typeof auto !== 'boolean') problems.push('sync.auto must be true or false')
  if (typeof persistentStorage !== 'boolean') problems.push('sync.persistentStorage must be true or false')
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0) {
    problems.push('sync.interval must be a number of milliseconds (0 turns it off)')
  }
  if (pageSize !== undefined && !(isPositive(pageSize) && Number.isInteger(pageSize))) {
    problems.push('sync.pageSize must be a positive whole number')
  }
  else if (pageSize !== undefined && ownServer && pageSize > ownServer.maxTop) {
    problems.push(`sync.pageSize (${pageSize}) is larger than server.maxTop (${ownServer.maxTop}): this module's server, the backend, answers a larger $top with a 400, so every pull would fail; lower sync.pageSize or raise server.maxTop`)
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
    persistentStorage,
  }
}
