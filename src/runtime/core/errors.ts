/**
 * Typed errors of the client core. Every one extends `OfflineSyncError` and carries a stable `code`, so callers
 * can branch on `error.code` or `instanceof`. Errors raised before or inside a write transaction mean that
 * nothing was written.
 */

/** The error class of each `code`; a new error class adds its code here. */
export interface OfflineSyncErrors {
  UNKNOWN_TABLE: UnknownTableError
  VALIDATION: ValidationError
  INVALID_ID: InvalidIdError
  ITEM_NOT_FOUND: ItemNotFoundError
  DUPLICATE_ID: DuplicateIdError
  QUEUE_STATE: QueueStateError
  STORAGE: StorageError
  OFFLINE: OfflineError
  NETWORK: NetworkError
  AUTHENTICATION: AuthenticationError
  HTTP: HttpError
  CONFLICT: ConflictError
  PROTOCOL: ProtocolError
  PENDING_OPERATIONS: PendingOperationsError
  DISPOSED: DisposedError
  REENTRANT_CALL: ReentrantCallError
}

/** Every `code` an `OfflineSyncError` can carry. */
export type OfflineSyncErrorCode = keyof OfflineSyncErrors

/**
 * The `name` of each code's class, written out: a production build minifies class names, so `new.target.name`
 * would give the app `'Go'` instead of `'StorageError'`.
 */
const ERROR_NAMES: { readonly [C in OfflineSyncErrorCode]: string } = {
  UNKNOWN_TABLE: 'UnknownTableError',
  VALIDATION: 'ValidationError',
  INVALID_ID: 'InvalidIdError',
  ITEM_NOT_FOUND: 'ItemNotFoundError',
  DUPLICATE_ID: 'DuplicateIdError',
  QUEUE_STATE: 'QueueStateError',
  STORAGE: 'StorageError',
  OFFLINE: 'OfflineError',
  NETWORK: 'NetworkError',
  AUTHENTICATION: 'AuthenticationError',
  HTTP: 'HttpError',
  CONFLICT: 'ConflictError',
  PROTOCOL: 'ProtocolError',
  PENDING_OPERATIONS: 'PendingOperationsError',
  DISPOSED: 'DisposedError',
  REENTRANT_CALL: 'ReentrantCallError',
}

export class OfflineSyncError extends Error {
  readonly code: OfflineSyncErrorCode
  constructor(code: OfflineSyncErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = ERROR_NAMES[code] ?? 'OfflineSyncError'
    this.code = code
  }
}

/** The table is not declared in the module options (or is not part of the transaction). */
export class UnknownTableError extends OfflineSyncError {
  declare readonly code: 'UNKNOWN_TABLE'
  constructor(readonly table: string) {
    super('UNKNOWN_TABLE', `[nuxt-offline-sync] unknown table "${table}"`)
  }
}

/** A value does not fit the table declaration: unknown column, wrong type, invalid date, not JSON. */
export class ValidationError extends OfflineSyncError {
  declare readonly code: 'VALIDATION'
  constructor(readonly table: string, readonly field: string, readonly reason: string) {
    super('VALIDATION', `[nuxt-offline-sync] ${table}${field ? `.${field}` : ''}: ${reason}`)
  }
}

/** An id breaks the protocol's id rules (`idProblem`). */
export class InvalidIdError extends OfflineSyncError {
  declare readonly code: 'INVALID_ID'
  constructor(readonly table: string, readonly id: unknown, readonly reason: string) {
    super('INVALID_ID', `[nuxt-offline-sync] ${table}: invalid id ${JSON.stringify(id) ?? String(id)}: ${reason}`)
  }
}

/** `update` or `remove` of an id that has no (non-deleted) local row. */
export class ItemNotFoundError extends OfflineSyncError {
  declare readonly code: 'ITEM_NOT_FOUND'
  constructor(readonly table: string, readonly id: string) {
    super('ITEM_NOT_FOUND', `[nuxt-offline-sync] ${table}: no item with id "${id}"`)
  }
}

/** `insert` of an id that already has a local row or a queued insert/update. */
export class DuplicateIdError extends OfflineSyncError {
  declare readonly code: 'DUPLICATE_ID'
  constructor(readonly table: string, readonly id: string) {
    super('DUPLICATE_ID', `[nuxt-offline-sync] ${table}: an item with id "${id}" already exists`)
  }
}

/** The queue does not allow the change, e.g. any change to an id whose delete is still queued. */
export class QueueStateError extends OfflineSyncError {
  declare readonly code: 'QUEUE_STATE'
  constructor(readonly table: string, readonly id: string, readonly reason: string) {
    super('QUEUE_STATE', `[nuxt-offline-sync] ${table}: id "${id}": ${reason}`)
  }
}

/**
 * The local database failed (IndexedDB `QuotaExceededError`, `AbortError`, `VersionError`, a closed database…).
 * `reason` is the name of the underlying error, `cause` the error itself.
 */
export class StorageError extends OfflineSyncError {
  declare readonly code: 'STORAGE'
  /** The storage quota of the origin is used up: free space (purge tables) and retry. */
  readonly quotaExceeded: boolean
  constructor(readonly reason: string, message: string, options?: { cause?: unknown }) {
    super('STORAGE', `[nuxt-offline-sync] storage failed (${reason}): ${message}`, options)
    this.quotaExceeded = reason === 'QuotaExceededError'
  }
}

/** A sync call (push, pull, purge) was made while the context knows it is offline. Nothing was sent or lost. */
export class OfflineError extends OfflineSyncError {
  declare readonly code: 'OFFLINE'
  constructor(readonly action: string) {
    super('OFFLINE', `[nuxt-offline-sync] cannot ${action} while offline; local data and the queue are kept`)
  }
}

/** The request never got an HTTP answer (connection refused or reset, DNS, timeout, CORS, aborted). */
export class NetworkError extends OfflineSyncError {
  declare readonly code: 'NETWORK'
  constructor(readonly url: string, message: string, options?: { cause?: unknown }) {
    super('NETWORK', `[nuxt-offline-sync] network error for ${url}: ${message}`, options)
  }
}

/** The server answered 401: the push or pull stops until the app has fresh credentials. */
export class AuthenticationError extends OfflineSyncError {
  declare readonly code: 'AUTHENTICATION'
  constructor(readonly url: string, readonly status: number, readonly body: unknown) {
    super('AUTHENTICATION', `[nuxt-offline-sync] ${url} answered ${status}: not authenticated`)
  }
}

/** Any other non-2xx answer. `status` and the parsed `body` (the server's `{ error }` or text) are kept. */
export class HttpError extends OfflineSyncError {
  declare readonly code: 'HTTP'
  constructor(readonly url: string, readonly status: number, readonly body: unknown, message?: string) {
    super('HTTP', `[nuxt-offline-sync] ${url} answered ${status}${message ? `: ${message}` : ''}`)
  }
}

/**
 * The server refused a write because its copy changed (409 on insert of an existing id or a version mismatch,
 * 412 on an `If-Match` mismatch). `serverItem` is the server's current item when the body carried one.
 */
export class ConflictError extends OfflineSyncError {
  declare readonly code: 'CONFLICT'
  constructor(readonly url: string, readonly status: 409 | 412, readonly serverItem: Record<string, unknown> | undefined) {
    super('CONFLICT', `[nuxt-offline-sync] ${url} answered ${status}: the server's item changed`)
  }
}

/** The server's answer breaks the protocol (not JSON, an item without `id`/`updatedAt`/`deleted`, …). */
export class ProtocolError extends OfflineSyncError {
  declare readonly code: 'PROTOCOL'
  constructor(readonly url: string, readonly reason: string) {
    super('PROTOCOL', `[nuxt-offline-sync] unexpected answer from ${url}: ${reason}`)
  }
}

/** `purge` of a table that still has queued operations (pass `force: true` to drop them too). */
export class PendingOperationsError extends OfflineSyncError {
  declare readonly code: 'PENDING_OPERATIONS'
  constructor(readonly table: string, readonly count: number) {
    super('PENDING_OPERATIONS', `[nuxt-offline-sync] ${table}: ${count} operation(s) are waiting to be pushed; push first or purge with { force: true }`)
  }
}

/** A sync call (push, pull, purge, resolve…) was made on a sync context after its `dispose()`. Nothing was done. */
export class DisposedError extends OfflineSyncError {
  declare readonly code: 'DISPOSED'
  constructor(readonly action: string) {
    super('DISPOSED', `[nuxt-offline-sync] cannot ${action}: the sync context was disposed`)
  }
}

/**
 * A sync call (push, pull, purge, resolve…) made on a sync context from inside its own `conflictHandler`: it would
 * wait for the push that is waiting for the handler. Nothing was done; return a `Resolution` from the handler instead.
 */
export class ReentrantCallError extends OfflineSyncError {
  declare readonly code: 'REENTRANT_CALL'
  constructor(readonly action: string) {
    super('REENTRANT_CALL', `[nuxt-offline-sync] cannot ${action} while the conflictHandler runs: the push waits for the handler; return a Resolution from it instead`)
  }
}

/**
 * Whether `error` is an error of this module, narrowed to its class when a `code` is given:
 * `if (isOfflineSyncError(e, 'VALIDATION')) console.log(e.field, e.reason)`.
 */
export function isOfflineSyncError<C extends OfflineSyncErrorCode = OfflineSyncErrorCode>(error: unknown, code?: C): error is OfflineSyncErrors[C] {
  return error instanceof OfflineSyncError && (code === undefined || error.code === code)
}
