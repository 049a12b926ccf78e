import { computed, customRef, onScopeDispose, shallowRef, watch, type Ref } from 'vue'
import { defineStore } from 'pinia'
import { useOnline } from '@vueuse/core'
import { useNuxtApp } from '#imports'
import type { QueuedOperation } from '../core/operation'
import type { SyncClient } from '../core/sync-client'
import type { AppSyncContext } from '../app-context'
import type { ConflictRecord, NamedQuery, PullResult, PurgeOptions, PushResult, Resolution, SyncActivity, SyncStatus, WatermarkRecord } from '../core/sync/contract'
import { afterHydration } from '../composables/afterHydration'
import type { SyncTableName } from '../types'
import { errorInfo, storeStatus, type StoreStatus, type SyncProgress } from './sync-state'
import { createStorageState } from './storage-state'

/**
 * The context's named queries as a ref of the store's state that only the context changes: it follows every
 * `addQuery`/`removeQuery` until the store's scope ends, and ignores writes (Pinia's hydration from the server's
 * payload, `$patch`, the DevTools), so it is never out of step with what the context pulls.
 */
function followQueries(context: AppSyncContext): Ref<Record<string, NamedQuery>> {
  let current = context.queries()
  return customRef((track, trigger) => {
    onScopeDispose(context.subscribeQueries((next) => {
      current = next
      trigger()
    }))
    return {
      get() {
        track()
        return current
      },
      set() {},
    }
  })
}

/**
 * The sync state of the app, for components and the DevTools tab; its state is serialisable. The browser's
 * state (network, queue, conflicts, watermarks, sync status) is read on the client only and only after
 * hydration, so the first client render matches the server's (online, nothing queued, idle).
 * Its actions run on the app's sync context (`useSyncContext()`): one push, pull or purge at a time.
 */
export const useSyncStore = defineStore('offline-sync', () => {
  const nuxtApp = useNuxtApp()
  const context = nuxtApp.$offlineSyncContext as AppSyncContext
  /** Whether the browser reports a network connection (`navigator.onLine`); `true` on the server. */
  const online = shallowRef(true)
  /**
   * The first queued local changes, in queue order (at most `QUEUE_HEAD_SIZE`, 100): enough for a status view,
   * and a write costs the same however long the queue is. The whole queue: `useSyncClient().operations()`.
   */
  const operations = shallowRef<QueuedOperation[]>([])
  /** Number of queued operations, whatever their state. */
  const pendingCount = shallowRef(0)
  /** Message of the last failure to read the local store (queue, conflicts, watermarks; e.g. a `StorageError`), until the queue is read again. */
  const error = shallowRef<string>()
  /** Conflicts waiting for a resolution (`resolve`), oldest first. */
  const conflicts = shallowRef<ConflictRecord[]>([])
  /** The watermark of every incremental (named) pull. */
  const watermarks = shallowRef<WatermarkRecord[]>([])
  /** What the sync context does now: `idle`, or a push/pull (with its progress) or purge. */
  const activity = shallowRef<SyncActivity>({ kind: 'idle' })
  /** The last push, with its result (pushed, conflicts, errors, `stopped` when the network/auth/server stopped it). */
  const lastPush = shallowRef<StoreStatus['lastPush']>()
  /** The last pull (or pulls of `pullAll`/`sync`), with each table's result. */
  const lastPull = shallowRef<StoreStatus['lastPull']>()
  /** The last error of a push, pull or purge (cleared by the next success), as plain data. */
  const lastError = shallowRef<StoreStatus['lastError']>()
  /** Epoch ms of the next automatic retry after a stopped push or failed pull, when one is scheduled. */
  const nextRetryAt = shallowRef<number>()
  /**
   * The named queries of the context (the `queries` option, plus `addQuery` here or on `useSyncContext()`): pulled
   * on start, on reconnect and by `sync()`. Queries added at run time are not stored: add them again at start-up.
   */
  const queries = followQueries(context)
  /**
   * The origin's storage (`navigator.storage`): `usage` and `quota` in bytes, and `persisted` (kept under storage
   * pressure; see the `sync.persistentStorage` option). Read after hydration and after each push, pull or purge;
   * `refreshStorage()` reads it now. `{}` on the server and where the browser does not tell.
   */
  const { storage, refreshStorage, followActivity } = createStorageState()

  /** Whether a push, pull or purge is running. */
  const syncing = computed(() => activity.value.kind !== 'idle')
  /** The running push (`done` of `total` operations) or pull (`rows` and `pages` so far); `undefined` otherwise. */
  const progress = computed<SyncProgress | undefined>(() => {
    const now = activity.value
    return now.kind === 'push' || now.kind === 'pull' ? now : undefined
  })

  function applyStatus(status: SyncStatus): void {
    const next = storeStatus(status)
    followActivity(next.activity)
    activity.value = next.activity
    lastPush.value = next.lastPush
    lastPull.value = next.lastPull
    lastError.value = next.lastError
    nextRetryAt.value = next.nextRetryAt
  }

  if (import.meta.client) {
    const client = nuxtApp.$offlineSync as SyncClient
    const network = useOnline()
    const unsubscribes: (() => void)[] = []
    let hydrated = false
    let disposed = false
    watch(network, (value) => {
      if (hydrated) online.value = value
    })
    afterHydration(nuxtApp, () => {
      if (disposed) return
      hydrated = true
      online.value = network.value
      unsubscribes.push(client.observeQueue().subscribe((next) => {
        operations.value = next.head
        pendingCount.value = next.count
        error.value = undefined
      }, (e) => {
        error.value = errorInfo(e).message
      }))
      unsubscribes.push(context.observeConflicts().subscribe((next) => {
        conflicts.value = next
      }, (e) => {
        error.value = errorInfo(e).message
      }))
      unsubscribes.push(context.observeWatermarks().subscribe((next) => {
        watermarks.value = next
      }, (e) => {
        error.value = errorInfo(e).message
      }))
      unsubscribes.push(context.subscribeStatus(applyStatus))
      applyStatus(context.status())
      void refreshStorage()
    })
    onScopeDispose(() => {
      disposed = true
      for (const unsubscribe of unsubscribes.splice(0)) unsubscribe()
    })
  }

  /** Pushes the whole queue; rejects with `OfflineError` at once while offline. A stopped push resolves (see `stopped`) and retries on its own. */
  function push(): Promise<PushResult> {
    return context.push()
  }
  /** Pulls `table`; with a `queryName`, incrementally (a named query of the table brings its filter when `filter` is omitted). */
  function pull(table: SyncTableName, queryName?: string, filter?: string): Promise<PullResult> {
    return context.pull(table, queryName, filter)
  }
  /** Pulls every named query, in declaration order. */
  function pullAll(): Promise<PullResult[]> {
    return context.pullAll()
  }
  /** Pushes, then pulls every named query. */
  function sync(): Promise<{ push: PushResult, pulls: PullResult[] }> {
    return context.sync()
  }
  /** Removes the local rows of `table` (all, or those `filter` accepts) and resets its watermarks; `PendingOperationsError` while it has queued operations, unless `force`. */
  function purge(table: SyncTableName, options?: PurgeOptions): Promise<void> {
    return context.purge(table, options)
  }
  /** Ends a conflict: `{ choice: 'client' | 'server' | 'discard' }` or `{ choice: 'merge', item }`. */
  function resolve(conflict: ConflictRecord | string, resolution: Resolution): Promise<void> {
    return context.resolve(typeof conflict === 'string' ? conflict : conflict.id, resolution)
  }
  /** Makes a `failed` operation (see `operations`) `pending`: the next push sends it. `QueueStateError` when it is not `failed`. */
  function retryOperation(operation: QueuedOperation | number): Promise<void> {
    return context.retryOperation(typeof operation === 'number' ? operation : operation.seq)
  }
  /**
   * Drops a `pending` or `failed` operation: a discarded insert removes the local row, a discarded delete brings the
   * row back, a discarded update leaves the row as it is until a pull without a query name. `QueueStateError` for
   * one being pushed or in conflict (resolve that one).
   */
  function discardOperation(operation: QueuedOperation | number): Promise<void> {
    return context.discardOperation(typeof operation === 'number' ? operation : operation.seq)
  }
  /**
   * Adds or replaces a named query (pulled from now on by `pullAll`, `sync`, reconnects and the interval). It lives
   * as long as the page: add it again when the app starts. `UnknownTableError`/`ValidationError` when refused.
   */
  function addQuery(name: string, query: NamedQuery): void {
    context.addQuery(name, query)
  }
  /** Stops pulling a named query (its watermark and rows stay until a purge). */
  function removeQuery(name: string): void {
    context.removeQuery(name)
  }

  return {
    online, operations, pendingCount, error,
    conflicts, watermarks, activity, lastPush, lastPull, lastError, nextRetryAt, queries, storage,
    syncing, progress,
    push, pull, pullAll, sync, purge, resolve, retryOperation, discardOperation, addQuery, removeQuery, refreshStorage,
  }
})
