import { useNuxtApp } from '#imports'
import type { SyncClient } from '../../src/runtime/core/sync-client'
import { SYSTEM_TABLES } from '../../src/runtime/core/store'
import type { TablesDefinition } from '../../src/runtime/core/schema'
import type { PublicRuntimeOptions } from '../../src/options'

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

/** The fixture's tables, for a real table server (`startHarness(…, { tables: FIXTURE_TABLES })`). */
export const FIXTURE_TABLES: TablesDefinition = {
  todos: { columns: { text: 'string', done: 'boolean', dueOn: 'date', meta: 'json', rank: 'number' }, indexes: ['done'] },
  notes: { columns: { body: 'string' } },
}

/**
 * Points the app's `backend` at `url` (e.g. a `startHarness` server on 127.0.0.1) and sets `sync.auto` (the
 * fixture turns it off). Call it while the test file loads (top level): the app starts after that (the
 * environment's beforeAll) and its plugin reads the options then.
 */
export function useBackend(url: string, sync: { auto: boolean } = { auto: false }): void {
  const nuxt = (window as unknown as { __NUXT__: { config: { public: { offlineSync: PublicRuntimeOptions } } } }).__NUXT__
  nuxt.config.public.offlineSync.backend = url
  nuxt.config.public.offlineSync.sync.auto = sync.auto
}
