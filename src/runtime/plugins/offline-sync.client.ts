import { defineNuxtPlugin, useRuntimeConfig } from '#imports'
import type { PublicRuntimeOptions } from '../../options'
import { createSyncClient, type SyncClient } from '../core/sync-client'
import { createDexieStore } from '../dexie/dexie-store'

/**
 * Browser side: the sync client over IndexedDB (Dexie), from `runtimeConfig.public.offlineSync`.
 * Available as `useNuxtApp().$offlineSync`; the composables use it.
 */
export default defineNuxtPlugin({
  name: 'offline-sync',
  setup() {
    const options = useRuntimeConfig().public.offlineSync as PublicRuntimeOptions
    // the globals as they are now (not when Dexie was loaded), so a polyfill installed by a test setup counts;
    // getters, read by the store: where reading `indexedDB` throws (SecurityError), the app still starts and
    // every store call fails with a StorageError
    const store = createDexieStore({
      name: options.databaseName,
      tables: options.tables,
      get indexedDB() {
        return globalThis.indexedDB
      },
      get IDBKeyRange() {
        return globalThis.IDBKeyRange
      },
    })
    const client: SyncClient = createSyncClient({ store })
    return { provide: { offlineSync: client } }
  },
})
