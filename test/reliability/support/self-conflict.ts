import type { ConflictRecord } from '../../../src/runtime/core/sync/contract'
import type { Ledger, ServerVersion } from './ledger'

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

/**
 * Whether the server's commit log shows the conflict's server item as a revival by a v2 undelete: the version
 * logged just before it, on that row, is the row deleted with the same token (a v2 undelete brings the deleted
 * row back with its values; v3's writes the re-creating device's values, with its new token). Then the token is
 * this device's old write, applied and confirmed before someone deleted the row, not a lost answer of a push:
 * - this device's own re-creation (an `insert` conflict: the operation re-creates the row) whose undelete was applied
 *   but whose answer was lost: the retried undelete, at the deleted version, meets the revived row and answers
 *   412. A known limitation (see README, Guarantees): a spurious conflict, the policy resolves it, nothing is lost.
 * - another device's re-creation, met by an update of this device: a real conflict (the row was deleted and
 *   brought back meanwhile), whose server item happens to carry this device's old values.
 */
export function revivedByUndelete(log: readonly ServerVersion[], conflict: ConflictRecord): boolean {
  const version = conflict.serverItem?.version
  if (typeof version !== 'string') return false
  const versions = log.filter(entry => entry.table === conflict.table && entry.id === conflict.itemId)
  const at = versions.findIndex(entry => entry.version === version)
  const before = versions[at - 1]
  return at > 0 && before!.deleted && !versions[at]!.deleted && before!.token === versions[at]!.token
}

/** The report's line for a self-conflict that `revivedByUndelete` explains. */
export function revivedNote(problem: string, conflict: ConflictRecord): string {
  const why = conflict.kind === 'insert'
    ? 'the retried undelete of its re-creation met the revived row: its own undelete whose answer was lost (the known limitation) or another device\'s'
    : 'another device\'s re-creation brought the row back with this device\'s old values: a real conflict'
  return `${problem.replace(/^(\S+): self-conflict: a lost response was not recognised/, '$1: self-conflict explained')}; the server item is a v2 undelete's revival of the deleted row (${why})`
}
