import { HttpError } from '../errors'
import type { QueuedOperation } from '../operation'
import type { ServerItem, TableClient } from './contract'
import { withServerItem } from './push-lookup'
import { outcomeOfError, outcomeOfItem, sameAsSent, type PushOutcome } from './push-outcome'
import type { PreparedOperation } from './push-settle'

/**
 * Whether an operation re-creates an item the server deleted: an insert that carries the `version` of the server's
 * deleted row. Only a `client` or `merge` resolution of such a conflict makes one (a queued insert never has a
 * version); when the conflict knew no server row, the resolution makes a plain insert instead.
 */
export function isRecreate(operation: QueuedOperation): boolean {
  return operation.kind === 'insert' && operation.version !== undefined
}

/** Sends the row as a plain insert (`POST`) and reads the outcome as any insert's. */
async function sendInsert(tableClient: TableClient, prepared: PreparedOperation, url: string): Promise<PushOutcome> {
  const { operation, body } = prepared
  const insert: PreparedOperation = { ...prepared, operation: { ...operation, kind: 'insert' } }
  let outcome: PushOutcome
  try {
    outcome = outcomeOfItem(await tableClient.insert(operation.table, body!), insert.operation, url)
  }
  catch (error) {
    outcome = outcomeOfError(error, 'insert')
  }
  return withServerItem(tableClient, insert, outcome)
}

/** Sends the row as an update of the live row `revived` and reads the outcome as any update's. */
async function sendUpdate(tableClient: TableClient, prepared: PreparedOperation, revived: ServerItem, url: string): Promise<PushOutcome> {
  const { operation, body } = prepared
  const update: PreparedOperation = { ...prepared, operation: { ...operation, kind: 'update', version: revived.version } }
  let outcome: PushOutcome
  try {
    outcome = outcomeOfItem(await tableClient.update(operation.table, body!, revived.version), update.operation, url)
  }
  catch (error) {
    outcome = outcomeOfError(error, 'update')
  }
  outcome = await withServerItem(tableClient, update, outcome)
  return outcome.type === 'success' ? outcome : { ...outcome, revived }
}

/**
 * Re-creates an item the server soft-deleted (see `isRecreate`): undeletes the row at the version the resolution
 * saw (`If-Match`), then, unless the undelete already wrote the row's values (v3's does), updates it with them.
 * Never an insert over the deleted row: both servers answer that with 409, which would read as a lost response
 * or as a new conflict, again and again.
 * - The undelete answers 404/410 (the row is gone for good meanwhile): a plain insert, with its usual outcomes.
 * - It answers 409/412 (the deleted row changed since, or someone brought it back): a conflict with that item
 *   (read back when the answer had none); a live item equal to what we send is a success (a lost answer).
 * - Once the undelete succeeded, any outcome of the update but success carries `revived`, so the operation goes
 *   on as an update of that live row (sending the undelete again would conflict with our own revival).
 */
export async function sendRecreate(tableClient: TableClient, prepared: PreparedOperation, url: string): Promise<PushOutcome> {
  const { operation, body } = prepared
  if (!tableClient.undelete) {
    return { type: 'failed', message: `${url}: this table client cannot undelete, so the item the server deleted cannot be re-created` }
  }
  let revived: ServerItem
  try {
    revived = await tableClient.undelete(operation.table, body!, operation.version)
  }
  catch (error) {
    if (error instanceof HttpError && (error.status === 404 || error.status === 410)) return sendInsert(tableClient, prepared, url)
    // read like an update's refusal: a live row equal to ours is our own earlier re-creation
    const update: PreparedOperation = { ...prepared, operation: { ...operation, kind: 'update' } }
    return withServerItem(tableClient, update, outcomeOfError(error, 'update'))
  }
  if (sameAsSent(prepared.definition, body!, revived)) return { type: 'success', item: revived }
  return sendUpdate(tableClient, prepared, revived, url)
}
