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
 * An operation push has sent (`attempts` > 0 or not `pending`) is never rewritten in place, except one in
 * `conflict`: a push that sent it may still settle it (another tab's push, a response that is still on its way),
 * and that push drops the operation it sent on success; a change rewritten into it would be dropped with it. An
 * operation in `conflict` is never being sent (push skips it until it is resolved), so a local change lands in it
 * and it stays in conflict (the caller updates the conflict record in the same transaction).
 *
 * | latest → action                    | result |
 * |---|---|
 * | none                               | append |
 * | delete → anything                  | `QueueStateError` (push the delete first) |
 * | insert/update → insert             | `DuplicateIdError` |
 * | inflight → anything                | append (an operation being pushed is never changed) |
 * | insert/update → update             | keep (push reads the row, so the operation sends the new values; a `failed` one stays `failed`, and since its row changed the next push sends it again; a `conflict` one stays in conflict) |
 * | insert → delete, never sent        | drop (nothing ever reached the server) |
 * | update → delete, never sent        | replace by a `pending` delete that keeps the update's captured version |
 * | insert/update → delete, conflict   | replace by a delete that stays in `conflict` (version, attempts and `lastError` kept) |
 * | insert/update → delete, sent before (`failed`, or `pending` with attempts) | append |
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
  if (latest.state === 'conflict') return { action: 'replace', operation: asDelete(latest, next, now) }
  if (wasAttempted(latest)) return { action: 'append' }
  if (latest.kind === 'insert') return { action: 'drop' }
  const operation = asDelete(latest, next, now)
  operation.state = 'pending'
  operation.attempts = 0
  delete operation.lastError
  return { action: 'replace', operation }
}

/** `latest` turned into a delete of the same item: the version it captured, the snapshot of the removed row. */
function asDelete(latest: Operation, next: LocalAction, now: number): Operation {
  const operation: Operation = { ...latest, kind: 'delete', item: next.item, updatedAt: now }
  if (operation.version === undefined) delete operation.version
  if (operation.item === undefined) delete operation.item
  return operation
}
