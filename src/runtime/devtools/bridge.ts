// The app's side of the DevTools panel (development only): plugins/devtools.client.ts creates it and provides it as
// `$offlineSyncDevtools`; nothing of the always-on runtime imports this folder. Framework-light: the sync client and
// context in, the contract's bridge out.
import type { AppSyncContext } from '../app-context'
import { readStorageInfo, type StorageInfo } from '../browser/storage-manager'
import { UnknownTableError, ValidationError } from '../core/errors'
import { SYSTEM_TABLES } from '../core/store'
import type { SyncClient } from '../core/sync-client'
import { toServerBody } from '../core/sync/server-item'
import { DEVTOOLS_BRIDGE_VERSION, type OfflineSyncDevtoolsBridge } from './contract'
import { createLockProbe, type LockQuery } from './lock-holder'
import { readSnapshot } from './snapshot'

export interface DevtoolsBridgeOptions {
  client: SyncClient
  context: AppSyncContext
  databaseName: string
  /** The backend URL pushes and pulls go to, as shown in the panel. */
  backend: string
  /** Told, at most once per `throttleMs`, that the state may have changed (the plugin calls `offline-sync:devtools:changed`). */
  onChange: () => void
  /** @default 100 */
  throttleMs?: number
  /** The Web Locks the lock holder is read from. @default navigator.locks */
  locks?: LockQuery
  /** Reads the origin's storage figures. @default readStorageInfo (navigator.storage) */
  storage?: () => Promise<StorageInfo>
}

export interface DevtoolsBridgeHandle {
  bridge: OfflineSyncDevtoolsBridge
  /** Stops following the state (the app unmounts). */
  dispose(): void
}

/**
 * Follows everything the panel shows: every table's count (the local store's live query re-runs on any write to a
 * table it read: the queue, conflicts, watermarks, rows, other tabs' writes included), the context's status (activity,
 * results, errors, network) and its named queries. Calls `notify` once per `ms` at most.
 */
function followChanges(client: SyncClient, context: AppSyncContext, notify: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  const changed = () => {
    timer ??= setTimeout(() => {
      timer = undefined
      notify()
    }, ms)
  }
  const tables = [...Object.keys(client.tables), ...SYSTEM_TABLES]
  const stops = [
    client.store.observe(tx => Promise.all(tables.map(table => tx.count(table)))).subscribe(changed, changed),
    context.subscribeStatus(changed),
    context.subscribeQueries(changed),
  ]
  return () => {
    for (const stop of stops) stop()
    clearTimeout(timer)
  }
}

/**
 * The bridge of the contract over the app's sync client and context. It starts following the state with the first
 * `snapshot()` (the panel connecting), so an app whose panel is never opened pays nothing. Every action is the
 * context's own: serialised, locked across tabs, reflected in its status.
 */
export function createDevtoolsBridge(options: DevtoolsBridgeOptions): DevtoolsBridgeHandle {
  const { client, context } = options
  const lock = createLockProbe(`offline-sync:${options.databaseName}`, () => context.status().activity.kind !== 'idle', options.locks)
  const storage = options.storage ?? (() => readStorageInfo())
  let stop: (() => void) | undefined
  let disposed = false

  const bridge: OfflineSyncDevtoolsBridge = {
    version: DEVTOOLS_BRIDGE_VERSION,
    snapshot() {
      if (!stop && !disposed) stop = followChanges(client, context, options.onChange, options.throttleMs ?? 100)
      return readSnapshot({ client, context, databaseName: options.databaseName, backend: options.backend, lock, storage })
    },
    async push() {
      await context.push()
    },
    retryOperation: seq => context.retryOperation(seq),
    discardOperation: seq => context.discardOperation(seq),
    resolve: (conflictId, resolution) => context.resolve(conflictId, resolution),
    async pullQuery(name) {
      const queries = context.queries()
      if (!Object.hasOwn(queries, name)) throw new ValidationError('queries', name, 'no such named query')
      await context.pull(queries[name]!.table, name)
    },
    purge: (table, purgeOptions) => context.purge(table, { force: purgeOptions?.force === true }),
    async payload(table, itemId) {
      if (!Object.hasOwn(client.tables, table)) throw new UnknownTableError(table)
      const row = await client.store.transaction('readonly', [table], tx => tx.get(table, itemId))
      return row ? toServerBody(client.tables[table]!, row) : undefined
    },
  }
  return {
    bridge: Object.freeze(bridge),
    dispose() {
      disposed = true
      stop?.()
      stop = undefined
    },
  }
}
