import type { Operation } from '../operation'

/**
 * When push sends a `failed` operation (refused with an item error: 400, 403, …) again. The server refused that
 * very request, so sending it unchanged on every background push (each interval tick, reconnect and retry) would
 * only repeat the refusal forever. A failed operation is sent again:
 * - by an explicit push of the app (`resendFailed`: the context's `push()` and `sync()` called by the app);
 * - once its row changed since the refused attempt (its body's fingerprint is not the last one sent): the user
 *   may have fixed the value the server refused;
 * - once its backoff delay has passed since it failed (`updatedAt`): `min(maxMs, baseMs × 2^(attempts − 1))`, so
 *   1, 2, 4 … min with the defaults (`attempts` counts every send, lost answers included), up to an hour. There is
 *   no timer of its own: the first push after the delay (an interval tick, a reconnect, the next write's sync) sends it.
 * Until then it stays `failed`, and the later operations of its item wait behind it. `retryOperation(seq)` of the
 * context makes one `pending` at once.
 */
export interface FailedBackoff {
  /** @default 60_000 */
  baseMs?: number
  /** @default 3_600_000 */
  maxMs?: number
}

export const FAILED_BACKOFF_BASE_MS = 60_000
export const FAILED_BACKOFF_MAX_MS = 3_600_000

/** Milliseconds after its last refusal before a background push sends a failed operation again. */
export function failedRetryDelay(attempts: number, backoff: FailedBackoff = {}): number {
  const base = backoff.baseMs ?? FAILED_BACKOFF_BASE_MS
  const max = backoff.maxMs ?? FAILED_BACKOFF_MAX_MS
  return Math.min(max, base * 2 ** Math.max(0, attempts - 1))
}

/** Whether a background push may send `operation`, a `failed` one, at `now` (see above; `bodyChanged` from the row). */
export function failedRetryDue(operation: Operation, now: number, bodyChanged: boolean, backoff?: FailedBackoff): boolean {
  if (bodyChanged) return true
  return now >= operation.updatedAt + failedRetryDelay(operation.attempts, backoff)
}
