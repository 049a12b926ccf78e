import { formatTimestamp, type ProtocolVersion } from '../../core/protocol/system'
import type { TableSpec } from '../table-spec'
import type { SqlRow, SyncItem } from '../types'

function timestamp(value: unknown): string | null {
  if (value === null || value === undefined) return null
  return formatTimestamp(value instanceof Date ? value : new Date(value as string))
}

/**
 * A database row as the protocol item: `id`, the user columns, then the system columns (`createdAt` only in
 * v2), dates as `YYYY-MM-DDTHH:mm:ss.sssZ`. With `select`, only those columns.
 */
export function toItem(spec: TableSpec, row: SqlRow, protocol: ProtocolVersion, select?: string[]): SyncItem {
  const item: SyncItem = { id: row.id }
  for (const [column, type] of Object.entries(spec.columns)) {
    const value = row[column] ?? null
    item[column] = type === 'date' ? timestamp(value) : value
  }
  if (protocol === '2.0.0') item.createdAt = timestamp(row.createdAt)
  item.updatedAt = timestamp(row.updatedAt)
  item.version = row.version
  item.deleted = row.deleted === true
  if (!select) return item
  const picked: SyncItem = {}
  for (const column of select) {
    if (Object.hasOwn(item, column)) picked[column] = item[column]
  }
  return picked
}
