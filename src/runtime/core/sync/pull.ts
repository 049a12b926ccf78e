import { UnknownTableError } from '../errors'
import { WATERMARKS_TABLE } from '../store'
import type { SyncClient } from '../sync-client'
import type { ListPage, PullResult, PushResult, TableClient, WatermarkRecord } from './contract'
import { nextCursor, preparePage, writePage } from './pull-page'
import { checkPageSize, checkPullQuery, pageFilter, type PullCursor } from './pull-query'
import { EPOCH_WATERMARK, readWatermark, watermarkId, writeWatermark } from './watermarks'

/**
 * Rows asked for per page (`$top`). The largest `$top` the stock servers and ours accept (1000; more is a 400):
 * every page costs an HTTP round trip and an IndexedDB transaction, so fewer, larger pages pull faster, and a
 * page of 1000 rows is still small in memory. A server with a smaller page size answers with fewer rows, which
 * the pull handles (it ends only on a page shorter than the largest one seen).
 */
export const DEFAULT_PULL_PAGE_SIZE = 1000

export interface PullDeps {
  client: SyncClient
  tableClient: TableClient
  /** `$top` of every page. @default DEFAULT_PULL_PAGE_SIZE (1000) */
  pageSize?: number
  /** The implicit push, called before pulling a table that has queued operations. */
  pushFirst: () => Promise<PushResult>
  /** Called after each page is stored: rows received so far, pages so far. */
  onProgress?: (rows: number, pages: number) => void
  /** Clock for `WatermarkRecord.pulledAt` (epoch ms). @default Date.now */
  now?: () => number
}

/**
 * Brings the server's rows of `table` (those `query.filter` accepts; every row without one) into the local store.
 *
 * - Table with queued operations: `pushFirst()` runs first; when that push stopped (network, 401, 5xx), the pull
 *   fails with its error and fetches nothing.
 * - With `query.name` the pull is incremental: it starts at the stored watermark W of (table, name) with
 *   `updatedAt ge W`, and stores the new watermark with each page. A stored watermark of another filter is
 *   ignored (the pull starts from the beginning). Without a name every row is fetched and nothing is stored.
 * - Pages are `$orderby=updatedAt,id`, `__includeDeleted=true`, keyset-paged after the last row received, so a
 *   row changed between pages is neither lost nor duplicated. Each page is written in one transaction; the next
 *   page is requested while it is being written. Rows of ids with queued operations are skipped (a skipped row
 *   that is newer than the `serverItem` of its id's conflict records replaces it there, since the watermark moves
 *   past it), deleted rows are removed. The pull ends on an empty page or on one shorter than the largest seen.
 * - A named pull that completes stores `pulledAt` and `rows` (rows received); one that received nothing at all
 *   stores the epoch watermark (`EPOCH_WATERMARK`). Result counts: `upserted` rows put, `deleted` deleted items
 *   applied (whether or not a local row existed), `skipped` rows with queued operations, `pages` pages written.
 *
 * Errors: `UnknownTableError`, `ValidationError` (bad query or page size), the table client's errors
 * (`NetworkError`, `AuthenticationError`, `HttpError`…) and `ProtocolError` (a bad row: nothing of its page is
 * written). Pages written before an error stay, with their watermark, so the next pull goes on from there.
 */
export async function pull(deps: PullDeps, table: string, query?: { name?: string, filter?: string }): Promise<PullResult> {
  const { client, tableClient } = deps
  if (!Object.hasOwn(client.tables, table)) throw new UnknownTableError(table)
  const definition = client.tables[table]!
  const { name, filter } = checkPullQuery(table, query)
  const pageSize = checkPageSize(table, deps.pageSize ?? DEFAULT_PULL_PAGE_SIZE)
  const now = deps.now ?? Date.now
  const { store } = client

  if (await client.pendingCount(table) > 0) {
    const pushed = await deps.pushFirst()
    if (pushed.stopped) throw pushed.stopped.error
  }

  let record: WatermarkRecord | undefined
  if (name !== undefined) {
    const stored = await store.transaction('readonly', [WATERMARKS_TABLE], tx => readWatermark(tx, table, name))
    record = stored && stored.filter === filter ? stored : undefined
  }
  const from = record?.updatedAt
  const source = `table ${table}`
  /** Requests the page after `cursor`; its failure is reported where it is awaited, or nowhere if it never is. */
  const fetchPage = (cursor: PullCursor | undefined): Promise<ListPage> => {
    const request = tableClient.list(table, {
      filter: pageFilter(filter, from, cursor, tableClient.apiVersion),
      orderBy: 'updatedAt,id',
      top: pageSize,
      includeDeleted: true,
    })
    // not unhandled meanwhile: awaited only once the page before it is written, never when that page throws
    request.catch(() => undefined)
    return request
  }

  const result: PullResult = { table, upserted: 0, deleted: 0, skipped: 0, pages: 0 }
  if (name !== undefined) result.queryName = name
  let received = 0
  let largest = 0
  let cursor: PullCursor | undefined
  let completed = false
  let next: Promise<ListPage> | undefined = fetchPage(undefined)
  // Pipelined: page N is written while page N+1 is fetched and checked (IndexedDB works off the main thread),
  // and page N+1's write starts only once page N's has committed, so watermarks advance in order.
  let writing: Promise<void> = Promise.resolve()
  try {
    while (next) {
      const { items }: ListPage = await next
      if (items.length === 0) break
      largest = Math.max(largest, items.length)
      const last: boolean = items.length < largest
      // the next page is requested before this one is checked and converted, unless it looks doubtful (see
      // `nextCursor`): the server works on it meanwhile. A bad page still throws below (that answer is never used).
      const early: PullCursor | undefined = last ? undefined : nextCursor(definition, items, cursor)
      next = early ? fetchPage(early) : undefined
      const page = preparePage(source, definition, items, cursor)
      cursor = page.cursor
      received += items.length
      if (!last && !early) next = fetchPage(cursor)
      if (name !== undefined) {
        record = {
          id: watermarkId(table, name),
          table,
          queryName: name,
          filter,
          updatedAt: cursor.updatedAt,
          pulledAt: last ? now() : record?.pulledAt ?? 0,
          rows: last ? received : record?.rows ?? 0,
        }
      }
      const rows = received
      const watermark = record
      await writing
      writing = writePage(store, table, page, watermark).then((counts) => {
        result.upserted += counts.upserted
        result.deleted += counts.deleted
        result.skipped += counts.skipped
        result.pages += 1
        deps.onProgress?.(rows, result.pages)
      })
      writing.catch(() => undefined) // reported by the next await of `writing`
      completed = last
    }
    await writing
  }
  catch (error) {
    // the page already on its way is stored before the pull reports; a storage failure of it wins
    await writing
    throw error
  }

  if (name !== undefined && !completed) {
    // ended on an empty page: the last watermark (or, when nothing ever came, the epoch) is complete now
    record = { id: watermarkId(table, name), table, queryName: name, filter, updatedAt: record?.updatedAt ?? EPOCH_WATERMARK, pulledAt: now(), rows: received }
    const complete = record
    await store.transaction('readwrite', [WATERMARKS_TABLE], tx => writeWatermark(tx, complete))
  }
  if (record) result.watermark = record.updatedAt
  return result
}
