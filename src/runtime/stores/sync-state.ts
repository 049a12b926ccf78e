import { isOfflineSyncError, type OfflineSyncErrorCode } from '../core/errors'
import type { PullResult, PushResult, PushStopReason, SyncActivity, SyncStatus } from '../core/sync/contract'

/** An error as the store keeps it: plain data (serialisable), with the typed error's `code` and HTTP `status`. */
export interface SyncErrorInfo {
  /** The error class, e.g. `NetworkError`. */
  name: string
  message: string
  /** The `OfflineSyncError` code, e.g. `NETWORK`, `AUTHENTICATION`, `OFFLINE`. */
  code?: OfflineSyncErrorCode
  /** The HTTP status, for `HttpError` and `AuthenticationError`. */
  status?: number
}

/** A `PushResult` as the store keeps it: `stopped.error` as plain data. */
export type PushSummary = Omit<PushResult, 'stopped'> & { stopped?: { reason: PushStopReason, error: SyncErrorInfo } }

/** What a running push or pull has done so far. */
export type SyncProgress = Exclude<SyncActivity, { kind: 'idle' } | { kind: 'purge' }>

/** The serialisable parts of `SyncStatus` the store holds. */
export interface StoreStatus {
  activity: SyncActivity
  lastPush: { at: number, result: PushSummary } | undefined
  lastPull: { at: number, results: PullResult[] } | undefined
  lastError: SyncErrorInfo | undefined
  nextRetryAt: number | undefined
}

/** Plain data of any thrown value. */
export function errorInfo(error: unknown): SyncErrorInfo {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) }
  const info: SyncErrorInfo = { name: error.name, message: error.message }
  if (isOfflineSyncError(error)) {
    info.code = error.code
    if ('status' in error && typeof error.status === 'number') info.status = error.status
  }
  return info
}

/** The store's copy of a context status: plain, serialisable data. */
export function storeStatus(status: SyncStatus): StoreStatus {
  const push = status.lastPush
  let lastPush: StoreStatus['lastPush']
  if (push) {
    const { stopped, ...rest } = push.result
    lastPush = { at: push.at, result: stopped ? { ...rest, stopped: { reason: stopped.reason, error: errorInfo(stopped.error) } } : rest }
  }
  return {
    activity: status.activity,
    lastPush,
    lastPull: status.lastPull,
    lastError: status.lastError === undefined ? undefined : errorInfo(status.lastError),
    nextRetryAt: status.nextRetryAt,
  }
}
