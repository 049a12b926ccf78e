import type { QueuedOperation } from '../operation'
import type { TableDefinition } from '../schema'
import { CONFLICTS_TABLE, OPERATIONS_TABLE, type Row, type StoreTx } from '../store'
import type { ConflictRecord, PushStopReason, ServerItem } from './contract'
import { failedRetryDue, type FailedBackoff } from './push-failed'
import type { PushOutcome } from './push-outcome'
import { fingerprint, withSent } from './push-sent'
import { toLocalRow, toServerBody } from './server-item'

/** An operation marked `inflight`, with the body read from its row in the same transaction. */
export interface PreparedOperation {
  operation: QueuedOperation
  definition: TableDefinition
  /** What insert/update send: the row as it was when the operation was marked. */
  body?: Record<string, unknown> & { id: string }
  /**
   * Fingerprints of the bodies earlier attempts of this operation sent (its `sent` before this attempt): a server
   * item matching one of them is an earlier attempt's lost success (see `recogniseLostResponse`).
   */
  earlier?: readonly string[]
  /** The operation as it was before it was marked (what `releaseUnsent` puts back when it is not sent after all). */
  before?: QueuedOperation
}

/** How `prepareOperation` treats `failed` operations (see push-failed.ts). */
export interface FailedPolicy {
  /** Send every failed operation now (an explicit push of the app). */
  resendFailed: boolean
  backoff?: FailedBackoff
}

/** What `prepareOperation` decided for one queued operation. */
export type Preparation
  = | { type: 'send', prepared: PreparedOperation }
    /** Gone from the queue meanwhile (collapsed away), or its insert/update row is gone: nothing to send. */
    | { type: 'dropped' }
    /** In `conflict` or already `inflight`, or `failed` and not due again (see push-failed.ts): it and the later operations of its item wait. */
    | { type: 'blocked' }

/**
 * Marks one operation `inflight` (attempts + 1) inside `tx` (scope: its table and `_operations`), re-reading it
 * so that a collapse since the queue was read is seen, and records the fingerprint of the body it is about to send
 * in its `sent` (the earlier ones go to `PreparedOperation.earlier`). An insert/update whose local row no longer
 * exists is removed from the queue: the row was deleted locally, and that delete is queued after it (its `DELETE`
 * covers an insert an earlier attempt may have applied; a 404 then counts as success). A `failed` operation is
 * sent only when `failed` allows it (see push-failed.ts), else it is `blocked`, untouched.
 */
export async function prepareOperation(tx: StoreTx, seq: number, definition: TableDefinition, now: number, failed: FailedPolicy = { resendFailed: true }): Promise<Preparation> {
  const operation = await tx.get<QueuedOperation>(OPERATIONS_TABLE, seq)
  if (!operation) return { type: 'dropped' }
  if (operation.state === 'conflict' || operation.state === 'inflight') return { type: 'blocked' }
  let body: PreparedOperation['body']
  let print: string | undefined
  if (operation.kind !== 'delete') {
    const row = await tx.get(operation.table, operation.itemId)
    if (!row) {
      await tx.delete(OPERATIONS_TABLE, seq)
      return { type: 'dropped' }
    }
    body = toServerBody(definition, row)
    print = fingerprint(definition, body)
  }
  if (operation.state === 'failed' && !failed.resendFailed) {
    const changed = print !== undefined && operation.sent !== undefined && operation.sent.at(-1) !== print
    if (!failedRetryDue(operation, now, changed, failed.backoff)) return { type: 'blocked' }
  }
  const inflight: QueuedOperation = { ...operation, state: 'inflight', attempts: operation.attempts + 1, updatedAt: now }
  if (print !== undefined) inflight.sent = withSent(operation.sent, print)
  await tx.put(OPERATIONS_TABLE, inflight)
  return { type: 'send', prepared: { operation: inflight, definition, body, earlier: operation.sent ?? [], before: operation } }
}

/**
 * Puts an operation marked by `prepareOperation` but never sent back as it was before (state, attempts, `sent`),
 * inside `tx` (scope: `_operations`), when it is still the one this push marked (`isMarkedBy`): to the queue, it was
 * never taken. One handed back or changed meanwhile is left as it is.
 */
export async function releaseUnsent(tx: StoreTx, prepared: PreparedOperation): Promise<void> {
  const stored = await tx.get<QueuedOperation>(OPERATIONS_TABLE, prepared.operation.seq)
  if (stored && prepared.before && isMarkedBy(stored, prepared.operation)) await tx.put(OPERATIONS_TABLE, prepared.before)
}

/** The operations of one item in queue order. */
export async function operationsOfItem(tx: StoreTx, table: string, itemId: string): Promise<QueuedOperation[]> {
  return tx.query<QueuedOperation>(OPERATIONS_TABLE, { where: { table, itemId } })
}

/** The snapshot of the item's latest queued delete, if any. */
async function removedRow(tx: StoreTx, table: string, itemId: string): Promise<Row | undefined> {
  return (await operationsOfItem(tx, table, itemId)).findLast(other => other.kind === 'delete')?.item
}

/**
 * Copies the server's system columns (from `toLocalRow`) onto a local row, keeping its values. The version is the
 * server's, or none when the server sent none: the version the row had is not the server's any more.
 */
function withSystemColumns(row: Row, server: Row): Row {
  const next: Row = { ...row }
  for (const column of ['updatedAt', 'createdAt'] as const) {
    if (server[column] !== undefined) next[column] = server[column]
  }
  if (typeof server.version === 'string') next.version = server.version
  else delete next.version
  return next
}

/**
 * Whether `stored`, read back when the answer came, is still the operation this push marked `inflight` (`marked`).
 * Without a shared lock, another tab's `recoverInflight` may have handed it back to `pending` meanwhile; then a local
 * change may have landed in it, or another push may have marked it again (other attempts and time) or met a
 * conflict with it. Its kind is not compared: another push's success turns an insert this push has in flight into
 * an update of the same operation (see `settleSuccess`), and this push still owns it.
 */
export function isMarkedBy(stored: QueuedOperation, marked: QueuedOperation): boolean {
  return stored.state === 'inflight' && stored.attempts === marked.attempts && stored.updatedAt === marked.updatedAt
}

/**
 * The server accepted the operation: drop it; store the server's item when no later operation of the item
 * exists (a deleted or absent item removes the row), else copy only its system columns onto the local row and
 * give the later operations the new version (they were queued against the version before this push).
 *
 * An operation that is no longer the one this push marked (`isMarkedBy`), whatever its kind now, was handed back
 * meanwhile and may carry a local change made since (an edit or a delete landed in it): it stays, as a later
 * operation of the new version (`kept`). One that another push put in `conflict` meanwhile (most likely against
 * this very write) goes back to `pending` and its conflict record goes: it is sent again against the new version,
 * and meets the conflict again if it was a real one. One that another push has in flight keeps its state.
 * `earlier`: the server holds what an earlier attempt sent (its answer was lost), not this attempt's values (the
 * row changed since): the operation stays too, `pending`, as an update of that version (`resend`).
 *
 * A server that answers a write without a version (none in the body, no `ETag`) does not version the item: the
 * local row and the later operations then have no version either, and go without `If-Match`, like every change to
 * a row such a server stored. Keeping the version from before this push instead would send an `If-Match` that can
 * only fail (412) against this very write: a conflict of the user with themselves on every later operation.
 */
async function settleSuccess(tx: StoreTx, prepared: PreparedOperation, stored: QueuedOperation, item: ServerItem | undefined, earlier: boolean): Promise<{ kept: boolean, resend: boolean }> {
  const { definition } = prepared
  const { table, itemId, seq } = stored
  const ours = isMarkedBy(stored, prepared.operation)
  // an earlier attempt's success: the row changed since, and this attempt's values are not on the server yet
  const resend = earlier && ours
  const kept = !ours || earlier
  if (!kept) await tx.delete(OPERATIONS_TABLE, seq)
  else if (stored.state === 'conflict' || resend) {
    const pending: QueuedOperation = { ...stored, state: 'pending' }
    delete pending.lastError
    await tx.put(OPERATIONS_TABLE, pending)
  }
  if (!kept || stored.state === 'conflict') await tx.delete(CONFLICTS_TABLE, String(seq))
  const later = (await operationsOfItem(tx, table, itemId)).filter(other => other.seq !== seq || kept)
  if (later.length === 0) {
    if (prepared.operation.kind === 'delete' || !item || item.deleted === true) await tx.delete(table, itemId)
    else await tx.put(table, toLocalRow(definition, item))
    return { kept, resend }
  }
  if (!item) return { kept, resend }
  const server = toLocalRow(definition, item)
  const row = await tx.get(table, itemId)
  if (row) await tx.put(table, withSystemColumns(row, server))
  for (const next of later) {
    const updated: QueuedOperation = { ...next }
    if (updated.kind === 'insert') updated.kind = 'update'
    if (typeof server.version === 'string') updated.version = server.version
    else delete updated.version
    if (updated.item) updated.item = withSystemColumns(updated.item, server)
    // what was sent against the version before is settled: this version is the new base
    delete updated.sent
    await tx.put(OPERATIONS_TABLE, updated)
  }
  return { kept, resend }
}

/**
 * What settling one outcome left to report. `success` with `kept`: the server applied it, but the operation was
 * handed back meanwhile and stays queued (the rest of its item waits for the next push). `success` with `resend`
 * (and `kept`): the server holds what an earlier attempt of this push's operation sent, whose answer was lost; the
 * row changed since, so the operation is `pending` again, as an update of that version (push sends it again at
 * once). `released`: handed back meanwhile, so this push's item error or conflict is not written (the operation is
 * sent again as it is now).
 */
export type Settled
  = | { type: 'success', kept: boolean, resend: boolean }
    | { type: 'released' }
    | { type: 'conflict', record: ConflictRecord }
    | { type: 'failed', operation: QueuedOperation, status?: number, message: string }
    | { type: 'stop', reason: PushStopReason, error: Error }
    | { type: 'gone' }

/**
 * A re-created item whose undelete succeeded before the rest failed: the operation becomes an update of the live
 * row (its version), and the local row takes that row's system columns (keeping its own values).
 */
async function continueAsUpdate(tx: StoreTx, definition: TableDefinition, operation: QueuedOperation, revived: ServerItem): Promise<QueuedOperation> {
  const server = toLocalRow(definition, revived)
  const row = await tx.get(operation.table, operation.itemId)
  if (row) await tx.put(operation.table, withSystemColumns(row, server))
  const update: QueuedOperation = { ...operation, kind: 'update' }
  if (typeof server.version === 'string') update.version = server.version
  else delete update.version
  return update
}

/**
 * Writes one outcome inside `tx` (scope: the operation's table, `_operations`, `_conflicts`): success as
 * above; a conflict sets the state `conflict` and records both sides; an item error sets `failed`; a stop puts
 * the operation back to `pending` (its attempts stay counted). Of an operation handed back meanwhile
 * (`isMarkedBy`), only a success is written (the server's new version); a stop still stops the push. An outcome with `revived` first turns the
 * re-creation into an update of the revived row.
 */
export async function settleOutcome(tx: StoreTx, prepared: PreparedOperation, outcome: PushOutcome, now: number): Promise<Settled> {
  const { seq, table, itemId } = prepared.operation
  let operation = await tx.get<QueuedOperation>(OPERATIONS_TABLE, seq)
  if (!operation) return { type: 'gone' }
  if (outcome.type === 'success') return { type: 'success', ...await settleSuccess(tx, prepared, operation, outcome.item, outcome.earlier === true) }
  const ours = isMarkedBy(operation, prepared.operation)
  if (outcome.revived) operation = await continueAsUpdate(tx, prepared.definition, operation, outcome.revived)
  const { kind } = operation
  if (!ours) {
    // handed back meanwhile: not this push's to settle; only what the server did (a revival) is recorded
    if (outcome.revived) await tx.put(OPERATIONS_TABLE, operation)
    return outcome.type === 'stop' ? { type: 'stop', reason: outcome.reason, error: outcome.error } : { type: 'released' }
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
  // a row deleted here while its insert or update was on the wire: this device has the removed row (the later
  // delete's snapshot), as a record written before that delete would hold it (see refreshConflicts)
  const clientItem = kind === 'delete' ? operation.item : await tx.get(table, itemId) ?? await removedRow(tx, table, itemId)
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
