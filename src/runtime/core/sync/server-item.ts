import { parseIsoDate } from '../column-value'
import type { TableDefinition } from '../schema'
import type { Row } from '../store'
import { writableColumns } from '../validate-row'
import type { ServerItem } from './contract'

/** Why a server item cannot be stored, or `undefined`. A pull needs `id`, `updatedAt` and `deleted`. */
export function serverItemProblem(item: unknown, forPull: boolean): string | undefined {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return 'an item is not an object'
  const record = item as Record<string, unknown>
  if (typeof record.id !== 'string' || record.id === '') return 'an item has no string id'
  if (!forPull) return undefined
  if (typeof record.updatedAt !== 'string' || !parseIsoDate(record.updatedAt)) return `item ${record.id} has no valid updatedAt`
  if (typeof record.deleted !== 'boolean') return `item ${record.id} has no boolean deleted (is soft delete off on the server?)`
  return undefined
}

/**
 * The local row for an item the server sent: its declared columns (plus the owner column) and the system
 * columns. Columns this device does not declare are dropped; dates become `…sssZ` strings (never rounded up);
 * a `deleted` row keeps `deleted: true` so callers can decide to remove it.
 */
export function toLocalRow(definition: TableDefinition, item: ServerItem): Row {
  const row: Row = { id: item.id }
  for (const [column, type] of Object.entries(writableColumns(definition))) {
    if (!(column in item)) continue
    const value = item[column]
    row[column] = type === 'date' && typeof value === 'string' ? (parseIsoDate(value) ?? value) : value
  }
  for (const column of ['createdAt', 'updatedAt'] as const) {
    const value = item[column]
    if (typeof value === 'string') row[column] = parseIsoDate(value) ?? value
  }
  if (typeof item.version === 'string') row.version = item.version
  row.deleted = item.deleted === true
  return row
}

/** The body to send for a local row: `id` and its declared columns, no system columns. */
export function toServerBody(definition: TableDefinition, row: Row): Record<string, unknown> & { id: string } {
  const body: Record<string, unknown> & { id: string } = { id: row.id }
  for (const column of Object.keys(writableColumns(definition))) {
    if (column in row && row[column] !== undefined) body[column] = row[column]
  }
  return body
}
