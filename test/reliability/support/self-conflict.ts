import type { ConflictRecord } from '../../../src/runtime/core/sync/contract'
import type { Ledger } from './ledger'

/**
 * A conflict the device met with its own write: an insert or update conflict whose server item is live and carries
 * a token this same device wrote on this row. Every write stores a new token and only its device ever sends it, so
 * the server holds that token only because one of this device's pushes of the row was applied; had the device
 * received that answer, it would hold the version the server stamped and its later pushes would not conflict with
 * it. So the answer was lost, and the retry (or the next push of the row) should have recognised the server's
 * item as its own earlier attempt's (push-outcome.ts, push-sent.ts): met as a conflict, a policy quietly resolves
 * it and convergence hides the bug. Not a self-conflict: a delete's conflict (the device now sends a delete, not
 * what the server has), a server item that is deleted (another device deleted the row since: a real conflict), or
 * a token another device wrote (pulled here, then changed by the other side).
 * Returns the problem, or undefined.
 */
export function selfConflict(ledger: Ledger, device: string, conflict: ConflictRecord): string | undefined {
  const theirs = conflict.serverItem
  if (conflict.kind === 'delete' || !theirs || theirs.deleted || typeof theirs.token !== 'string') return undefined
  const token = theirs.token
  const write = ledger.writes.find(entry => entry.token === token && entry.client === device && entry.table === conflict.table && entry.id === conflict.itemId)
  if (!write) return undefined
  return `${device}: self-conflict: a lost response was not recognised (${conflict.kind} of ${conflict.table}/${conflict.itemId} answered ${conflict.status}; the server holds token ${token}, this device's own write, #${write.seq} of the run)`
}
