import type { ModuleOptions } from './options'
import { backendWarning, isOwnServer, resolveServerOptions, type ResolvedServerOptions } from './server-options'
import { resolveSyncOptions, type ResolvedSyncOptions } from './sync-options'

/** The checked `sync` and `server` options, and the build-time warnings about them. */
export interface ResolvedModuleOptions {
  sync: ResolvedSyncOptions
  server: ResolvedServerOptions
  /** Messages for the build log (`backend` is a path of this app the enabled server does not answer). */
  warnings: string[]
}

/**
 * Checks and completes `sync` and `server` together: when `backend` is the enabled server's `path`, the server's
 * `maxTop` bounds the client's `sync.pageSize` (default `min(1000, maxTop)`, larger refused). Throws the first
 * option group's error (each lists every problem of its group).
 */
export function resolveModuleOptions(options: Pick<ModuleOptions, 'backend'> & Partial<Pick<ModuleOptions, 'sync' | 'server'>>): ResolvedModuleOptions {
  const server = resolveServerOptions(options.server)
  const sync = resolveSyncOptions(options.sync, isOwnServer(options.backend, server) ? server : undefined)
  const warning = backendWarning(options.backend, server)
  return { sync, server, warnings: warning ? [warning] : [] }
}
