import { useNuxtApp } from '#imports'
import type { SyncContext } from '../core/sync/context'

/**
 * The framework-free sync context the module's plugin created (`nuxtApp.$offlineSyncContext`): push, pull,
 * purge, conflicts and their status, one at a time. Components usually want `useSyncStore()`, which follows it
 * (its `queries` included: a query added here shows there).
 * On the server it is offline and never started: its sync calls reject at once with `OfflineError`.
 */
export function useSyncContext(): SyncContext {
  return useNuxtApp().$offlineSyncContext as SyncContext
}
