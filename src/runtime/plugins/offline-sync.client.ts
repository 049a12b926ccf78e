import { defineNuxtPlugin, useRuntimeConfig } from '#imports'
import type { PublicRuntimeOptions } from '../../options'
import { createSyncClient, type SyncClient } from '../core/sync-client'
import { withQueryListeners, type AppSyncContext } from '../app-context'
import { createDexieStore } from '../dexie/dexie-store'
import { createBrowserSyncContext } from '../browser/browser-context'
import { requestPersistentStorage } from '../browser/storage-manager'
import { afterHydration } from '../composables/afterHydration'

/**
 * Browser side: the sync client over IndexedDB (Dexie), from `runtimeConfig.public.offlineSync`, and its sync
 * context (push, pull, purge, conflicts). Available as `useNuxtApp().$offlineSync` (the client) and
 * `$offlineSyncContext` (the context); the composables and the store use them.
 * The context starts once the app has hydrated (push, then pull the named queries, when online and
 * `sync.auto`), follows the browser's `online`/`offline` events and is disposed when the app unmounts. With
 * `sync.persistentStorage`, it asks the browser to keep the origin's data (`navigator.storage.persist()`) at once.
 */
export default defineNuxtPlugin({
  name: 'offline-sync',
  setup(nuxtApp) {
    const config = useRuntimeConfig()
    const options = config.public.offlineSync as PublicRuntimeOptions
    // once per page, before any write of this app: the answer shows as `useSyncStore().storage.persisted`
    if (options.sync.persistentStorage) void requestPersistentStorage()
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
    const context: AppSyncContext = withQueryListeners(createBrowserSyncContext({
      client,
      options,
      hooks: nuxtApp.hooks,
      appBaseURL: config.app.baseURL,
      // once, in development: on plain http (not localhost) the tabs have no Web Locks to take turns with
      warn: import.meta.dev ? message => console.warn(message) : undefined,
    }))

    const online = () => context.setOnline(true)
    const offline = () => context.setOnline(false)
    window.addEventListener('online', online)
    window.addEventListener('offline', offline)
    let disposed = false
    afterHydration(nuxtApp, () => {
      // start() never throws: its errors land in the status (`useSyncStore().lastError`)
      if (!disposed) void context.start()
    })
    nuxtApp.vueApp.onUnmount(() => {
      disposed = true
      window.removeEventListener('online', online)
      window.removeEventListener('offline', offline)
      context.dispose()
    })
    return { provide: { offlineSync: client, offlineSyncContext: context } }
  },
})
