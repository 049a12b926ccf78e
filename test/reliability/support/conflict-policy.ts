import type { ConflictRecord, Resolution } from '../../../src/runtime/core/sync/contract'
import { hash32 } from './prng'

/**
 * The convergence suite's deterministic conflict policy: the choice depends only on the item (a hash of
 * `table/id`), so every device decides a conflict on the same row the same way.
 * - `client` (hash % 3 = 0): my row wins; it takes the server's version and is pushed again (re-created when the
 *   server deleted it).
 * - `server` (hash % 3 = 1): the server's row wins; my queued changes of the row are dropped (the ledger records
 *   the write they carried as lost by policy).
 * - `merge` (hash % 3 = 2): my columns, with `n` the larger of both sides; pushed with the server's version. A
 *   conflict of my delete has nothing to merge: my delete wins (`client`).
 */
export type PolicyChoice = 'client' | 'server' | 'merge'

export function policyChoice(table: string, itemId: string): PolicyChoice {
  return (['client', 'server', 'merge'] as const)[hash32(`${table}/${itemId}`) % 3]!
}

const USER_COLUMNS = ['text', 'n', 'token', 'author'] as const

export function conflictPolicy(conflict: ConflictRecord): Resolution {
  const choice = policyChoice(conflict.table, conflict.itemId)
  const mine = conflict.clientItem
  if (choice === 'server' || !mine) return { choice: 'server' }
  if (choice === 'client' || conflict.kind === 'delete') return { choice: 'client' }
  const item: Record<string, unknown> = { id: conflict.itemId }
  for (const column of USER_COLUMNS) if (mine[column] !== undefined) item[column] = mine[column]
  const theirs = conflict.serverItem
  if (theirs && !theirs.deleted && typeof theirs.n === 'number' && typeof mine.n === 'number') item.n = Math.max(theirs.n, mine.n)
  return { choice: 'merge', item }
}

/**
 * Whether the Node devices' conflict handler leaves this conflict for "the user" (a quarter of the rows, by another
 * hash): it stays recorded, the device may keep writing the row, and the engine resolves it later with
 * `conflictPolicy` through `SimClient.resolve`.
 */
export function deferredConflict(conflict: ConflictRecord): boolean {
  return hash32(`defer/${conflict.table}/${conflict.itemId}`) % 4 === 0
}
