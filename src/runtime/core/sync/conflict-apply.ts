import type { QueuedOperation } from '../operation'
import type { TableDefinition } from '../schema'
import { CONFLICTS_TABLE, OPERATIONS_TABLE, type Row, type StoreTx } from '../store'
import type { ConflictRecord } from './contract'
import { toLocalRow } from './server-item'

/** A resolution ready to write: a merge carries its validated user column values. */
export type CheckedResolution
  = | { choice: 'client' | 'server' | 'discard' }
    | { choice: 'merge', values: Record<string, unknown> }

/** The server's system columns as a local row holds them (none when the conflict carried no server item). */
function serverSystemColumns(definition: TableDefinition, conflict: ConflictRecord): Partial<Row> {
  if (!conflict.serverItem) return {}
  const { version, updatedAt, createdAt } = toLocalRow(definition, conflict.serverItem)
  const columns: Partial<Row> = {}
  if (version !== undefined) columns.version = version
  if (updatedAt !== undefined) columns.updatedAt = updatedAt
  if (createdAt !== undefined) columns.createdAt = createdAt
  return columns
}

/** `operation` against the server's version (`If-Match`), or without one when the server sent none. */
function withVersion(operation: QueuedOperation, version: unknown): QueuedOperation {
  const next: QueuedOperation = { ...operation }
  if (typeof version === 'string') next.version = version
  else delete next.version
  // what was sent against the version before is settled by the resolution: this version is the new base
  delete next.sent
  return next
}

/** The operation pushed again with the server's version (see `withVersion`). */
function requeued(operation: QueuedOperation, kind: QueuedOperation['kind'], version: unknown, now: number): QueuedOperation {
  const next: QueuedOperation = { ...withVersion(operation, version), kind, state: 'pending', updatedAt: now }
  delete next.lastError
  return next
}

/**
 * The item's operations queued after the conflicted one (changes made while it was in flight, appended) take the
 * server's version too: they were queued against the version the conflict replaced, and would meet a second
 * 412 when the conflicted operation does not reach the server before them (dropped because the row was deleted
 * locally meanwhile, or refused). A later delete's snapshot takes the version as well.
 */
async function rebaseLaterOperations(tx: StoreTx, conflict: ConflictRecord, version: unknown): Promise<void> {
  const operations = await tx.query<QueuedOperation>(OPERATIONS_TABLE, { where: { table: conflict.table, itemId: conflict.itemId } })
  for (const operation of operations) {
    if (operation.seq <= conflict.operationSeq) continue
    const next = withVersion(operation, version)
    if (next.item) {
      next.item = { ...next.item }
      if (typeof version === 'string') next.item.version = version
      else delete next.item.version
    }
    await tx.put(OPERATIONS_TABLE, next)
  }
}

/**
 * Whether the server deleted the conflict's item: its server item is `deleted`, or an update answered 404/410
 * without one (deleted for good). Keeping my row then means re-creating it on the server.
 */
export function deletedOnServer(conflict: ConflictRecord): boolean {
  if (conflict.serverItem) return conflict.serverItem.deleted === true
  return conflict.status === 404 || conflict.status === 410
}

/**
 * What pushes my row again: an update of the server's row, or, when the server deleted it, an insert (a
 * re-creation: with the deleted row's version push undeletes it, without one it `POST`s the row).
 */
function pushKind(conflict: ConflictRecord): 'insert' | 'update' {
  return deletedOnServer(conflict) ? 'insert' : 'update'
}

/** Drops every queued operation of the conflict's item and every conflict recorded for them. */
async function dropItemOperations(tx: StoreTx, conflict: ConflictRecord): Promise<void> {
  const operations = await tx.query<QueuedOperation>(OPERATIONS_TABLE, { where: { table: conflict.table, itemId: conflict.itemId } })
  await tx.bulkDelete(OPERATIONS_TABLE, operations.map(operation => operation.seq))
  await tx.bulkDelete(CONFLICTS_TABLE, [...new Set([conflict.id, ...operations.map(operation => String(operation.seq))])])
}

/**
 * Writes a resolution inside `tx` (scope: the conflict's table, `_operations`, `_conflicts`); the caller has
 * checked that `conflict` is stored. See `Resolution` in contract.ts for what each choice means.
 * - client: the local row takes the server's `version`; the operation becomes `pending` with it (an insert that
 *   met an existing id becomes an update; a delete stays a delete), and so do the item's later operations.
 * - server: every operation of the item goes; the server's item is stored (deleted or absent: the row goes).
 * - merge: the local row = the server's item (or, without one, the local row) overlaid with the merged values,
 *   with the server's system columns; the operation becomes a `pending` update with the server's version, and the
 *   item's later operations take that version too.
 * - discard: every operation of the item goes, and the local row.
 * When the server deleted the item (`deletedOnServer`), client and merge make the operation an insert instead
 * (with the deleted row's version when there is one): push re-creates the item (see push-recreate.ts).
 */
export async function applyResolution(tx: StoreTx, definition: TableDefinition, conflict: ConflictRecord, resolution: CheckedResolution, now: number): Promise<void> {
  const { table, itemId } = conflict
  const operation = await tx.get<QueuedOperation>(OPERATIONS_TABLE, conflict.operationSeq)
  const system = serverSystemColumns(definition, conflict)
  switch (resolution.choice) {
    case 'server': {
      await dropItemOperations(tx, conflict)
      const server = conflict.serverItem
      if (!server || server.deleted === true) await tx.delete(table, itemId)
      else await tx.put(table, toLocalRow(definition, server))
      return
    }
    case 'discard':
      await dropItemOperations(tx, conflict)
      await tx.delete(table, itemId)
      return
    case 'client': {
      await tx.delete(CONFLICTS_TABLE, conflict.id)
      if (!operation) return
      if (operation.kind !== 'delete') {
        const row = await tx.get(table, itemId)
        if (row) {
          const next: Row = { ...row }
          if (system.version === undefined) delete next.version
          else next.version = system.version
          await tx.put(table, next)
        }
      }
      await tx.put(OPERATIONS_TABLE, requeued(operation, operation.kind === 'delete' ? 'delete' : pushKind(conflict), system.version, now))
      await rebaseLaterOperations(tx, conflict, system.version)
      return
    }
    case 'merge': {
      await tx.delete(CONFLICTS_TABLE, conflict.id)
      const base: Row = conflict.serverItem && conflict.serverItem.deleted !== true
        ? toLocalRow(definition, conflict.serverItem)
        : { ...(await tx.get(table, itemId) ?? conflict.clientItem ?? {}), id: itemId }
      const row: Row = { ...base, ...resolution.values, ...system, id: itemId, deleted: false }
      await tx.put(table, row)
      if (operation) await tx.put(OPERATIONS_TABLE, requeued(operation, pushKind(conflict), system.version, now))
      await rebaseLaterOperations(tx, conflict, system.version)
      return
    }
  }
}
