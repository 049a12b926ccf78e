import { defineNuxtPlugin, useRuntimeConfig } from '#imports'
import type { PublicRuntimeOptions } from '../../options'
import { createMemoryStore } from '../core/memory-store'
import { createSyncClient, type SyncClient } from '../core/sync-client'

/**
 * Server side: a client over an empty in-memory store per request, so pages that use the composables render
 * without IndexedDB. Live queries stay `undefined` on the server; the browser fills them in after hydration.
 */
export default defineNuxtPlugin({
  name: 'offline-sync',
  setup() {
    const options = useRuntimeConfig().public.offlineSync as PublicRuntimeOptions
    const client: SyncClient = createSyncClient({ store: createMemoryStore({ tables: options.tables }) })
    return { provide: { offlineSync: client } }
  },
})
