import type { StorageInfo } from '../browser/storage-manager'
import type { QueuedOperation } from '../core/operation'
import { CONFLICTS_TABLE, OPERATIONS_TABLE, WATERMARKS_TABLE } from '../core/store'
import type { SyncClient } from '../core/sync-client'
import type { SyncContext } from '../core/sync/context'
import type { ConflictRecord, WatermarkRecord } from '../core/sync/contract'
import { watermarkId } from '../core/sync/watermarks'
import { errorInfo, storeStatus } from '../stores/sync-state'
import type { DevtoolsLockHolder, DevtoolsSnapshot, DevtoolsTableInfo } from './contract'

/** What the snapshot reads the app's state from. */
export interface SnapshotSource {
  client: SyncClient
  context: SyncContext
  databaseName: string
  backend: string
  /** Who holds the cross-tab sync lock (see `createLockProbe`). */
  lock: () => Promise<DevtoolsLockHolder>
  /** The origin's storage figures (see `readStorageInfo`); none without it. */
  storage?: () => Promise<StorageInfo>
  /** @default Date.now */
  now?: () => number
}

interface LocalState {
  operations: QueuedOperation[]
  conflicts: ConflictRecord[]
  watermarks: WatermarkRecord[]
  tables: DevtoolsTableInfo[]
}

/** The queue, conflicts, watermarks and row counts, in ONE read-only transaction: a consistent picture. */
function readLocal(client: SyncClient): Promise<LocalState> {
  const names = Object.keys(client.tables)
  return client.store.transaction('readonly', [...names, OPERATIONS_TABLE, CONFLICTS_TABLE, WATERMARKS_TABLE], async (tx) => {
    const operations = await tx.query<QueuedOperation>(OPERATIONS_TABLE)
    const conflicts = await tx.query<ConflictRecord>(CONFLICTS_TABLE, { orderBy: 'operationSeq' })
    const watermarks = await tx.query<WatermarkRecord>(WATERMARKS_TABLE)
    const pending = new Map<string, number>()
    for (const operation of operations) pending.set(operation.table, (pending.get(operation.table) ?? 0) + 1)
    const tables: DevtoolsTableInfo[] = []
    for (const name of names) tables.push({ name, rows: await tx.count(name), pending: pending.get(name) ?? 0 })
    return { operations, conflicts, watermarks, tables }
  })
}

/**
 * Everything the panel shows, as plain data: the context's status (errors as `SyncErrorInfo`), the local store
 * (whole queue, conflicts, per-table counts) and each named query with its watermark. A failed read of the local
 * store still answers, with the status, empty lists and `error`.
 */
export async function readSnapshot(source: SnapshotSource): Promise<DevtoolsSnapshot> {
  const { client, context } = source
  const status = context.status()
  const plain = storeStatus(status)
  const [lock, storage, local] = await Promise.all([
    source.lock(),
    source.storage?.(),
    readLocal(client).then(value => ({ value }), (error: unknown) => ({ error: errorInfo(error).message })),
  ])
  const state: LocalState = 'value' in local ? local.value : { operations: [], conflicts: [], watermarks: [], tables: [] }
  const watermarks = new Map(state.watermarks.map(record => [record.id, record]))
  const queries = Object.entries(context.queries()).map(([name, query]) => {
    const watermark = watermarks.get(watermarkId(query.table, name))
    return {
      name,
      table: query.table,
      ...query.filter === undefined ? {} : { filter: query.filter },
      ...watermark ? { watermark: watermark.updatedAt, lastPullAt: watermark.pulledAt, rowsPulled: watermark.rows } : {},
    }
  })
  return {
    at: (source.now ?? Date.now)(),
    databaseName: source.databaseName,
    backend: source.backend,
    online: status.online,
    activity: plain.activity,
    ...plain.lastPush ? { lastPush: plain.lastPush } : {},
    ...plain.lastPull ? { lastPull: plain.lastPull } : {},
    ...plain.lastError ? { lastError: plain.lastError } : {},
    ...plain.nextRetryAt === undefined ? {} : { nextRetryAt: plain.nextRetryAt },
    lock,
    operations: state.operations,
    conflicts: state.conflicts,
    tables: state.tables,
    queries,
    ...storage ? { storage } : {},
    ...'error' in local ? { error: local.error } : {},
  }
}
