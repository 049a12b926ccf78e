import { collapse, type CollapseDecision, type LocalAction } from './collapse'
import type { Operation, QueuedOperation } from './operation'
import { CONFLICTS_TABLE, OPERATIONS_TABLE, type Row, type StoreTx } from './store'
import type { ConflictRecord } from './sync/contract'

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

/**
 * Keeps the conflict records of an item in step with a local change made while they wait for a resolution: each
 * record's `clientItem` becomes `clientItem` (the row as the change stored it, or the removed row's snapshot) and
 * its `kind` the kind its operation has now (an update a delete collapsed into is a delete). Call it in the
 * change's write transaction, after `enqueue` (scope: `_operations` and `_conflicts`). Returns how many it updated.
 */
export async function refreshConflicts(tx: StoreTx, table: string, itemId: string, clientItem: Row): Promise<number> {
  const records = await tx.query<ConflictRecord>(CONFLICTS_TABLE, { where: { table, itemId } })
  for (const record of records) {
    const operation = await tx.get<QueuedOperation>(OPERATIONS_TABLE, record.operationSeq)
    await tx.put(CONFLICTS_TABLE, { ...record, kind: operation?.kind ?? record.kind, clientItem })
  }
  return records.length
}
