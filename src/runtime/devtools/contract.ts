// The contract between the app and the DevTools panel of nuxt-offline-sync (the "Offline Sync" tab). The panel is
// its own Nuxt app in an iframe (root nuxt.config.ts, client/); it reaches the running app through the host
// NuxtApp: `nuxtApp.$offlineSyncDevtools` (this bridge, added by a development-only client plugin) and the typed
// runtime hook `offline-sync:devtools:changed`. Both sides import these types and constants; nothing else crosses
// the frame. Plain data only: the panel copies every snapshot into its own refs (reactivity does not cross frames).
import type { StorageInfo } from '../browser/storage-manager'
import type { QueuedOperation } from '../core/operation'
import type { ConflictRecord, PurgeOptions, Resolution, SyncActivity } from '../core/sync/contract'
import type { StoreStatus, SyncErrorInfo } from '../stores/sync-state'

/** Name of the custom DevTools tab. */
export const DEVTOOLS_TAB_NAME = 'offline-sync'
/** Route of the panel app on the app's dev server (its `app.baseURL`, without the trailing slash). */
export const DEVTOOLS_ROUTE = '/__offline-sync'
/** The tab's icon, served by the panel (client/public/icon.svg): DevTools shows a path as an image, no icon set to fetch. */
export const DEVTOOLS_TAB_ICON = `${DEVTOOLS_ROUTE}/icon.svg`
/** Port of the panel's own dev server while developing this repository (`nuxi dev` at the root). */
export const DEVTOOLS_DEV_PORT = 3030
/** Bumped when the bridge changes incompatibly; the panel refuses other versions. */
export const DEVTOOLS_BRIDGE_VERSION = 1

/** Who holds the cross-tab sync lock (`offline-sync:<databaseName>`, Web Locks). */
export type DevtoolsLockHolder = 'this-tab' | 'other-tab' | 'free' | 'unknown'

/** One declared table, as the local store has it now. */
export interface DevtoolsTableInfo {
  name: string
  /** Local rows. */
  rows: number
  /** Queued operations of the table, whatever their state. */
  pending: number
}

/** One named query: its declaration and what its incremental pulls have done. */
export interface DevtoolsQueryInfo {
  name: string
  table: string
  filter?: string
  /** Newest `updatedAt` stored (`WatermarkRecord.updatedAt`); absent before the first pull. */
  watermark?: string
  /** Epoch ms of the last completed pull. */
  lastPullAt?: number
  /** Rows received by the last pull. */
  rowsPulled?: number
}

/** Everything the panel shows, read at `at` (epoch ms). */
export interface DevtoolsSnapshot {
  at: number
  databaseName: string
  /** The backend URL pushes and pulls go to. */
  backend: string
  online: boolean
  activity: SyncActivity
  lastPush?: NonNullable<StoreStatus['lastPush']>
  lastPull?: NonNullable<StoreStatus['lastPull']>
  lastError?: SyncErrorInfo
  nextRetryAt?: number
  lock: DevtoolsLockHolder
  /** The whole queue, in queue order. */
  operations: QueuedOperation[]
  /** Conflicts waiting for a resolution, oldest first. */
  conflicts: ConflictRecord[]
  tables: DevtoolsTableInfo[]
  queries: DevtoolsQueryInfo[]
  /**
   * The origin's storage (`navigator.storage`): `usage` and `quota` in bytes, `persisted`; a field is absent where the
   * browser does not tell. Added within version 1: absent from an app from before it.
   */
  storage?: StorageInfo
  /** Message of the last failure to read the local store for this snapshot, if any. */
  error?: string
}

/** What the panel may do. Every action resolves when the app's sync context has done it, or rejects with its error. */
export interface OfflineSyncDevtoolsBridge {
  readonly version: typeof DEVTOOLS_BRIDGE_VERSION
  /** Reads the current state (the whole queue included). */
  snapshot(): Promise<DevtoolsSnapshot>
  /** Pushes the whole queue now. */
  push(): Promise<void>
  /** Makes a `failed` operation `pending` again. */
  retryOperation(seq: number): Promise<void>
  /** Drops a `pending` or `failed` operation. */
  discardOperation(seq: number): Promise<void>
  /** Resolves a conflict (keep mine = `client`, keep theirs = `server`, `merge` with an edited item, `discard`). */
  resolve(conflictId: string, resolution: Resolution): Promise<void>
  /** Pulls one named query now. */
  pullQuery(name: string): Promise<void>
  /** Purges a table's local rows (`force` also drops its queued operations and conflicts). */
  purge(table: string, options?: Pick<PurgeOptions, 'force'>): Promise<void>
  /**
   * The body a push would send now for an insert or update of `itemId` (they carry none: push reads the row then):
   * the local row's declared columns, without its system columns. `undefined` when the table has no such row (push
   * then drops the operation: a later delete covers it). Added within version 1: the panel copes with an app
   * without it.
   */
  payload?(table: string, itemId: string): Promise<Record<string, unknown> | undefined>
}

/**
 * The development-only runtime hook the bridge calls when the state may have changed (queue, conflicts, watermarks,
 * rows, status, network, named queries): at most every 100 ms, and only from the bridge's first `snapshot()` on (the
 * panel connecting), so take a snapshot when you subscribe. It carries no data: call `snapshot()` again.
 */
export interface OfflineSyncDevtoolsHooks {
  'offline-sync:devtools:changed': () => void
}
