import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import type { PushResult } from '../../src/runtime/core/sync/contract'
import type { TablesDefinition } from '../../src/runtime/core/schema'
import type { LocalStore, Row } from '../../src/runtime/core/store'
import { CLOCK_TABLE } from '../../src/runtime/server/db/clock'
import type { Harness } from '../conformance/support/harness'

/** The tables of the pull and purge tests (server and local store). */
export const PULL_TABLES: TablesDefinition = {
  items: { columns: { text: 'string', n: 'number', tag: 'string' }, indexes: ['tag'] },
  others: { columns: { text: 'string' } },
}

/**
 * The page size of these tests: the server's `pageSize` (its v3 pages hold twice as many whatever `$top` asks; a v2
 * `$top` is honoured), the pulls' `pageSize` where a test needs several pages, and the `cap` of a recording fetch
 * that plays a server capping every page.
 */
export const SERVER_PAGE = 10

/** One list request as the recording fetch saw it. */
export interface RecordedRequest {
  url: string
  /** The decoded `$filter`, or null. */
  filter: string | null
  /** Ids of the rows the answer carried, in order (empty when the request failed). */
  ids: string[]
}

export interface RecordingOptions {
  /** Runs before list request `index` (0-based) is sent. */
  before?: (index: number) => Promise<void> | void
  /** Throw a network failure instead of sending list request `index`. */
  fail?: (index: number) => boolean
  /** Replaces the JSON body of the answer to list request `index`. */
  rewrite?: (index: number, body: unknown) => unknown
  /**
   * Sends at most this `$top` (the request recorded is the client's): the server then answers like one that caps
   * every page at its own page size whatever `$top` asks (the Datasync toolkit, ASP.NET OData's `PageSize`).
   */
  cap?: number
}

/** The URL with its `$top` lowered to `cap`, the rest of the query as sent. */
function capped(url: string, cap: number): string {
  const parsed = new URL(url)
  const top = parsed.searchParams.get('$top')
  if (top === null || Number(top) <= cap) return url
  return url.replace(/([?&])\$top=\d+/, `$1$top=${cap}`)
}

/** A `fetch` that records every list (GET) request and its rows, and can fail or rewrite chosen ones. */
export function recordingFetch(options: RecordingOptions = {}) {
  const requests: RecordedRequest[] = []
  const fetchFn: typeof globalThis.fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input)
    if ((init?.method ?? 'GET') !== 'GET') return fetch(input, init)
    const index = requests.length
    const record: RecordedRequest = { url, filter: new URL(url).searchParams.get('$filter'), ids: [] }
    requests.push(record)
    await options.before?.(index)
    if (options.fail?.(index)) throw new TypeError('fetch failed (test)')
    const response = await fetch(options.cap === undefined ? input : capped(url, options.cap), init)
    let body: unknown = await response.json()
    if (options.rewrite) body = options.rewrite(index, body)
    const rows = Array.isArray(body) ? body : (body as { items: unknown[] }).items
    record.ids = (rows as { id: string }[]).map(row => row.id)
    const headers = new Headers(response.headers)
    headers.delete('content-length')
    return new Response(JSON.stringify(body), { status: response.status, headers })
  }
  return { fetch: fetchFn, requests, rows: () => requests.flatMap(request => request.ids) }
}

/** A stand-in for the implicit push: records its calls and answers `result`. */
export function fakePush(result: Partial<PushResult> = {}) {
  const calls: number[] = []
  const pushFirst = async (): Promise<PushResult> => {
    calls.push(Date.now())
    return { pushed: 0, conflicts: [], errors: [], batched: false, ...result }
  }
  return { pushFirst, calls }
}

export const rowId = (tag: string, n: number) => `${tag}-${String(n).padStart(4, '0')}`

/** Inserts rows `from … from+count-1` of `tag` through the database in one transaction (each gets its own stamp). */
export async function seed(h: Harness, tag: string, count: number, from = 0): Promise<void> {
  await h.db.transaction().execute(async (trx) => {
    for (let n = from; n < from + count; n++) await trx.insertInto('items').values({ id: rowId(tag, n), n, text: `t${n}`, tag }).execute()
  })
}

/**
 * Imports rows that all carry ONE `updatedAt`, as a data migration would: the stamping trigger is bypassed
 * (`session_replication_role = replica`) and the clock moved to that stamp, so later writes stamp after it.
 */
export async function importTied(h: Harness, tag: string, from: number, count: number): Promise<string> {
  return h.db.transaction().execute(async (trx) => {
    await sql`set local session_replication_role = replica`.execute(trx)
    const clock = await trx.selectFrom(CLOCK_TABLE).select('last').where('table', '=', 'items').forUpdate().executeTakeFirstOrThrow()
    const stamp = new Date((clock.last as Date).getTime() + 1)
    await trx.insertInto('items').values(Array.from({ length: count }, (_, i) => ({
      id: rowId(tag, from + i),
      n: from + i,
      text: `t${from + i}`,
      tag,
      createdAt: stamp,
      updatedAt: stamp,
      version: randomBytes(16).toString('base64'),
      deleted: false,
    }))).execute()
    await trx.updateTable(CLOCK_TABLE).set({ last: stamp }).where('table', '=', 'items').execute()
    return stamp.toISOString()
  })
}

/** What a row must look like on both sides after a pull. */
export interface Comparable { id: string, n: unknown, text: unknown, version: unknown, updatedAt: string }

/** The server's live (not deleted) rows of `tag`, ordered by id. */
export async function serverRows(h: Harness, tag: string): Promise<Comparable[]> {
  const rows = await h.db.selectFrom('items').selectAll().where('tag', '=', tag).where('deleted', '=', false).orderBy('id').execute()
  return rows.map(row => ({ id: row.id as string, n: row.n, text: row.text, version: row.version, updatedAt: (row.updatedAt as Date).toISOString() }))
}

/** The local rows of `items` (of `tag` when given), ordered by id. */
export async function localRows(store: LocalStore, tag?: string): Promise<Comparable[]> {
  const rows = await store.transaction('readonly', ['items'], tx => tx.query<Row>('items', tag ? { where: { tag } } : undefined))
  return rows.map(row => ({ id: row.id, n: row.n, text: row.text, version: row.version, updatedAt: row.updatedAt as string }))
}

/** `updatedAt` of a server row. */
export async function stampOf(h: Harness, id: string): Promise<string> {
  const row = await h.db.selectFrom('items').select('updatedAt').where('id', '=', id).executeTakeFirstOrThrow()
  return (row.updatedAt as Date).toISOString()
}
