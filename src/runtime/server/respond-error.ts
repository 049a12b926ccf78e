import type { H3Event } from 'h3'
import { hookHttpError, SyncHttpError } from './errors'
import { ODataError } from './odata'
import type { SyncResponse } from './operations/context'

/** SQLSTATE classes a request can provoke with its values (data exceptions), and transient ones. */
function databaseStatus(error: unknown): SyncHttpError | undefined {
  const code = error && typeof error === 'object' ? (error as { code?: unknown }).code : undefined
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return undefined
  if (code.startsWith('22')) return new SyncHttpError(400, 'A value in the request cannot be used by the database (out of range or invalid)')
  if (code === '40001' || code === '40P01' || code === '55P03') return new SyncHttpError(503, 'The database is busy; retry the request')
  return undefined
}

/**
 * The status and message an error answers with, when it is a refusal (ours, OData's, 4xx thrown by hooks, data
 * exceptions) or a known transient database state (503); `undefined` for anything else (a 500).
 */
export function knownError(error: unknown): SyncHttpError | undefined {
  if (error instanceof SyncHttpError) return error
  return error instanceof ODataError ? new SyncHttpError(error.statusCode, error.message) : hookHttpError(error) ?? databaseStatus(error)
}

/**
 * The response for an error: its status and `{ error: message }` for refusals (see `knownError`); 500 with a
 * fixed message for everything else, logged with its details.
 */
export function respondToError(error: unknown, event: H3Event, logError: (error: unknown, context: string) => void): SyncResponse {
  const known = knownError(error)
  if (known) {
    if (known.status >= 500) logError(error, `${event.method} ${event.path}`)
    return { status: known.status, body: { error: known.message } }
  }
  logError(error, `${event.method} ${event.path}`)
  return { status: 500, body: { error: 'An internal error occurred' } }
}
