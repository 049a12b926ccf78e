import { HttpError } from '../errors'
import type { BatchOperation, TableClient } from './contract'
import { withServerItem } from './push-lookup'
import { outcomeOfBatchResult, outcomeOfError, outcomeOfItem, type PushOutcome } from './push-outcome'
import { isRecreate, sendRecreate } from './push-recreate'
import type { PreparedOperation } from './push-settle'

/** Where an operation goes, for error messages. */
function target(prepared: PreparedOperation): string {
  return `${prepared.operation.table}/${prepared.operation.itemId}`
}

/**
 * Sends one operation as its own request (POST, PATCH/PUT or DELETE; a re-creation as undelete + update) and reads
 * the outcome, the server's item read back when a conflict answer had none (`withServerItem`).
 */
export async function sendSingle(tableClient: TableClient, prepared: PreparedOperation): Promise<PushOutcome> {
  const { operation, body } = prepared
  if (isRecreate(operation)) return sendRecreate(tableClient, prepared, target(prepared))
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
  return withServerItem(tableClient, prepared, outcome)
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
 * Sends operations (never two of one item, never a re-creation: see `isRecreate`) in one batch request and reads
 * one outcome per operation, in order, exactly as `sendSingle` reads a single answer (a conflict without a server
 * item reads it back). A network error, 401 or 5xx of the whole request is a `stop` outcome for each of them (the
 * server rolled the batch back). Returns `'refused'` when the server refused the batch request itself with another
 * 4xx (the endpoint is gone or the batch too large): the caller sends the operations one by one instead.
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
  const outcomes: PushOutcome[] = []
  let stop: StopOutcome | undefined
  for (const [index, entry] of prepared.entries()) {
    const outcome = outcomeOfBatchResult(results[index], entry.operation, target(entry))
    // once a read-back failed, the next conflicts wait too (pending, like the rest of a stopped single push)
    const needsRead = outcome.type === 'conflict' && !outcome.serverItem
    const completed = stop && needsRead ? sameStop(stop) : await withServerItem(tableClient, entry, outcome)
    if (needsRead && completed.type === 'stop') stop = completed
    outcomes.push(completed)
  }
  return outcomes
}

type StopOutcome = Extract<PushOutcome, { type: 'stop' }>

/** A stop for another operation: the same reason and error, none of the first one's own facts (`revived`). */
function sameStop(stop: StopOutcome): StopOutcome {
  return { type: 'stop', reason: stop.reason, error: stop.error }
}

/** How one push talks to the server so far: whether a batch request was refused (then one by one) or used. */
export interface Transport {
  batchRefused: boolean
  batched: boolean
}

/**
 * Sends prepared operations and reads their outcomes, in order: runs of them in one batch request while the server
 * offers it; one by one a re-creation (undelete + update, which a batch cannot carry) and everything once a batch
 * request was refused. After a stop the rest is not sent: it gets the same stop (back to pending).
 */
export async function sendAll(tableClient: TableClient, prepared: PreparedOperation[], transport: Transport): Promise<PushOutcome[]> {
  const outcomes: PushOutcome[] = []
  while (outcomes.length < prepared.length) {
    // a batch may have stopped in its middle (a failed read-back) yet settled the operations after it
    const stopped = outcomes.find(outcome => outcome.type === 'stop')
    if (stopped) {
      outcomes.push(sameStop(stopped))
      continue
    }
    const start = outcomes.length
    if (tableClient.batchSupported === true && !transport.batchRefused && !isRecreate(prepared[start]!.operation)) {
      let end = start
      while (end < prepared.length && !isRecreate(prepared[end]!.operation)) end += 1
      const batched = await sendBatch(tableClient, prepared.slice(start, end))
      if (batched !== 'refused') {
        transport.batched = true
        outcomes.push(...batched)
        continue
      }
      transport.batchRefused = true
    }
    outcomes.push(await sendSingle(tableClient, prepared[start]!))
  }
  return outcomes
}
