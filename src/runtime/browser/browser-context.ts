import type { PublicRuntimeOptions } from '../../options'
import type { SyncClient } from '../core/sync-client'
import type { ConflictHandler } from '../core/sync/contract'
import { createSyncContext, type SyncContext, type TryLock, type TryLockResult } from '../core/sync/context'
import { createTableClient } from '../core/sync/table-client'
import type { OfflineSyncConflictContext, OfflineSyncRequestContext } from '../hooks'
import { backendUrl } from './backend-url'

export { backendUrl, isAbsoluteUrl } from './backend-url'

/** What the browser context needs from Nuxt: its runtime hooks. */
export interface BrowserSyncHooks {
  callHook(name: 'offline-sync:request', ctx: OfflineSyncRequestContext): Promise<unknown> | unknown
  callHook(name: 'offline-sync:conflict', ctx: OfflineSyncConflictContext): Promise<unknown> | unknown
}

/**
 * `fetch` that lets the `offline-sync:request` hook see and change each request first (headers, URL). A hook
 * that throws fails the request like a network error: the push stops and is retried later.
 */
export function hookedFetch(hooks: BrowserSyncHooks, fetchFn: typeof globalThis.fetch = (input, init) => globalThis.fetch(input, init)): typeof globalThis.fetch {
  return async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const ctx: OfflineSyncRequestContext = {
      method: (init.method ?? 'GET').toUpperCase(),
      url,
      headers: Object.fromEntries(new Headers(init.headers).entries()),
    }
    await hooks.callHook('offline-sync:request', ctx)
    return fetchFn(ctx.url, { ...init, headers: ctx.headers })
  }
}

/** The conflict handler that asks the `offline-sync:conflict` hook for a resolution. */
export function hookedConflictHandler(hooks: BrowserSyncHooks): ConflictHandler {
  return async (conflict) => {
    const ctx: OfflineSyncConflictContext = { conflict, resolution: undefined }
    await hooks.callHook('offline-sync:conflict', ctx)
    return ctx.resolution
  }
}

/** The message of a tab without Web Locks (see `webLock`). */
export const NO_WEB_LOCKS_WARNING = '[nuxt-offline-sync] navigator.locks is not available (Web Locks exist only in secure '
  + 'contexts: https or localhost), so the tabs of this app do not take turns syncing and an operation may be sent '
  + 'twice; the push counts a repeated operation whose first answer it never saw as pushed. See "Several tabs" in the README.'

let warnedNoLocks = false

/**
 * An exclusive section shared by every tab of the origin (Web Lock `name`), or `undefined` where the browser
 * has no Web Locks (`navigator.locks` exists only in secure contexts: https, localhost). Then `warn`, when
 * given, is called once per page with `NO_WEB_LOCKS_WARNING`.
 */
export function webLock(name: string, warn?: (message: string) => void): (<T>(fn: () => Promise<T>) => Promise<T>) | undefined {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks
  if (!locks || typeof locks.request !== 'function') {
    if (warn && !warnedNoLocks) {
      warnedNoLocks = true
      warn(NO_WEB_LOCKS_WARNING)
    }
    return undefined
  }
  return <T>(fn: () => Promise<T>) => locks.request(name, () => fn()) as Promise<T>
}

/**
 * The Web Lock `name` taken only when it is free now (`ifAvailable`): `{ ran: false }` without running `fn` when
 * another tab holds it. `undefined` without Web Locks (see `webLock`, which warns about that).
 */
export function webTryLock(name: string): TryLock | undefined {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks
  if (!locks || typeof locks.request !== 'function') return undefined
  return <T>(fn: () => Promise<T>) => locks.request(name, { ifAvailable: true }, lock => lock
    ? fn().then(value => ({ ran: true, value }) as TryLockResult<T>)
    : { ran: false } as TryLockResult<T>) as Promise<TryLockResult<T>>
}

export interface BrowserContextOptions {
  client: SyncClient
  options: PublicRuntimeOptions
  hooks: BrowserSyncHooks
  appBaseURL?: string
  /** Told once when the browser has no Web Locks (the plugin passes `console.warn` in development). */
  warn?: (message: string) => void
}

/**
 * The sync context of a tab: the table client on `backend` (through the request hook), the named queries and
 * sync options of the module, conflicts through the conflict hook, one push/pull/purge at a time across tabs
 * (Web Lock `offline-sync:<databaseName>`) and the browser's network state. Not started: call `start()`.
 * Both hooks run inside that lock: a hook that awaits (a token refresh, a dialog) holds up syncing in every tab.
 * The context's own syncs (start-up, reconnect, interval, backoff retry) take the lock only when it is free
 * (`webTryLock`): while another tab syncs, they are skipped.
 */
export function createBrowserSyncContext({ client, options, hooks, appBaseURL, warn }: BrowserContextOptions): SyncContext {
  const { sync } = options
  const tableClient = createTableClient({
    baseUrl: backendUrl(options.backend, appBaseURL),
    apiVersion: sync.apiVersion,
    fetch: hookedFetch(hooks),
  })
  return createSyncContext({
    client,
    tableClient,
    queries: options.queries,
    conflictHandler: hookedConflictHandler(hooks),
    pageSize: sync.pageSize,
    retry: sync.retry,
    interval: sync.interval,
    auto: sync.auto,
    lock: webLock(`offline-sync:${options.databaseName}`, warn),
    tryLock: webTryLock(`offline-sync:${options.databaseName}`),
    online: typeof navigator === 'undefined' ? true : navigator.onLine !== false,
  })
}
