// Types of the module's Nuxt runtime hooks in the browser (`nuxtApp.hook('offline-sync:…')`). The server's table
// hooks are Nitro hooks with their own types (`runtime/server/hooks.d.ts`).
import type { ConflictRecord, Resolution } from './core/sync/contract'
import type { OfflineSyncDevtoolsHooks } from './devtools/contract'

/**
 * Context of `offline-sync:request`: one HTTP request of push or pull, before it is sent. Change it in place:
 * add or replace `headers` (e.g. `X-ZUMO-AUTH` or `Authorization`), or point `url` elsewhere.
 */
export interface OfflineSyncRequestContext {
  /** `GET`, `POST`, `PATCH`, `PUT` or `DELETE`. */
  readonly method: string
  /** The full URL of the request. */
  url: string
  /** The request headers; the module's own (`zumo-api-version`, `accept`, `if-match`, …) arrive in lower case. */
  headers: Record<string, string>
}

/**
 * Context of `offline-sync:conflict`: a push met a conflict (409/412, or 404/410: an update of a row deleted on the
 * server). Set `resolution` to settle it at once (the push then retries the operation); leave it unset to keep the
 * conflict for the user (`useSyncStore().conflicts`).
 */
export interface OfflineSyncConflictContext {
  readonly conflict: ConflictRecord
  resolution?: Resolution
}

/**
 * The browser-side runtime hooks of nuxt-offline-sync. Both run inside the sync's cross-tab Web Lock
 * (`offline-sync:<databaseName>`): while a hook awaits (a token refresh, a dialog), no tab of the app can push,
 * pull, purge or resolve.
 */
export interface OfflineSyncRuntimeHooks {
  /** Before every request of push and pull: add auth headers, rewrite the URL. A hook that throws fails the request like a network error (the push stops and retries later; nothing is lost). */
  'offline-sync:request': (ctx: OfflineSyncRequestContext) => void | Promise<void>
  /**
   * When a push records a conflict: set `ctx.resolution` to resolve it automatically. Do not await the user here (it
   * holds the lock); leave the conflict in `useSyncStore().conflicts` instead. The push waits for the hook, so set
   * `ctx.resolution` rather than calling the sync (`resolve`, `push`, `pull`, `sync`, `purge` of `useSyncStore()` or
   * `useSyncContext()`): while the hook runs, those calls reject with `ReentrantCallError`
   * (`isOfflineSyncError(e, 'REENTRANT_CALL')`) instead of waiting for the push that waits for them.
   */
  'offline-sync:conflict': (ctx: OfflineSyncConflictContext) => void | Promise<void>
}

declare module '#app' {
  // `offline-sync:devtools:changed` is called in development only (runtime/devtools)
  interface RuntimeNuxtHooks extends OfflineSyncRuntimeHooks, OfflineSyncDevtoolsHooks {}
}
