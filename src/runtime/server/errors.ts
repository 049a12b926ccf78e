/**
 * A request the table server refuses: answered with `status` and `{ "error": message }` (the stock Node
 * server's shape). Messages are written for the client; they never carry SQL or stack traces.
 */
export class SyncHttpError extends Error {
  override name = 'SyncHttpError'
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

export const ITEM_NOT_FOUND = 'The item does not exist'

export function badRequest(message: string): SyncHttpError {
  return new SyncHttpError(400, message)
}

export function notFound(message = ITEM_NOT_FOUND): SyncHttpError {
  return new SyncHttpError(404, message)
}

/** An error thrown by a hook with an HTTP status (h3's `createError`, or any `{ statusCode, message }`). */
export function hookHttpError(error: unknown): SyncHttpError | undefined {
  if (!error || typeof error !== 'object') return undefined
  const { statusCode, status, message, statusMessage } = error as Record<string, unknown>
  const code = typeof statusCode === 'number' ? statusCode : typeof status === 'number' ? status : undefined
  if (code === undefined || code < 400 || code > 499) return undefined
  const text = typeof message === 'string' && message ? message : typeof statusMessage === 'string' ? statusMessage : ''
  return new SyncHttpError(code, text || 'The request was refused')
}
