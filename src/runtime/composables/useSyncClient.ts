import { useNuxtApp } from '#imports'
import type { SyncClient } from '../core/sync-client'

/**
 * The framework-free `SyncClient` the module's plugin created for this app (`nuxtApp.$offlineSync`).
 * On the server it is a client over an empty in-memory store: pages render without IndexedDB.
 */
export function useSyncClient(): SyncClient {
  return useNuxtApp().$offlineSync as SyncClient
}
