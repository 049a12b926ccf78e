/**
 * The public sync API of the core: the shared contract types, the HTTP table client, the orchestrating context,
 * and the parts it runs (usable on their own, e.g. in tests or a custom orchestration).
 */
export type * from './contract'
export { createTableClient } from './table-client'
export { createSyncContext, type ContextTimers, type ExclusiveLock, type SyncContext, type SyncContextOptions, type TryLock, type TryLockResult } from './context'
export { discardOperation, retryOperation } from './queue-actions'
export { push, recoverInflight, type PushDeps } from './push'
export { failedRetryDelay, type FailedBackoff } from './push-failed'
export { pull, DEFAULT_PULL_PAGE_SIZE, type PullDeps } from './pull'
export { purge } from './purge'
export { listConflicts, observeConflicts, resolveConflict } from './conflicts'
export { listWatermarks, observeWatermarks } from './watermarks'
