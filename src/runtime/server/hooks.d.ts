// Types of the table server's runtime hooks on `nitroApp.hooks` (the module references this file).
import type { OfflineSyncHooks } from './types'

export type {
  OfflineSyncHooks,
  SyncAccess,
  SyncAuthenticateContext,
  SyncAuthorizeContext,
  SyncBeforeWriteContext,
  SyncConflictContext,
  SyncFilterContext,
  SyncItem,
  SyncRowFilter,
  SyncUser,
} from './types'

declare module 'nitropack' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface NitroRuntimeHooks extends OfflineSyncHooks {}
}

declare module 'nitropack/types' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface NitroRuntimeHooks extends OfflineSyncHooks {}
}
