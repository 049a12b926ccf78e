import { HttpError } from '../errors'
import type { BatchOperation, TableClient } from './contract'
import { outcomeOfBatchResult, outcomeOfError, outcomeOfItem, recogniseLostResponse, type PushOutcome } from './push-outcome'
import type { PreparedOperation } from './push-settle'

/** Where an operation goes, for error messages. */
function target(prepared: PreparedOperation): string {
  return `${prepared.operation.table}/${prepared.operation.itemId}`
}

/** Sends one operation as its own request (POST, PATCH/PUT or DELETE) and reads the outcome. */
export async function sendSingle(tableClient: TableClient, prepared: PreparedOperation): Promise<PushOutcome> {
  const { operation, body, definition } = prepared
  let outcome: PushOutcome
  try {
    switch (operation.kind) {
      case 'insert':
        outcome = outcomeOfItem(await tableClient.insert(operation.table, body!), operation, target(prepared))
        break
      case 'update':
        outcome = outcomeOfItem(await tableClient.update(operation.table, body!, operation.version), operation, target(prepared))
        break
      case 'delete':
        outcome = outcomeOfItem(await tableClient.delete(operation.table, operation.itemId, operation.version), operation, target(prepared))
        break
    }
  }
  catch (error) {
    outcome = outcomeOfError(error, operation.kind)
  }
  return recogniseLostResponse(outcome, operation, definition, body)
}

/** The batch request's own operation for one prepared operation. */
function batchOperation(prepared: PreparedOperation): BatchOperation {
  const { operation, body } = prepared
  const entry: BatchOperation = { table: operation.table, kind: operation.kind, id: operation.itemId }
  if (body) entry.item = body
  if (operation.kind !== 'insert' && operation.version !== undefined) entry.version = operation.version
  return entry
}

/**
 * Sends operations (never two of one item) in one batch request and reads one outcome per operation, in order.
 * A network error, 401 or 5xx of the whole request is a `stop` outcome for each of them (the server rolled the
 * batch back). Returns `'refused'` when the server refused the batch request itself with another 4xx (the
 * endpoint is gone or the batch too large): the caller sends the operations one by one instead.
 */
export async function sendBatch(tableClient: TableClient, prepared: PreparedOperation[]): Promise<PushOutcome[] | 'refused'> {
  let results
  try {
    results = await tableClient.batch(prepared.map(batchOperation))
  }
  catch (error) {
    if (error instanceof HttpError && error.status >= 400 && error.status < 500 && ![401, 408, 429].includes(error.status)) return 'refused'
    const outcome = outcomeOfError(error, 'insert')
    if (outcome.type !== 'stop') throw error
    return prepared.map(() => outcome)
  }
  return prepared.map((entry, index) => {
    const outcome = outcomeOfBatchResult(results[index], entry.operation, target(entry))
    return recogniseLostResponse(outcome, entry.operation, entry.definition, entry.body)
  })
}
