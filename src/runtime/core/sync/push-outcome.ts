import { AuthenticationError, ConflictError, HttpError, NetworkError, ProtocolError } from '../errors'
import type { QueuedOperation } from '../operation'
import type { TableDefinition } from '../schema'
import { writableColumns } from '../validate-row'
import type { BatchResult, ConflictRecord, PushStopReason, ServerItem } from './contract'
import { fingerprint } from './push-sent'
import { serverItemProblem } from './server-item'

/**
 * What one pushed operation came to, whether it was sent alone or in a batch:
 * - `success`: the server applied it (or had already applied it); `item` is the server's item (none for a delete
 *   that found the item gone, or a v3 204). `earlier`: what the server holds is what an EARLIER attempt of the
 *   operation sent (its answer was lost); the row changed since, so the operation goes on as an update of `item`.
 * - `conflict`: 409/412 with the server's item when the body carried one; or an update answered 404/410 (the
 *   server deleted the row). Push reads the item back when the answer had none (`withServerItem`).
 * - `failed`: an item error (400, 403, 404 on insert…): kept, sent again by the next push.
 * - `stop`: network error, 401, 5xx, 408, 429 or a broken answer: the push stops, the operation waits.
 * `revived` (not on `success`): a re-created item (see push-recreate.ts) was undeleted before the outcome: the
 * operation goes on as an update of that live row.
 */
export type PushOutcome
  = | { type: 'success', item?: ServerItem, earlier?: boolean }
    | ({ type: 'conflict', status: ConflictStatus, serverItem?: ServerItem, message: string } & Revived)
    | ({ type: 'failed', status?: number, message: string } & Revived)
    | ({ type: 'stop', reason: PushStopReason, error: Error } & Revived)

/** The statuses of a conflict: 409/412 (the server's row differs), 404/410 (an update of a row the server deleted). */
export type ConflictStatus = ConflictRecord['status']

interface Revived {
  /** The live item an undelete brought back before this outcome (a re-created item only). */
  revived?: ServerItem
}

/** Statuses that mean "try again later" rather than "this item is wrong". */
function isTransient(status: number): boolean {
  return status >= 500 || status === 408 || status === 429
}

/**
 * The item of a 409/412 answer when it is the server's row, else `undefined`. A server row always carries its
 * `updatedAt`; an item without one is not the server's: the stock Node server's 409 on a duplicate insert echoes
 * the request's item (what we sent, system columns stripped), which must not pass for the server's row (it would
 * make every duplicate-id insert look like our own lost-response retry).
 */
function conflictItem(item: unknown): ServerItem | undefined {
  if (serverItemProblem(item, false)) return undefined
  return typeof (item as ServerItem).updatedAt === 'string' ? item as ServerItem : undefined
}

/** The server's `{ error }` message from an error body, else the error's own message. */
function messageOf(error: HttpError): string {
  const body = error.body
  if (body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string') return (body as { error: string }).error
  if (typeof body === 'string' && body) return body
  return error.message
}

/**
 * The outcome of a failed single request. Errors that are not the table client's typed errors (a bug, a store
 * failure) are rethrown: the caller puts the operation back to `pending` first.
 */
export function outcomeOfError(error: unknown, kind: QueuedOperation['kind']): PushOutcome {
  if (error instanceof ConflictError) {
    return { type: 'conflict', status: error.status, serverItem: conflictItem(error.serverItem), message: error.message }
  }
  if (error instanceof NetworkError) return { type: 'stop', reason: 'network', error }
  if (error instanceof AuthenticationError) return { type: 'stop', reason: 'authentication', error }
  // an answer that breaks the protocol (a captive portal's HTML page, …) is not the item's fault: retry later
  if (error instanceof ProtocolError) return { type: 'stop', reason: 'server', error }
  if (error instanceof HttpError) {
    if (error.status === 401) return { type: 'stop', reason: 'authentication', error }
    if (isTransient(error.status)) return { type: 'stop', reason: 'server', error }
    const gone = goneOutcome(kind, error.status, error.url)
    return gone ?? { type: 'failed', status: error.status, message: messageOf(error) }
  }
  throw error
}

/**
 * A 404/410 where the operation expected a row: a delete counts as pushed (already gone); an update is a conflict
 * (changed here, deleted on the server: as an item error it would be retried forever while pulls skip the row).
 */
function goneOutcome(kind: QueuedOperation['kind'], status: number, url: string): PushOutcome | undefined {
  if (status !== 404 && status !== 410) return undefined
  if (kind === 'delete') return { type: 'success' }
  if (kind === 'update') return { type: 'conflict', status, message: `${url} answered ${status}: the server deleted the item` }
  return undefined
}

/** The outcome of a successful single request: `item` must be an item (a delete may have none). */
export function outcomeOfItem(item: ServerItem | undefined, operation: QueuedOperation, url: string): PushOutcome {
  if (item === undefined && operation.kind === 'delete') return { type: 'success' }
  const problem = serverItemProblem(item, false)
  if (problem) return { type: 'stop', reason: 'server', error: new ProtocolError(url, problem) }
  return { type: 'success', item }
}

/** The outcome of one result of a batch, exactly as the single request's status would have been read. */
export function outcomeOfBatchResult(result: BatchResult | undefined, operation: QueuedOperation, url: string): PushOutcome {
  if (!result || typeof result.status !== 'number') {
    return { type: 'stop', reason: 'server', error: new ProtocolError(url, 'the batch answered fewer results than operations') }
  }
  const { status } = result
  if (status >= 200 && status < 300) return outcomeOfItem(result.item, operation, url)
  if (status === 409 || status === 412) {
    return { type: 'conflict', status, serverItem: conflictItem(result.item), message: `${url} answered ${status}: the server's item changed` }
  }
  const body = result.error === undefined ? undefined : { error: result.error }
  if (status === 401) return { type: 'stop', reason: 'authentication', error: new AuthenticationError(url, status, body) }
  if (isTransient(status)) return { type: 'stop', reason: 'server', error: new HttpError(url, status, body, result.error) }
  return goneOutcome(operation.kind, status, url) ?? { type: 'failed', status, message: result.error ?? `${url} answered ${status}` }
}

/** Deep equality of JSON values; object key order does not matter (PostgreSQL `jsonb` reorders keys). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const other = b as unknown[]
    return a.length === other.length && a.every((value, index) => sameJson(value, other[index]))
  }
  const left = Object.entries(a as Record<string, unknown>).filter(([, value]) => value !== undefined)
  const right = Object.entries(b as Record<string, unknown>).filter(([, value]) => value !== undefined)
  return left.length === right.length && left.every(([key, value]) => Object.hasOwn(b, key) && sameJson(value, (b as Record<string, unknown>)[key]))
}

/**
 * Whether the server's item holds every column of the body we sent (a missing column counts as `null`; dates
 * compare as instants). Used to recognise a lost response: the retry meets our own earlier write.
 */
export function sameAsSent(definition: TableDefinition, body: Record<string, unknown>, item: ServerItem): boolean {
  const columns = writableColumns(definition)
  return Object.entries(body).every(([column, sent]) => {
    const stored = item[column] ?? null
    if (columns[column] === 'date' && typeof sent === 'string' && typeof stored === 'string') return Date.parse(sent) === Date.parse(stored)
    return sameJson(sent ?? null, stored)
  })
}

/**
 * Applies the lost-response rules: an insert answered 409, or an update answered 409/412, whose server item
 * equals what we sent was applied by an earlier attempt whose answer never arrived: a success. (A deleted server
 * item never makes an update a success: the update is not there. It does for an insert: the row was inserted,
 * then deleted by someone else.)
 *
 * When the user changed the row after that lost answer, this attempt sends other values than the one the server
 * applied: a live server item whose fingerprint is one of `earlier` (what the operation's earlier attempts sent,
 * see push-sent.ts) is that attempt's success too, marked `earlier`: the operation then stays, as an update of the
 * server's new version carrying the newer values, instead of a conflict of the user with their own earlier write.
 */
export function recogniseLostResponse(outcome: PushOutcome, operation: QueuedOperation, definition: TableDefinition, body: Record<string, unknown> | undefined, earlier: readonly string[] = []): PushOutcome {
  if (outcome.type !== 'conflict' || !outcome.serverItem || !body) return outcome
  if (outcome.status !== 409 && outcome.status !== 412) return outcome
  if (operation.kind === 'delete' || (operation.kind === 'insert' && outcome.status !== 409)) return outcome
  const { serverItem } = outcome
  if (operation.kind === 'update' && serverItem.deleted === true) return outcome
  if (sameAsSent(definition, body, serverItem)) return { type: 'success', item: serverItem }
  // an earlier attempt's values on a row deleted since: not ours to update; the conflict says so
  if (serverItem.deleted !== true && earlier.length && earlier.includes(fingerprint(definition, serverItem))) {
    return { type: 'success', item: serverItem, earlier: true }
  }
  return outcome
}
