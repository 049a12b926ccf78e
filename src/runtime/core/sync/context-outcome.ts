import { isOfflineSyncError } from '../errors'

/**
 * Whether a later attempt can succeed without any change on this device: no answer (network), 401 (fresh
 * credentials), 5xx, 408 or 429. These stop a push and trigger the context's retry.
 */
export function isRetryable(error: unknown): boolean {
  if (isOfflineSyncError(error, 'NETWORK') || isOfflineSyncError(error, 'AUTHENTICATION')) return true
  return isOfflineSyncError(error, 'HTTP') && (error.status >= 500 || error.status === 408 || error.status === 429)
}

/** What one serialised action did, settled into the status and the backoff when it ends. */
export interface Outcome {
  /** Per key (`push`, `pull:<table>/<query>`, `purge:<table>`), the last result in this action. */
  readonly keys: ReadonlyMap<string, 'ok' | 'retry' | 'failed'>
  /** Something failed in a way a retry can fix. */
  readonly retry: boolean
  /** The first error of the action (becomes `lastError`). */
  readonly firstError: unknown
  ok(key: string): void
  failed(key: string, error: unknown, retryable?: boolean): void
  /** An error of the action as a whole (keeps the first). */
  error(error: unknown): void
}

export function createOutcome(): Outcome {
  const keys = new Map<string, 'ok' | 'retry' | 'failed'>()
  let retry = false
  let firstError: unknown
  return {
    keys,
    get retry() {
      return retry
    },
    get firstError() {
      return firstError
    },
    ok: key => void keys.set(key, 'ok'),
    failed(key, error, retryable = isRetryable(error)) {
      keys.set(key, retryable ? 'retry' : 'failed')
      retry ||= retryable
      firstError ??= error
    },
    error(error) {
      firstError ??= error
    },
  }
}
