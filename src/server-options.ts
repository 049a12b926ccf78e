import type { ServerOptions } from './options'
import { isAbsoluteUrl } from './runtime/browser/backend-url'

/** The `server` options with their defaults (`database.dataDir` as written: `embeddedDataDir` places it). */
export interface ResolvedServerOptions {
  enabled: boolean
  path: string
  database: { url: string, dataDir: string }
  pageSize: number
  maxTop: number
  maxBodySize: number
  maxBatchSize: number
  maxBatchBodySize: number
}

/** The defaults of the `server` option: the one place they are set. */
export const SERVER_DEFAULTS: Readonly<Omit<ResolvedServerOptions, 'database'> & { database: Readonly<ResolvedServerOptions['database']> }> = Object.freeze({
  enabled: true,
  path: '/tables',
  // `DATABASE_URL` is read at run time by the server plugin, never baked into the build
  database: Object.freeze({ url: '', dataDir: '.data/offline-sync' }),
  pageSize: 50,
  maxTop: 1000,
  maxBodySize: 1024 * 1024,
  maxBatchSize: 500,
  maxBatchBodySize: 8 * 1024 * 1024,
})

/** A whole number from `min` (a safe integer: no fraction, no infinity, no NaN). */
function isWhole(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min
}

/**
 * Checks `offlineSync.server` and fills in its defaults; throws one error listing every problem (build time, like
 * `resolveSyncOptions`). Sizes are whole numbers: `pageSize` from 1 to `maxTop` (a default page larger than the
 * largest one a client may ask for makes no sense), `maxTop`, `maxBodySize` and `maxBatchBodySize` from 1,
 * `maxBatchSize` from 0 (0: no batch endpoint); with batches on, `maxBatchBodySize` holds at least one
 * `maxBodySize` item. `path` is a route prefix such as `/tables`.
 */
export function resolveServerOptions(server: ServerOptions | undefined): ResolvedServerOptions {
  const d = SERVER_DEFAULTS
  const {
    enabled = d.enabled, path = d.path, database = {}, pageSize = d.pageSize, maxTop = d.maxTop,
    maxBodySize = d.maxBodySize, maxBatchSize = d.maxBatchSize, maxBatchBodySize = d.maxBatchBodySize,
  } = server ?? {}
  const problems: string[] = []
  if (typeof enabled !== 'boolean') problems.push('server.enabled must be true or false')
  if (typeof path !== 'string' || !/^\/[^\s?#]*[^\s?#/]$/.test(path)) {
    problems.push(`server.path must be a route prefix such as '/tables' (starting with "/", not ending with one), got ${JSON.stringify(path)}`)
  }
  const { url = d.database.url, dataDir = d.database.dataDir } = database ?? {}
  if (typeof url !== 'string') problems.push('server.database.url must be a connection string (postgres://…)')
  if (typeof dataDir !== 'string' || !dataDir.trim()) problems.push('server.database.dataDir must be a folder (or memory://)')
  if (!isWhole(maxTop, 1)) problems.push(`server.maxTop must be a whole number ≥ 1, got ${String(maxTop)}`)
  if (!isWhole(pageSize, 1)) problems.push(`server.pageSize must be a whole number ≥ 1, got ${String(pageSize)}`)
  else if (isWhole(maxTop, 1) && pageSize > maxTop) problems.push(`server.pageSize (${pageSize}) may not be larger than server.maxTop (${maxTop})`)
  if (!isWhole(maxBodySize, 1)) problems.push(`server.maxBodySize must be a whole number of bytes ≥ 1, got ${String(maxBodySize)}`)
  if (!isWhole(maxBatchSize, 0)) problems.push(`server.maxBatchSize must be a whole number ≥ 0 (0 turns batches off), got ${String(maxBatchSize)}`)
  if (!isWhole(maxBatchBodySize, 1)) problems.push(`server.maxBatchBodySize must be a whole number of bytes ≥ 1, got ${String(maxBatchBodySize)}`)
  else if (isWhole(maxBodySize, 1) && isWhole(maxBatchSize, 1) && maxBatchBodySize < maxBodySize) {
    problems.push(`server.maxBatchBodySize (${maxBatchBodySize}) may not be smaller than server.maxBodySize (${maxBodySize}): a batch must hold any single item`)
  }
  if (problems.length) throw new Error(`[nuxt-offline-sync] invalid server option:\n- ${problems.join('\n- ')}`)
  return { enabled, path, database: { url, dataDir }, pageSize, maxTop, maxBodySize, maxBatchSize, maxBatchBodySize }
}

/** A path as a route: one leading `/`, no trailing one. */
function routePath(path: string): string {
  return `/${path.replace(/^\/+|\/+$/g, '')}`
}

/** Whether the client's `backend` is this module's own server: the server is enabled and `backend` is its `path`. */
export function isOwnServer(backend: string, server: ResolvedServerOptions): boolean {
  return server.enabled && typeof backend === 'string' && !isAbsoluteUrl(backend) && routePath(backend) === routePath(server.path)
}

/**
 * The build-time warning for a `backend` that is a path of this app other than the enabled server's `path` (the
 * client would ask routes nobody serves, unless the app has its own), or `undefined`.
 */
export function backendWarning(backend: string, server: ResolvedServerOptions): string | undefined {
  if (!server.enabled || typeof backend !== 'string' || isAbsoluteUrl(backend) || isOwnServer(backend, server)) return undefined
  return `[nuxt-offline-sync] backend ${JSON.stringify(backend)} is a path of this app, but the module's server answers at `
    + `server.path ${JSON.stringify(server.path)}: the client will not reach it unless something else serves ${JSON.stringify(backend)}. `
    + `Set backend to ${JSON.stringify(server.path)}, or to the absolute URL of another server.`
}
