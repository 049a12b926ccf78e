import type { QueuedOperation } from '../operation'
import type { TableDefinition } from '../schema'
import { CONFLICTS_TABLE, OPERATIONS_TABLE, type Row, type StoreTx } from '../store'
import type { ConflictRecord, PushStopReason, ServerItem } from './contract'
import type { PushOutcome } from './push-outcome'
import { toLocalRow, toServerBody } from './server-item'

/** An operation marked `inflight`, with the body read from its row in the same transaction. */
export interface PreparedOperation {
  operation: QueuedOperation
  definition: TableDefinition
  /** What insert/update send: the row as it was when the operation was marked. */
  body?: Record<string, unknown> & { id: string }
}

/** What `prepareOperation` decided for one queued operation. */
export type Preparation
  = | { type: 'send', prepared: PreparedOperation }
    /** Gone from the queue meanwhile (collapsed away), or its insert/update row is gone: nothing to send. */
    | { type: 'dropped' }
    /** In `conflict` or already `inflight`: it and the later operations of its item wait. */
    | { type: 'blocked' }

/**
 * Marks one operation `inflight` (attempts + 1) inside `tx` (scope: its table and `_operations`), re-reading it
 * so that a collapse since the queue was read is seen. An insert/update whose local row no longer exists is
 * removed from the queue: the row was deleted locally, and that delete is queued after it (its `DELETE` covers
 * an insert an earlier attempt may have applied; a 404 then counts as success).
 */
export async function prepareOperation(tx: StoreTx, seq: number, definition: TableDefinition, now: number): Promise<Preparation> {
  const operation = await tx.get<QueuedOperation>(OPERATIONS_TABLE, seq)
  if (!operation) return { type: 'dropped' }
  if (operation.state === 'conflict' || operation.state === 'inflight') return { type: 'blocked' }
  let body: PreparedOperation['body']
  if (operation.kind !== 'delete') {
    const row = await tx.get(operation.table, operation.itemId)
    if (!row) {
      await tx.delete(OPERATIONS_TABLE, seq)
      return { type: 'dropped' }
    }
    body = toServerBody(definition, row)
  }
  const inflight: QueuedOperation = { ...operation, state: 'inflight', attempts: operation.attempts + 1, updatedAt: now }
  await tx.put(OPERATIONS_TABLE, inflight)
  return { type: 'send', prepared: { operation: inflight, definition, body } }
}

/** The operations of one item in queue order. */
export async function operationsOfItem(tx: StoreTx, table: string, itemId: string): Promise<QueuedOperation[]> {
  return tx.query<QueuedOperation>(OPERATIONS_TABLE, { where: { table, itemId } })
}

/** Copies the server's system columns (from `toLocalRow`) onto a local row, keeping its values. */
function withSystemColumns(row: Row, server: Row): Row {
  const next: Row = { ...row }
  for (const column of ['version', 'updatedAt', 'createdAt'] as const) {
    if (server[column] !== undefined) next[column] = server[column]
  }
  return next
}

/**
 * The server accepted the operation: drop it; store the server's item when no later operation of the item
 * exists (a deleted or absent item removes the row), else copy only its system columns onto the local row and
 * give the later operations the new version (they were queued against the version before this push).
 * An insert/update that is no longer `inflight` was handed back to `pending` meanwhile (another tab's
 * `recoverInflight`), so local edits may have been collapsed into it: it stays, as an update of the new version.
 */
async function settleSuccess(tx: StoreTx, prepared: PreparedOperation, item: ServerItem | undefined): Promise<void> {
  const { operation, definition } = prepared
  const { table, itemId, seq } = operation
  const handedBack = operation.state !== 'inflight' && operation.kind !== 'delete'
  if (!handedBack) await tx.delete(OPERATIONS_TABLE, seq)
  await tx.delete(CONFLICTS_TABLE, String(seq))
  const later = (await operationsOfItem(tx, table, itemId)).filter(other => other.seq !== seq || handedBack)
  if (later.length === 0) {
    if (operation.kind === 'delete' || !item || item.deleted === true) await tx.delete(table, itemId)
    else await tx.put(table, toLocalRow(definition, item))
    return
  }
  if (!item) return
  const server = toLocalRow(definition, item)
  const row = await tx.get(table, itemId)
  if (row) await tx.put(table, withSystemColumns(row, server))
  for (const next of later) {
    const updated: QueuedOperation = { ...next }
    if (updated.kind === 'insert') updated.kind = 'update'
    if (typeof server.version === 'string') updated.version = server.version
    else delete updated.version
    if (updated.item) updated.item = withSystemColumns(updated.item, server)
    await tx.put(OPERATIONS_TABLE, updated)
  }
}

/** What settling one outcome left to report. */
export type Settled
  = | { type: 'success' }
    | { type: 'conflict', record: ConflictRecord }
    | { type: 'failed', operation: QueuedOperation, status?: number, message: string }
    | { type: 'stop', reason: PushStopReason, error: Error }
    | { type: 'gone' }

/**
 * Writes one outcome inside `tx` (scope: the operation's table, `_operations`, `_conflicts`): success as
 * above; a conflict sets the state `conflict` and records both sides; an item error sets `failed`; a stop puts
 * the operation back to `pending` (its attempts stay counted).
 */
export async function settleOutcome(tx: StoreTx, prepared: PreparedOperation, outcome: PushOutcome, now: number): Promise<Settled> {
  const { seq, table, itemId, kind } = prepared.operation
  const operation = await tx.get<QueuedOperation>(OPERATIONS_TABLE, seq)
  if (!operation) return { type: 'gone' }
  if (outcome.type === 'success') {
    await settleSuccess(tx, { ...prepared, operation }, outcome.item)
    return { type: 'success' }
  }
  if (outcome.type === 'stop') {
    await tx.put(OPERATIONS_TABLE, { ...operation, state: 'pending', lastError: { message: outcome.error.message }, updatedAt: now })
    return { type: 'stop', reason: outcome.reason, error: outcome.error }
  }
  if (outcome.type === 'failed') {
    const lastError = outcome.status === undefined ? { message: outcome.message } : { status: outcome.status, message: outcome.message }
    const failed: QueuedOperation = { ...operation, state: 'failed', lastError, updatedAt: now }
    await tx.put(OPERATIONS_TABLE, failed)
    return { type: 'failed', operation: failed, status: outcome.status, message: outcome.message }
  }
  await tx.put(OPERATIONS_TABLE, { ...operation, state: 'conflict', lastError: { status: outcome.status, message: outcome.message }, updatedAt: now })
  const clientItem = kind === 'delete' ? operation.item : await tx.get(table, itemId)
  const record: ConflictRecord = {
    id: String(seq),
    table,
    itemId,
    operationSeq: seq,
    kind,
    status: outcome.status,
    clientItem,
    serverItem: outcome.serverItem,
    createdAt: now,
  }
  await tx.put(CONFLICTS_TABLE, record)
  return { type: 'conflict', record }
}
