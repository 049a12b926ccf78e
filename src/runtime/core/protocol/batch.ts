/**
 * Our extension of the table protocol, shared by client and server: the batch push endpoint `POST <path>/$batch`,
 * announced on every table response by `X-Offline-Sync-Batch: <largest batch>` (docs/server.md, "Batch push").
 */
export const BATCH_HEADER = 'X-Offline-Sync-Batch'

/** The last path segment of the batch endpoint; never a table name (table names are identifiers). */
export const BATCH_SEGMENT = '$batch'
