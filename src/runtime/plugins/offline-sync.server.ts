import { defineNuxtPlugin, useRuntimeConfig } from '#imports'
import type { PublicRuntimeOptions } from '../../options'
import { createMemoryStore } from '../core/memory-store'
import { createSyncClient, type SyncClient } from '../core/sync-client'
import { createSyncContext } from '../core/sync/context'
import { createTableClient } from '../core/sync/table-client'
import { withQueryListeners, type AppSyncContext } from '../app-context'

/** A `fetch` for the server's context, which never sends: the context is offline, so nothing reaches it. */
const noFetch: typeof globalThis.fetch = () => Promise.reject(new Error('[nuxt-offline-sync] no sync requests during server-side rendering'))

/**
 * Server side: a client over an empty in-memory store per request, so pages that use the composables render
 * without IndexedDB. Live queries stay `undefined` on the server; the browser fills them in after hydration.
 * Its sync context is offline and never started: no timer, no request, and every push, pull or purge rejects at
 * once with `OfflineError` (code `OFFLINE`). Sync belongs to the browser.
 */
export default defineNuxtPlugin({
  name: 'offline-sync',
  setup() {
    const options = useRuntimeConfig().public.offlineSync as PublicRuntimeOptions
    const client: SyncClient = createSyncClient({ store: createMemoryStore({ tables: options.tables }) })
    const context: AppSyncContext = withQueryListeners(createSyncContext({
      client,
      tableClient: createTableClient({ baseUrl: options.backend, apiVersion: options.sync.apiVersion, fetch: noFetch }),
      queries: options.queries,
      auto: false,
      interval: 0,
      retry: false,
      online: false,
    }))
    return { provide: { offlineSync: client, offlineSyncContext: context } }
  },
})
