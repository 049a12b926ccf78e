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
  await resolveStored(deps, conflictId, resolution, undefined)
}

/**
 * `resolveConflict` for the record a conflict handler decided on: applied only while the stored record is still
 * `seen`. When the item changed meanwhile (a local write made while the handler ran updated the record's
 * `clientItem`), nothing is written and it returns `false`: the answer was given without that write (a merge of
 * the older row would overwrite it, a `server` choice would drop it unseen), so the handler must be asked again.
 */
export function resolveSeenConflict(deps: { client: SyncClient, now?: () => number }, seen: ConflictRecord, resolution: Resolution): Promise<boolean> {
  return resolveStored(deps, seen.id, resolution, seen)
}

/** The stored conflict `conflictId`, or `undefined`. */
export function readConflict(store: LocalStore, conflictId: string): Promise<ConflictRecord | undefined> {
  return store.transaction('readonly', [CONFLICTS_TABLE], tx => tx.get<ConflictRecord>(CONFLICTS_TABLE, conflictId))
}

/** Whether two records of one conflict say the same: same kind and status, same rows on both sides. */
function sameConflict(a: ConflictRecord, b: ConflictRecord): boolean {
  const sides = (record: ConflictRecord) => JSON.stringify([record.kind, record.status, record.clientItem, record.serverItem])
  return sides(a) === sides(b)
}

async function resolveStored(deps: { client: SyncClient, now?: () => number }, conflictId: string, resolution: Resolution, seen: ConflictRecord | undefined): Promise<boolean> {
  const { client } = deps
  const now = deps.now ?? Date.now
  const stored = await readConflict(client.store, conflictId)
  if (!stored) throw new ItemNotFoundError(CONFLICTS_TABLE, conflictId)
  const definition = Object.hasOwn(client.tables, stored.table) ? client.tables[stored.table] : undefined
  if (!definition) throw new UnknownTableError(stored.table)
  const checked = checkResolution(stored.table, definition, stored, resolution)
  return client.store.transaction('readwrite', [stored.table, OPERATIONS_TABLE, CONFLICTS_TABLE], async (tx) => {
    // read again inside the write: a concurrent resolution of the same conflict must not apply twice
    const conflict = await tx.get<ConflictRecord>(CONFLICTS_TABLE, conflictId)
    if (!conflict) throw new ItemNotFoundError(CONFLICTS_TABLE, conflictId)
    if (seen && !sameConflict(conflict, seen)) return false
    await applyResolution(tx, definition, conflict, checked, now())
    return true
  })
}
