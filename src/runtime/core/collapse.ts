import { DuplicateIdError, QueueStateError } from './errors'
import { wasAttempted, type Operation, type OperationKind } from './operation'
import type { Row } from './store'

/** A local change about to be queued for one table+id. */
export interface LocalAction {
  kind: OperationKind
  /** The row's version before this change (update, delete). */
  version?: string
  /** Snapshot of the removed row (delete). */
  item?: Row
}

/**
 * What to do with the queue: `append` a new operation for the action; `keep` the latest one as it is (it already
 * covers the action); `drop` the latest one (nothing is left to send); `replace` the latest one by `operation`.
 */
export type CollapseDecision
  = | { action: 'append' }
    | { action: 'keep' }
    | { action: 'drop' }
    | { action: 'replace', operation: Operation }

/**
 * Decides what a new local action does to `latest`, the last queued operation of the same table+id (if any).
 * Pure: reads nothing, writes nothing.
 *
 * | latest → action      | result |
 * |---|---|
 * | none                 | append |
 * | delete → anything    | `QueueStateError` (push the delete first) |
 * | insert/update → insert | `DuplicateIdError` |
 * | inflight → anything  | append (an operation being pushed is never changed) |
 * | insert → update      | keep (push reads the row, so the insert sends the new values) |
 * | insert → delete      | drop (nothing ever reaches the server); append when the insert was attempted |
 * | update → update      | keep |
 * | update → delete      | replace by a delete that keeps the update's captured version |
 */
export function collapse(latest: Operation | undefined, next: LocalAction, now: number = Date.now()): CollapseDecision {
  if (!latest) return { action: 'append' }
  if (latest.kind === 'delete') {
    throw new QueueStateError(latest.table, latest.itemId, `a delete of this item is queued; no ${next.kind} is possible until it is pushed`)
  }
  if (next.kind === 'insert') throw new DuplicateIdError(latest.table, latest.itemId)
  if (latest.state === 'inflight') return { action: 'append' }
  if (next.kind === 'update') return { action: 'keep' }
  // next.kind === 'delete'
  if (latest.kind === 'insert') return wasAttempted(latest) ? { action: 'append' } : { action: 'drop' }
  const operation: Operation = {
    ...latest,
    kind: 'delete',
    version: latest.version,
    item: next.item,
    state: 'pending',
    attempts: 0,
    updatedAt: now,
  }
  delete operation.lastError
  if (operation.version === undefined) delete operation.version
  if (operation.item === undefined) delete operation.item
  return { action: 'replace', operation }
}
