import type { QueuedOperation } from '../operation'
import type { ServerItem, TableClient } from './contract'
import { outcomeOfError, recogniseLostResponse, type PushOutcome } from './push-outcome'
import type { PreparedOperation } from './push-settle'

/** What reading the server's item back came to: the item (`undefined` when the server has none), or a stop. */
type ReadBack = { type: 'item', item?: ServerItem } | Extract<PushOutcome, { type: 'stop' }>

/**
 * Reads the operation's item from the server, deleted rows included. A network error, 401, 5xx or broken answer
 * is a `stop`, like the same failure of any push request; any other refusal (403, …) leaves the item unknown.
 */
export async function readServerItem(tableClient: TableClient, operation: QueuedOperation): Promise<ReadBack> {
  try {
    return { type: 'item', item: await tableClient.get(operation.table, operation.itemId, { includeDeleted: true }) }
  }
  catch (error) {
    const outcome = outcomeOfError(error, 'insert')
    return outcome.type === 'stop' ? outcome : { type: 'item' }
  }
}

/**
 * Completes an outcome before it is settled, for the single and the batch path alike: a conflict whose answer
 * carried no usable server item (the stock Node server's 409 echoes the request; a 404/410 has none) gets the item
 * read back with `__includeDeleted`; then the lost-response rules apply (`recogniseLostResponse`), so a retried
 * insert or update that meets its own earlier write is a success on any server. A failing read stops the push.
 */
export async function withServerItem(tableClient: TableClient, prepared: PreparedOperation, outcome: PushOutcome): Promise<PushOutcome> {
  let completed = outcome
  if (outcome.type === 'conflict' && !outcome.serverItem) {
    const read = await readServerItem(tableClient, prepared.operation)
    if (read.type === 'stop') return outcome.revived ? { ...read, revived: outcome.revived } : read
    if (read.item) completed = { ...outcome, serverItem: read.item }
  }
  return recogniseLostResponse(completed, prepared.operation, prepared.definition, prepared.body, prepared.earlier)
}
