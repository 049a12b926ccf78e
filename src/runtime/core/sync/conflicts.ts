import { ItemNotFoundError, UnknownTableError, ValidationError } from '../errors'
import type { TableDefinition } from '../schema'
import { CONFLICTS_TABLE, OPERATIONS_TABLE, type LocalStore, type StoreTx, type Subscribable } from '../store'
import type { SyncClient } from '../sync-client'
import { validateRow } from '../validate-row'
import { applyResolution, type CheckedResolution } from './conflict-apply'
import type { ConflictRecord, Resolution } from './contract'

/** Every stored conflict, oldest operation first. */
function readConflicts(tx: StoreTx): Promise<ConflictRecord[]> {
  return tx.query<ConflictRecord>(CONFLICTS_TABLE, { orderBy: 'operationSeq' })
}

/** The conflicts waiting for a resolution, in queue order of their operations. */
export function listConflicts(store: LocalStore): Promise<ConflictRecord[]> {
  return store.transaction('readonly', [CONFLICTS_TABLE], readConflicts)
}

/** Live `listConflicts`: emits again whenever a conflict is recorded or resolved. */
export function observeConflicts(store: LocalStore): Subscribable<ConflictRecord[]> {
  return store.observe(readConflicts)
}

/** Checks a resolution before anything is written: a merge item must fit the table and name the conflict's item. */
function checkResolution(table: string, definition: TableDefinition, conflict: ConflictRecord, resolution: Resolution): CheckedResolution {
  if (resolution.choice !== 'merge') {
    if (!['client', 'server', 'discard'].includes(resolution.choice)) {
      throw new ValidationError(table, '', `unknown resolution ${JSON.stringify((resolution as { choice: unknown }).choice)} (client, server, merge or discard)`)
    }
    return { choice: resolution.choice }
  }
  const { id, values } = validateRow(table, definition, resolution.item, 'insert')
  if (id !== undefined && id !== conflict.itemId) {
    throw new ValidationError(table, 'id', `the merged item's id ${JSON.stringify(id)} is not the conflict's item ${JSON.stringify(conflict.itemId)}`)
  }
  return { choice: 'merge', values }
}

/**
 * Ends a conflict (see `Resolution`), in one transaction over the item's table, `_operations` and `_conflicts`.
 * A `client` or `merge` resolution leaves the operation `pending` for the next push. Throws `ItemNotFoundError`
 * (table `_conflicts`) for an unknown or already resolved conflict id, and `ValidationError` for a merge item that
 * does not fit the table; nothing is written then.
 */
export async function resolveConflict(deps: { client: SyncClient, now?: () => number }, conflictId: string, resolution: Resolution): Promise<void> {
  const { client } = deps
  const now = deps.now ?? Date.now
  const stored = await client.store.transaction('readonly', [CONFLICTS_TABLE], tx => tx.get<ConflictRecord>(CONFLICTS_TABLE, conflictId))
  if (!stored) throw new ItemNotFoundError(CONFLICTS_TABLE, conflictId)
  const definition = Object.hasOwn(client.tables, stored.table) ? client.tables[stored.table] : undefined
  if (!definition) throw new UnknownTableError(stored.table)
  const checked = checkResolution(stored.table, definition, stored, resolution)
  await client.store.transaction('readwrite', [stored.table, OPERATIONS_TABLE, CONFLICTS_TABLE], async (tx) => {
    // read again inside the write: a concurrent resolution of the same conflict must not apply twice
    const conflict = await tx.get<ConflictRecord>(CONFLICTS_TABLE, conflictId)
    if (!conflict) throw new ItemNotFoundError(CONFLICTS_TABLE, conflictId)
    await applyResolution(tx, definition, conflict, checked, now())
  })
}
