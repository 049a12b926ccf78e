import Dexie from 'dexie'
import { OfflineSyncError, StorageError } from '../core/errors'

function isStorageFailure(error: unknown): error is Error {
  if (error instanceof Dexie.DexieError) return true
  return typeof DOMException !== 'undefined' && error instanceof DOMException
}

/** The most telling error name inside a Dexie error (a quota error wrapped in an `AbortError` or a `BulkError`). */
function reasonOf(error: Error): string {
  const nested: unknown[] = [(error as { inner?: unknown }).inner, ...((error as { failures?: unknown[] }).failures ?? [])]
  for (const inner of nested) {
    if (inner instanceof Error && inner.name === 'QuotaExceededError') return inner.name
  }
  return error.name === 'AbortError' && nested[0] instanceof Error ? nested[0].name : error.name
}

/**
 * `StorageError` for a failure of IndexedDB or Dexie (quota, abort, version, closed database, bad key…);
 * any other error (ours, or thrown by the transaction callback) is returned unchanged.
 */
export function toStorageError(error: unknown): unknown {
  if (error instanceof OfflineSyncError || !isStorageFailure(error)) return error
  return new StorageError(reasonOf(error), error.message, { cause: error })
}

/** Runs `fn` and rethrows its failure through `toStorageError`. */
export async function mapStorageErrors<R>(fn: () => Promise<R>): Promise<R> {
  try {
    return await fn()
  }
  catch (error) {
    throw toStorageError(error)
  }
}

/**
 * `StorageError` for an IndexedDB the page may not use at all: reading `indexedDB`, or opening a database, throws
 * (`SecurityError` in a sandboxed frame or some privacy modes). `reason` is the name of that error.
 */
export function indexedDBUnavailable(error: unknown): StorageError {
  const name = error instanceof Error ? error.name : 'Error'
  const message = error instanceof Error ? error.message : String(error)
  return new StorageError(name, `IndexedDB is unavailable in this browser context (a sandboxed frame or a privacy mode): ${message}`, { cause: error })
}
