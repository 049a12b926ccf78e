import type { SyncClient } from '../../../src/runtime/core/sync-client'
import type { SyncContext } from '../../../src/runtime/core/sync/context'
import type { ConflictRecord, Resolution } from '../../../src/runtime/core/sync/contract'
import type { StorageInfo } from '../../../src/runtime/browser/storage-manager'

/** What a page test reads of the app's `useSyncStore()`. */
export interface PageStore {
  storage: StorageInfo
  refreshStorage: () => Promise<StorageInfo>
}

/** The window of a test/fixtures/reliability page once it is ready (`[data-ready="true"]`): the app's own client, context and store. */
export type OfflineSyncWindow = Window & { __offlineSync: { client: SyncClient, context: SyncContext, store: PageStore } }

/** What a convergence test sets on the page (see test/fixtures/reliability/app/plugins/sim.client.ts). */
export type SimWindow = OfflineSyncWindow & {
  /** Base URL of the tables every table request goes to, e.g. `http://127.0.0.1:41234/tables`. */
  __simBackend: string
  /** The conflict policy, run in the test process (an exposed function). */
  __simResolveConflict: (conflict: ConflictRecord) => Promise<Resolution>
}
