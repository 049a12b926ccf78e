import { ItemNotFoundError, QueueStateError, UnknownTableError } from '../errors'
import type { QueuedOperation } from '../operation'
import { CONFLICTS_TABLE, OPERATIONS_TABLE, type StoreTx } from '../store'
import type { SyncClient } from '../sync-client'

/**
 * The user's (or the DevTools') say over single queued operations: send a failed one again now, or give one up.
 * Each runs in one transaction over the operation's table, `_operations` and `_conflicts`.
 */

/** The stored operation `seq`, checked against the states the action accepts; throws before anything is written. */
function checked(operation: QueuedOperation | undefined, seq: number, action: string, states: readonly QueuedOperation['state'][]): QueuedOperation {
  if (!operation) throw new ItemNotFoundError(OPERATIONS_TABLE, String(seq))
  if (!states.includes(operation.state)) {
    const why = operation.state === 'inflight'
      ? 'it is being pushed'
      : operation.state === 'conflict' ? 'it is in conflict (resolve the conflict instead)' : `it is ${operation.state}`
    throw new QueueStateError(operation.table, operation.itemId, `cannot ${action} operation ${seq}: ${why}`)
  }
  return operation
}

/** Runs `fn` in a write transaction over the table of operation `seq` (read first to know it). */
async function withOperation<T>(client: SyncClient, seq: number, fn: (tx: StoreTx, operation: QueuedOperation | undefined) => Promise<T>): Promise<T> {
  const { store } = client
  const found = await store.transaction('readonly', [OPERATIONS_TABLE], tx => tx.get<QueuedOperation>(OPERATIONS_TABLE, seq))
  if (!found) throw new ItemNotFoundError(OPERATIONS_TABLE, String(seq))
  if (!Object.hasOwn(client.tables, found.table)) throw new UnknownTableError(found.table)
  // read again inside the write: a push or another tab may have changed it meanwhile
  return store.transaction('readwrite', [found.table, OPERATIONS_TABLE, CONFLICTS_TABLE], async tx => fn(tx, await tx.get<QueuedOperation>(OPERATIONS_TABLE, seq)))
}

/**
 * Makes the `failed` operation `seq` `pending` again, so that the next push sends it whatever its backoff (see
 * push-failed.ts); its `attempts` and `lastError` stay. `ItemNotFoundError` (table `_operations`) for an unknown
 * seq, `QueueStateError` for an operation that is not `failed`.
 */
export async function retryOperation(client: SyncClient, seq: number, now: number = Date.now()): Promise<void> {
  await withOperation(client, seq, async (tx, stored) => {
    const operation = checked(stored, seq, 'retry', ['failed'])
    await tx.put(OPERATIONS_TABLE, { ...operation, state: 'pending', updatedAt: now })
  })
}

/**
 * Drops the `pending` or `failed` operation `seq` (one `inflight` is being pushed; one in `conflict` ends with a
 * resolution: both are refused with `QueueStateError`; an unknown seq is an `ItemNotFoundError`). The local row
 * goes back as far as the queue knows it:
 * - an insert: the local row goes, and every later operation of the item with it (they change a row the server
 *   never got from us);
 * - a delete (always the item's last operation): its snapshot of the removed row comes back;
 * - an update: the local row stays as it is. Operations carry no payload, so its values before the update are not
 *   known here; the row keeps the discarded change until the server's row comes back with a pull without a query
 *   name (a named pull brings it only once it changes on the server), or a purge and pull. Later operations of
 *   the item stay queued.
 * An operation that was sent before (`attempts` > 0) may have been applied by the server all the same (a lost
 * answer): the same pulls then bring the server's row back.
 */
export async function discardOperation(client: SyncClient, seq: number): Promise<void> {
  await withOperation(client, seq, async (tx, stored) => {
    const operation = checked(stored, seq, 'discard', ['pending', 'failed'])
    const { table, itemId } = operation
    let dropped = [operation]
    if (operation.kind === 'insert') {
      const later = await tx.query<QueuedOperation>(OPERATIONS_TABLE, { where: { table, itemId } })
      dropped = later.filter(other => other.seq >= seq)
      await tx.delete(table, itemId)
    }
    else if (operation.kind === 'delete' && operation.item && !await tx.get(table, itemId)) {
      await tx.put(table, operation.item)
    }
    await tx.bulkDelete(OPERATIONS_TABLE, dropped.map(other => other.seq))
    await tx.bulkDelete(CONFLICTS_TABLE, dropped.map(other => String(other.seq)))
  })
}
