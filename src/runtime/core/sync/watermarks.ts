import { WATERMARKS_TABLE, type LocalStore, type StoreTx, type Subscribable } from '../store'
import type { WatermarkRecord } from './contract'

/**
 * The watermark of a named query that completed without receiving any row: "nothing up to the epoch is missing".
 * A pull starting from it sends no `updatedAt` term, exactly as without a watermark.
 */
export const EPOCH_WATERMARK = '1970-01-01T00:00:00.000Z'

/** Key of the watermark of (table, query name) in `_watermarks`. */
export function watermarkId(table: string, queryName: string): string {
  return `${table}/${queryName}`
}

/** The stored watermark of (table, query name), if any. The transaction's scope must include `_watermarks`. */
export function readWatermark(tx: StoreTx, table: string, queryName: string): Promise<WatermarkRecord | undefined> {
  return tx.get<WatermarkRecord>(WATERMARKS_TABLE, watermarkId(table, queryName))
}

/** Stores (or replaces) a watermark; call it in the transaction that stores the rows it covers. */
export async function writeWatermark(tx: StoreTx, record: WatermarkRecord): Promise<void> {
  await tx.put(WATERMARKS_TABLE, record)
}

/** Removes every watermark of `table`, so each of its queries pulls from the beginning next time. Returns how many. */
export async function resetWatermarks(tx: StoreTx, table: string): Promise<number> {
  const records = await tx.query<WatermarkRecord>(WATERMARKS_TABLE, { where: { table } })
  if (records.length) await tx.bulkDelete(WATERMARKS_TABLE, records.map(record => record.id))
  return records.length
}

/** Every stored watermark, ordered by id (`table/queryName`). */
export function listWatermarks(store: LocalStore): Promise<WatermarkRecord[]> {
  return store.transaction('readonly', [WATERMARKS_TABLE], tx => tx.query<WatermarkRecord>(WATERMARKS_TABLE))
}

/** Live view of every stored watermark (ordered by id): emits after each pull page and each purge. */
export function observeWatermarks(store: LocalStore): Subscribable<WatermarkRecord[]> {
  return store.observe(tx => tx.query<WatermarkRecord>(WATERMARKS_TABLE))
}
