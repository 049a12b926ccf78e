import { collapse, type CollapseDecision, type LocalAction } from './collapse'
import type { Operation, QueuedOperation } from './operation'
import { OPERATIONS_TABLE, type StoreTx } from './store'

/** The last queued operation for `table`+`itemId` (the one a new action collapses into), if any. */
export async function latestOperation(tx: StoreTx, table: string, itemId: string): Promise<QueuedOperation | undefined> {
  const [latest] = await tx.query<QueuedOperation>(OPERATIONS_TABLE, { where: { table, itemId }, reverse: true, limit: 1 })
  return latest
}

/**
 * Records a local action in the queue, collapsing it into the latest operation of the same item (see
 * `collapse`). Call it inside the write transaction that changes the row (its scope must include
 * `_operations`), so that the row and the queue commit together. Throws `QueueStateError`/`DuplicateIdError`
 * before writing anything.
 */
export async function enqueue(tx: StoreTx, table: string, itemId: string, action: LocalAction, now: number = Date.now()): Promise<CollapseDecision> {
  const latest = await latestOperation(tx, table, itemId)
  const decision = collapse(latest, action, now)
  switch (decision.action) {
    case 'append': {
      const operation: Operation = { table, itemId, kind: action.kind, state: 'pending', attempts: 0, createdAt: now, updatedAt: now }
      if (action.kind !== 'insert' && action.version !== undefined) operation.version = action.version
      if (action.kind === 'delete' && action.item) operation.item = action.item
      await tx.put(OPERATIONS_TABLE, operation)
      break
    }
    case 'replace':
      await tx.put(OPERATIONS_TABLE, decision.operation)
      break
    case 'drop':
      await tx.delete(OPERATIONS_TABLE, latest!.seq)
      break
    case 'keep':
      break
  }
  return decision
}
