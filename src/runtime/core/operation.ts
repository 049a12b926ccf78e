import type { Row } from './store'

/** What a queued operation asks the server to do. */
export type OperationKind = 'insert' | 'update' | 'delete'

/**
 * `pending`: waiting to be pushed. `inflight`: being pushed now (never collapsed into; reset to `pending` when a
 * context starts, since the page that sent it is gone). `failed`: pushed and refused with an item error (400,
 * 403, 404 on insert…; kept, `lastError` says why; sent again by an explicit push of the app, by any push once its
 * row changed or its backoff delay has passed: see `failedRetryDue` in core/sync/push-failed.ts). `conflict`: refused with
 * 409/412; a record in `_conflicts` holds both sides and push skips it (and every later operation of the same
 * item) until it is resolved.
 */
export type OperationState = 'pending' | 'inflight' | 'failed' | 'conflict'

/**
 * One entry of the local change queue (table `_operations`). Insert and update carry no payload: push reads
 * the row as it is then. A delete keeps a snapshot of the removed row in `item`.
 */
export interface Operation {
  /** Queue position (auto-increment key), set by the store. */
  seq?: number
  table: string
  itemId: string
  kind: OperationKind
  /** The row's `version` when the operation was queued, sent as `If-Match` (absent for inserts and never-synced rows). */
  version?: string
  /** Snapshot of the row, for deletes. */
  item?: Row
  state: OperationState
  /** How many times push sent it. */
  attempts: number
  lastError?: { status?: number, message: string }
  /**
   * Fingerprints of the bodies push sent for this insert/update since its `version` was last confirmed, newest
   * last (at most 4; see core/sync/push-sent.ts): a 409/412 whose server item matches one of them met an earlier
   * attempt of ours whose answer was lost, not someone else's change.
   */
  sent?: string[]
  /** Epoch milliseconds. */
  createdAt: number
  updatedAt: number
}

/** An operation that has been stored, so it has its queue position. */
export type QueuedOperation = Operation & { seq: number }

/** True once push has sent the operation (or is sending it): the server may have applied it. */
export function wasAttempted(operation: Operation): boolean {
  return operation.state !== 'pending' || operation.attempts > 0
}
