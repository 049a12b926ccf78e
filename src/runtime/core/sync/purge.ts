import { PendingOperationsError, UnknownTableError, ValidationError } from '../errors'
import type { QueuedOperation } from '../operation'
import { CONFLICTS_TABLE, OPERATIONS_TABLE, WATERMARKS_TABLE, type Row } from '../store'
import type { SyncClient } from '../sync-client'
import type { ConflictRecord, PurgeOptions } from './contract'
import { resetWatermarks } from './watermarks'

/**
 * Removes local rows of `table` (all, or those `options.filter` accepts) and resets every watermark of the
 * table, so that its next pulls bring the server's rows back. While the table has queued operations (any state)
 * it refuses with `PendingOperationsError` and changes nothing, unless `options.force`: then every operation of
 * the table and its conflicts are dropped too (also those of rows the filter keeps). One transaction: all of it
 * or nothing. Local only: nothing is sent to the server.
 */
export async function purge(client: SyncClient, table: string, options: PurgeOptions = {}): Promise<void> {
  if (!Object.hasOwn(client.tables, table)) throw new UnknownTableError(table)
  const { filter, force = false } = options
  if (filter !== undefined && typeof filter !== 'function') {
    throw new ValidationError(table, '', `a purge filter is a function (row) => boolean, got ${typeof filter}`)
  }
  await client.store.transaction('readwrite', [table, OPERATIONS_TABLE, CONFLICTS_TABLE, WATERMARKS_TABLE], async (tx) => {
    const operations = await tx.query<QueuedOperation>(OPERATIONS_TABLE, { where: { table } })
    if (operations.length && !force) throw new PendingOperationsError(table, operations.length)
    if (force) {
      if (operations.length) await tx.bulkDelete(OPERATIONS_TABLE, operations.map(operation => operation.seq))
      const conflicts = await tx.query<ConflictRecord>(CONFLICTS_TABLE, { where: { table } })
      if (conflicts.length) await tx.bulkDelete(CONFLICTS_TABLE, conflicts.map(conflict => conflict.id))
    }
    await resetWatermarks(tx, table)
    if (!filter) return tx.clear(table)
    const doomed = await tx.query<Row>(table, { filter })
    if (doomed.length) await tx.bulkDelete(table, doomed.map(row => row.id))
  })
}
