import { ProtocolError } from '../errors'
import type { QueuedOperation } from '../operation'
import type { TableDefinition } from '../schema'
import { CONFLICTS_TABLE, OPERATIONS_TABLE, WATERMARKS_TABLE, type LocalStore, type Row, type StoreTx } from '../store'
import type { ConflictRecord, ServerItem, WatermarkRecord } from './contract'
import type { PullCursor } from './pull-query'
import { serverItemProblem, toLocalRow } from './server-item'
import { writeWatermark } from './watermarks'

/** A page of a pull, checked and converted to local rows, not yet written. */
export interface PreparedPage {
  /** The last state of each id of the page (a page may, on an odd server, name an id twice). */
  rows: Map<string, Row>
  /** The server's items behind `rows`, as sent (a skipped row's item refreshes its conflict record). */
  items: Map<string, ServerItem>
  /** Where the next page starts: after the page's last row. */
  cursor: PullCursor
}

/** `updatedAt` with more than three decimals or in UTC as the server wrote it: kept whole for the cursor literal. */
const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/

/** The cursor after `item`, whose `updatedAt` is `updatedAt` as `toLocalRow` normalises it. */
function cursorOf(item: ServerItem, updatedAt: string): PullCursor {
  const raw = item.updatedAt as string
  return { literal: UTC_TIMESTAMP.test(raw) ? raw : updatedAt, updatedAt, id: item.id }
}

/** `item`'s `updatedAt` as `toLocalRow` normalises it; `undefined` when it is not a valid server row. */
function normalisedUpdatedAt(definition: TableDefinition, item: ServerItem | undefined): string | undefined {
  if (!item || serverItemProblem(item, true)) return undefined
  return toLocalRow(definition, item).updatedAt as string
}

/**
 * Where the page after `items` starts (the cursor `preparePage` will return), from its last item, so that the next
 * page can be requested before this one is checked and converted. `undefined` (request it only after
 * `preparePage`) when a cheap look finds the page doubtful: its first or last item is not a valid server row, its
 * first row comes before the cursor `after`, or it names the cursor's id again (a server ignoring the keyset filter).
 */
export function nextCursor(definition: TableDefinition, items: readonly ServerItem[], after: PullCursor | undefined): PullCursor | undefined {
  const item = items.at(-1)
  const updatedAt = normalisedUpdatedAt(definition, item)
  if (!item || updatedAt === undefined) return undefined
  if (after) {
    const first = normalisedUpdatedAt(definition, items[0])
    if (first === undefined || first < after.updatedAt || items.some(other => other.id === after.id)) return undefined
  }
  return cursorOf(item, updatedAt)
}

/**
 * Checks one page before anything of it is written, and converts its items to local rows. Throws
 * `ProtocolError` for an item without `id`, `updatedAt` or `deleted` (`serverItemProblem`), for rows out of
 * `updatedAt` order, and for a page that starts before the cursor or repeats the cursor's row (a server that
 * ignores the keyset filter would otherwise page forever). Ids are not compared: their order is the server's
 * collation.
 */
export function preparePage(source: string, definition: TableDefinition, items: readonly ServerItem[], after: PullCursor | undefined): PreparedPage {
  const rows = new Map<string, Row>()
  const latest = new Map<string, ServerItem>()
  let previous = after?.updatedAt
  let cursor = after
  for (const item of items) {
    const problem = serverItemProblem(item, true)
    if (problem) throw new ProtocolError(source, problem)
    const row = toLocalRow(definition, item)
    const updatedAt = row.updatedAt as string
    if (previous !== undefined && updatedAt < previous) {
      throw new ProtocolError(source, `item ${item.id} (updatedAt ${updatedAt}) comes after ${previous}: the server does not order by updatedAt or ignores the pull's filter`)
    }
    if (after && item.id === after.id && updatedAt === after.updatedAt) {
      throw new ProtocolError(source, `item ${item.id} came again on the next page: the server ignores the pull's keyset filter`)
    }
    previous = updatedAt
    rows.delete(item.id)
    rows.set(item.id, row)
    latest.set(item.id, item)
    cursor = cursorOf(item, updatedAt)
  }
  if (!cursor) throw new ProtocolError(source, 'an empty page cannot be prepared')
  return { rows, items: latest, cursor }
}

/** What writing a page did. */
export interface PageCounts {
  upserted: number
  deleted: number
  skipped: number
}

/** Whether `item` is a later state of the row than the conflict's `serverItem` (any state beats none). */
function newerThan(item: ServerItem, conflict: ConflictRecord): boolean {
  const known = conflict.serverItem?.updatedAt
  if (typeof known !== 'string') return true
  const before = Date.parse(known)
  return Number.isNaN(before) || Date.parse(item.updatedAt as string) > before
}

/**
 * A skipped row is not fetched again (the watermark moves past it), so the conflicts of its id take it as their
 * `serverItem` when it is newer: a later "server wins" stores it, "client wins" sends the version it carries.
 */
async function refreshConflictItems(tx: StoreTx, table: string, page: PreparedPage, skipped: string[]): Promise<void> {
  const ids = new Set(skipped)
  const conflicts = await tx.query<ConflictRecord>(CONFLICTS_TABLE, { where: { table }, filter: conflict => ids.has(conflict.itemId) })
  for (const conflict of conflicts) {
    const item = page.items.get(conflict.itemId)
    if (item && newerThan(item, conflict)) await tx.put(CONFLICTS_TABLE, { ...conflict, serverItem: item })
  }
}

/**
 * Writes a prepared page in ONE transaction over [table, `_operations`, `_conflicts`, `_watermarks`]: rows of ids
 * with any queued operation are skipped (neither overwritten nor deleted; when such an id has conflict records, a
 * newer row, deleted or not, becomes their `serverItem`), `deleted` rows are removed, the others are stored with
 * `bulkPut`, and `watermark` (when given) is stored with them.
 */
export function writePage(store: LocalStore, table: string, page: PreparedPage, watermark: WatermarkRecord | undefined): Promise<PageCounts> {
  return store.transaction('readwrite', [table, OPERATIONS_TABLE, CONFLICTS_TABLE, WATERMARKS_TABLE], async (tx) => {
    let queued: Set<string> | undefined
    if (await tx.count(OPERATIONS_TABLE, { where: { table } }) > 0) {
      queued = new Set((await tx.query<QueuedOperation>(OPERATIONS_TABLE, { where: { table } })).map(operation => operation.itemId))
    }
    const puts: Row[] = []
    const deletes: string[] = []
    const skipped: string[] = []
    for (const [id, row] of page.rows) {
      if (queued?.has(id)) skipped.push(id)
      else if (row.deleted === true) deletes.push(id)
      else puts.push(row)
    }
    if (puts.length) await tx.bulkPut(table, puts)
    if (deletes.length) await tx.bulkDelete(table, deletes)
    if (skipped.length) await refreshConflictItems(tx, table, page, skipped)
    if (watermark) await writeWatermark(tx, watermark)
    return { upserted: puts.length, deleted: deletes.length, skipped: skipped.length }
  })
}
