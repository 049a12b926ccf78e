import type { OperationState, QueuedOperation } from '../../src/runtime/core/operation'

/** The badge colour of each operation state. */
export const STATE_BADGE: Record<OperationState, string> = {
  pending: '',
  inflight: 'info',
  failed: 'danger',
  conflict: 'warn',
}

export const OPERATION_STATES: OperationState[] = ['pending', 'inflight', 'failed', 'conflict']

/** How many operations are in each state. */
export function countByState(operations: readonly QueuedOperation[]): Record<OperationState, number> {
  const counts: Record<OperationState, number> = { pending: 0, inflight: 0, failed: 0, conflict: 0 }
  for (const operation of operations) counts[operation.state]++
  return counts
}

/** The operation's own fields for the detail pane: everything but the delete's row snapshot (shown on its own). */
export function operationFields(operation: QueuedOperation): Record<string, unknown> {
  const { item: _item, seq, ...fields } = operation
  return { seq, ...fields }
}
