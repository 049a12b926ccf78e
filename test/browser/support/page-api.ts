import type { SyncClient } from '../../../src/runtime/core/sync-client'
import type { SyncContext } from '../../../src/runtime/core/sync/context'

/** The window of a test/fixtures/reliability page once it is ready (`[data-ready="true"]`): the app's own client and context. */
export type OfflineSyncWindow = Window & { __offlineSync: { client: SyncClient, context: SyncContext } }
