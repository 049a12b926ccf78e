import { useNuxtApp } from '#imports'
import type { SyncClient } from '../../src/runtime/core/sync-client'
import { SYSTEM_TABLES } from '../../src/runtime/core/store'

/** The app's sync client (over fake-indexeddb in this environment). */
export function syncClient(): SyncClient {
  return useNuxtApp().$offlineSync as SyncClient
}

/** Empties every user and system table of the app's local store. */
export async function clearLocalStore(): Promise<void> {
  const client = syncClient()
  const tables = [...Object.keys(client.tables), ...SYSTEM_TABLES]
  await client.store.transaction('readwrite', tables, async (tx) => {
    for (const table of tables) await tx.clear(table)
  })
}
