import type { Collection, IndexableType, Table } from 'dexie'
import { matchesWhere, pageRecords, sortRecords } from '../core/query'
import type { QuerySpec, WhereValue } from '../core/store'
import type { TableLayout } from '../core/store-layout'
import { dexieIndexName } from './dexie-schema'

type AnyTable = Table<object, IndexableType>
type AnyCollection = Collection<object, IndexableType>

/** IndexedDB keys are strings and numbers here; booleans and `null` are not keys, so they cannot use an index. */
function isKeyValue(value: WhereValue | undefined): value is string | number {
  return typeof value === 'string' || (typeof value === 'number' && !Number.isNaN(value))
}

export interface IndexPlan {
  name: string
  fields: string[]
  value: IndexableType
}

/** The index answering the most `where` fields (primary key, single or compound), if any. */
export function chooseIndex(layout: TableLayout, where: Record<string, WhereValue>): IndexPlan | undefined {
  let best: string[] | undefined
  for (const fields of [[layout.primaryKey], ...layout.indexes]) {
    if (fields.every(field => isKeyValue(where[field])) && (!best || fields.length > best.length)) best = fields
  }
  if (!best) return undefined
  const values = best.map(field => where[field] as string | number)
  return { name: dexieIndexName(best), fields: best, value: best.length === 1 ? values[0]! : values }
}

/** How to read the rows of `spec`: a collection Dexie can order and page, or rows to finish in memory. */
async function plan(table: AnyTable, layout: TableLayout, spec: QuerySpec<object>): Promise<{ collection: AnyCollection, ordered: boolean, residual?: (row: object) => boolean }> {
  const where = spec.where ?? {}
  const index = chooseIndex(layout, where)
  const rest = Object.fromEntries(Object.entries(where).filter(([field]) => !index?.fields.includes(field)))
  const filter = spec.filter
  const residual = Object.keys(rest).length || filter
    ? (row: object) => matchesWhere(row, rest) && (!filter || filter(row))
    : undefined
  const byPrimaryKey = spec.orderBy === undefined || spec.orderBy === layout.primaryKey
  if (index) return { collection: table.where(index.name).equals(index.value), ordered: byPrimaryKey, residual }
  if (byPrimaryKey) return { collection: table.toCollection(), ordered: true, residual }
  const orderIndex = layout.indexes.some(fields => fields.length === 1 && fields[0] === spec.orderBy)
  // An index lists only rows whose value is a valid key: use it for ordering only when it holds every row.
  if (orderIndex && await table.orderBy(spec.orderBy!).count() === await table.count()) {
    return { collection: table.orderBy(spec.orderBy!), ordered: true, residual }
  }
  return { collection: table.toCollection(), ordered: false, residual }
}

/**
 * Runs a `QuerySpec` on a Dexie table with the same result as `applyQuery`: equality through the best index,
 * order and paging by IndexedDB when the order is the primary key (or a complete single-field index),
 * otherwise sorted and paged in memory.
 */
export async function dexieQuery(table: AnyTable, layout: TableLayout, spec: QuerySpec<object> = {}): Promise<object[]> {
  if (spec.limit === 0) return []
  const { collection, ordered, residual } = await plan(table, layout, spec)
  let rows = residual ? collection.and(residual) : collection
  if (!ordered) return pageRecords(sortRecords(await rows.toArray(), layout.primaryKey, spec.orderBy, spec.reverse), spec)
  if (spec.reverse) rows = rows.reverse()
  if (spec.offset) rows = rows.offset(spec.offset)
  if (spec.limit !== undefined) rows = rows.limit(spec.limit)
  return rows.toArray()
}

/** Number of rows `dexieQuery` would return; counted by IndexedDB when no filter or paging is involved. */
export async function dexieCount(table: AnyTable, layout: TableLayout, spec: QuerySpec<object> = {}): Promise<number> {
  if (spec.offset !== undefined || spec.limit !== undefined) return (await dexieQuery(table, layout, spec)).length
  const { collection, residual } = await plan(table, layout, { where: spec.where, filter: spec.filter })
  return (residual ? collection.and(residual) : collection).count()
}
