import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Exchange, StockClient, StockError, StockRow, StockRows, StockTable } from './stock-client'
import { createStockClient, describeExchanges, loadStockClient } from './stock-client'
import type { TestServer } from './table-server'
import { startTableServer } from './table-server'

// The stock Azure Mobile Apps JS client (azure-mobile-apps-client 2.0.1, protocol v2) against our table server.

interface Todo {
  id: string
  text: string
  complete: boolean
  priority: number
  due: string
}

const SEED: Todo[] = Array.from({ length: 12 }, (_, i) => ({
  id: `seed-${String(i).padStart(2, '0')}`,
  text: i % 3 === 0 ? `Buy item ${i}` : `Call person ${i}`,
  complete: i % 4 === 0,
  priority: i % 5,
  due: new Date(Date.UTC(2024, 0, 1 + i, 12, 0, 0, 250)).toISOString(),
}))

let server: TestServer
let client: StockClient
let table: StockTable
const log: Exchange[] = []

/** What the server holds for `id`, read with a plain request (not through the stock client). */
async function serverRow(id: string, includeDeleted = false): Promise<{ status: number, body: Record<string, unknown> | null }> {
  const query = includeDeleted ? '?__includeDeleted=true' : ''
  const response = await fetch(`${server.url}/tables/todoitem/${encodeURIComponent(id)}${query}`, { headers: { 'ZUMO-API-VERSION': '2.0.0' } })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) as Record<string, unknown> : null }
}

/** Every id on the server, deleted rows included, read with plain requests page by page. */
async function allServerIds(): Promise<string[]> {
  const found: string[] = []
  for (;;) {
    const response = await fetch(`${server.url}/tables/todoitem?$orderby=id&$skip=${found.length}&__includeDeleted=true`, { headers: { 'ZUMO-API-VERSION': '2.0.0' } })
    const page = await response.json() as StockRow[]
    found.push(...page.map(row => row.id))
    if (page.length === 0) return found.sort()
  }
}

async function rejection(promise: Promise<unknown>): Promise<StockError> {
  try {
    await promise
  }
  catch (error) {
    return error as StockError
  }
  throw new Error(`expected a rejection, got success:\n${describeExchanges(log, 1)}`)
}

const ids = (rows: StockRow[]) => rows.map(row => row.id)
const byId = (a: Todo, b: Todo) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

beforeAll(async () => {
  server = await startTableServer({
    todoitem: { columns: { text: 'string', complete: 'boolean', priority: 'number', due: 'date' } },
  })
  client = createStockClient(server.url, log)
  table = client.getTable('todoitem')
  for (const todo of SEED) {
    const response = await fetch(`${server.url}/tables/todoitem`, {
      method: 'POST',
      headers: { 'ZUMO-API-VERSION': '2.0.0', 'Content-Type': 'application/json' },
      body: JSON.stringify(todo),
    })
    expect(response.status, await response.clone().text()).toBe(201)
  }
})

afterAll(async () => {
  await server?.close()
})

describe('stock JS client: insert', () => {
  it('inserts a row with its own id and gets the server item back', async () => {
    const due = new Date(Date.UTC(2024, 5, 1, 8, 30, 0, 123))
    const inserted = await table.insert({ id: 'stock-insert-1', text: 'Buy milk', complete: false, priority: 2, due })

    expect(inserted.id).toBe('stock-insert-1')
    expect(inserted.text).toBe('Buy milk')
    // The client's reviver turns only `YYYY-MM-DDTHH:mm:ss(.f*)Z` strings into Dates: a string here means a wrong format.
    expect(inserted.updatedAt, describeExchanges(log, 1)).toBeInstanceOf(Date)
    expect(inserted.createdAt, describeExchanges(log, 1)).toBeInstanceOf(Date)
    expect((inserted.due as Date).getTime()).toBe(due.getTime())
    expect(inserted.deleted).toBe(false)
    expect(typeof inserted.version).toBe('string')
    expect(inserted.version).not.toBe('')
    expect(log.at(-1)).toMatchObject({ method: 'POST', status: 201 })

    const stored = await serverRow('stock-insert-1')
    expect(stored.status).toBe(200)
    expect(stored.body).toMatchObject({ id: 'stock-insert-1', text: 'Buy milk', complete: false, priority: 2, due: due.toISOString(), deleted: false, version: inserted.version })
    expect(stored.body!.updatedAt).toBe((inserted.updatedAt as Date).toISOString())
  })

  it('inserts a row without an id and the server makes one', async () => {
    const inserted = await table.insert({ text: 'no id', complete: true, priority: 1 })
    expect(typeof inserted.id).toBe('string')
    expect(inserted.id.length).toBeGreaterThan(0)
    const stored = await serverRow(inserted.id)
    expect(stored.body).toMatchObject({ id: inserted.id, text: 'no id', complete: true, priority: 1 })
  })

  it('rejects a second insert with the same id as a 409 conflict and keeps the first row', async () => {
    await table.insert({ id: 'stock-dup', text: 'first' })
    const error = await rejection(table.insert({ id: 'stock-dup', text: 'second' }))
    expect(error.request?.status, describeExchanges(log, 1)).toBe(409)
    expect((await serverRow('stock-dup')).body).toMatchObject({ id: 'stock-dup', text: 'first' })
  })
})

describe('stock JS client: query API', () => {
  const seeded = (rows: StockRow[]) => rows.filter(row => row.id.startsWith('seed-'))

  it('filters with an object and orders by a column (id breaks ties)', async () => {
    const rows = await table.where({ complete: false }).orderBy('priority').read()
    const expected = SEED.filter(t => !t.complete).sort((a, b) => a.priority - b.priority || byId(a, b))
    expect(ids(seeded(rows)), describeExchanges(log, 1)).toEqual(expected.map(t => t.id))
  })

  it('filters with a function and parameters, descending order', async () => {
    const rows = await table
      .where(function (this: Record<string, unknown>, min: number, text: string) {
        return (this.priority as number) >= min && this.text !== text
      }, 2, 'Buy item 3')
      .orderByDescending('priority')
      .read()
    const expected = SEED.filter(t => t.priority >= 2 && t.text !== 'Buy item 3').sort((a, b) => b.priority - a.priority || byId(a, b))
    expect(ids(seeded(rows)), describeExchanges(log, 1)).toEqual(expected.map(t => t.id))
  })

  it('filters with string functions (indexof, tolower) and a datetime literal', async () => {
    const bought = await table.where(function (this: Record<string, unknown>) {
      return (this.text as string).toLowerCase().indexOf('buy item') === 0
    }).orderBy('id').read()
    expect(ids(seeded(bought)), describeExchanges(log, 1)).toEqual(SEED.filter(t => t.text.startsWith('Buy item')).map(t => t.id))

    const limit = new Date(Date.UTC(2024, 0, 5))
    const early = await table.where(function (this: Record<string, unknown>, before: Date) {
      return (this.due as Date) < before
    }, limit).orderBy('due').read()
    expect(ids(seeded(early)), describeExchanges(log, 1)).toEqual(SEED.filter(t => t.due < limit.toISOString()).map(t => t.id))
  })

  it('pages with skip and take and reports the total count', async () => {
    const all = SEED.filter(t => t.text.startsWith('Call')).sort((a, b) => a.priority - b.priority || byId(a, b))
    const page = await table.where(function (this: Record<string, unknown>) {
      // The client translates this function's source into OData; it knows indexOf, not startsWith.
      // eslint-disable-next-line unicorn/prefer-string-starts-ends-with
      return (this.text as string).indexOf('Call') === 0
    }).orderBy('priority').skip(2).take(3).includeTotalCount().read()
    expect(ids(page), describeExchanges(log, 1)).toEqual(all.slice(2, 5).map(t => t.id))
    expect(page.totalCount).toBe(all.length)
  })

  it('follows the server\'s Link (rel=next) header page by page with the stock client', async () => {
    for (let i = 0; i < 60; i++) {
      const response = await fetch(`${server.url}/tables/todoitem`, {
        method: 'POST',
        headers: { 'ZUMO-API-VERSION': '2.0.0', 'Content-Type': 'application/json' },
        body: JSON.stringify({ id: `bulk-${String(i).padStart(2, '0')}`, text: 'bulk', priority: 100 + (i % 4) }),
      })
      expect(response.status).toBe(201)
    }
    let page = await table.where({ text: 'bulk' }).orderByDescending('priority').read()
    const seen = [...ids(page)]
    let pages = 1
    while ((page as StockRows & { nextLink?: string }).nextLink) {
      page = await table.read((page as StockRows & { nextLink?: string }).nextLink)
      seen.push(...ids(page))
      pages++
    }
    const expected = Array.from({ length: 60 }, (_, i) => ({ id: `bulk-${String(i).padStart(2, '0')}`, priority: 100 + (i % 4) }))
      .sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : 1))
    expect(pages, describeExchanges(log, 2)).toBe(2)
    expect(seen).toEqual(expected.map(row => row.id))
  })

  it('pages through the table the way the stock client\'s pull does (datetimeoffset, $orderby=updatedAt, $skip on ties)', async () => {
    // Rebuilds sdk/src/sync/pull.js page queries with the client's own Query class.
    const { Query } = loadStockClient()
    let watermark = new Date(1970, 0, 0)
    let skip = 0
    const seen = new Map<string, StockRow>()
    for (let pages = 0; pages < 500; pages++) {
      const query = new Query('todoitem')
        .where(function (this: Record<string, unknown>, since: Date) {
          return (this.updatedAt as Date) >= since
        }, watermark)
        .orderBy('updatedAt')
        .take(4)
      if (skip) query.skip(skip)
      const odata = query.toOData().replace(/^\/todoitem/, '').replace('datetime\'', 'datetimeoffset\'')
      const rows = await table.read(odata, { __includeDeleted: true })
      if (rows.length === 0) break
      for (const row of rows) seen.set(row.id, row)
      const last = rows.at(-1)!.updatedAt
      expect(last, describeExchanges(log, 1)).toBeInstanceOf(Date)
      if ((last as Date).getTime() === watermark.getTime()) skip += rows.length
      else {
        watermark = last as Date
        skip = 0
      }
    }
    expect(log.at(-1)!.url).toContain('datetimeoffset')
    expect([...seen.keys()].sort()).toEqual(await allServerIds())
  })
})

describe('stock JS client: update and optimistic concurrency', () => {
  it('updates with the current version, then a stale version is a 412 carrying the server item', async () => {
    const inserted = await table.insert({ id: 'stock-update', text: 'v1', priority: 1 })
    const updated = await table.update({ ...inserted, text: 'v2' })
    expect(log.at(-1)).toMatchObject({ method: 'PATCH', status: 200 })
    expect(log.at(-1)!.headers['If-Match']).toBe(`"${inserted.version as string}"`)
    expect(updated.text).toBe('v2')
    expect(updated.priority).toBe(1)
    expect(updated.version).not.toBe(inserted.version)
    expect((updated.updatedAt as Date).getTime()).toBeGreaterThanOrEqual((inserted.updatedAt as Date).getTime())

    const error = await rejection(table.update({ ...inserted, text: 'stale write' }))
    expect(error.request?.status, describeExchanges(log, 1)).toBe(412)
    expect(error.serverInstance, describeExchanges(log, 1)).toMatchObject({ id: 'stock-update', text: 'v2', version: updated.version })

    const stored = await serverRow('stock-update')
    expect(stored.body).toMatchObject({ text: 'v2', version: updated.version })
  })

  it('updates without a version (no If-Match) unconditionally', async () => {
    await table.insert({ id: 'stock-blind', text: 'a' })
    const updated = await table.update({ id: 'stock-blind', text: 'b' })
    expect(log.at(-1)!.headers['If-Match']).toBeUndefined()
    expect(updated.text).toBe('b')
    expect((await serverRow('stock-blind')).body).toMatchObject({ text: 'b', version: updated.version })
  })
})

describe('stock JS client: delete and includeDeleted', () => {
  it('deletes with the current version; the row is soft-deleted and hidden from normal reads', async () => {
    const inserted = await table.insert({ id: 'stock-delete', text: 'to delete', priority: 4 })
    await table.del(inserted)
    expect(log.at(-1)).toMatchObject({ method: 'DELETE', status: 200 })

    expect((await serverRow('stock-delete')).status).toBe(404)
    const tombstone = await serverRow('stock-delete', true)
    expect(tombstone.status).toBe(200)
    expect(tombstone.body).toMatchObject({ id: 'stock-delete', deleted: true })
    expect(tombstone.body!.version).not.toBe(inserted.version)

    const visible = await table.where({ priority: 4 }).read()
    expect(ids(visible)).not.toContain('stock-delete')
  })

  it('reads deleted rows with includeDeleted() and with the __includeDeleted parameter', async () => {
    const withQuery = await table.where({ priority: 4 }).includeDeleted().read()
    expect(log.at(-1)!.url).toContain('__includeDeleted=true')
    const tombstone = withQuery.find(row => row.id === 'stock-delete')
    expect(tombstone, describeExchanges(log, 1)).toMatchObject({ deleted: true })

    const withParameter = await table.where({ priority: 4 }).read({ __includeDeleted: true })
    expect(ids(withParameter)).toContain('stock-delete')
    expect(withParameter.filter(row => row.deleted === true).map(row => row.id)).toContain('stock-delete')
  })

  it('counts and returns deleted rows for a query with only includeTotalCount() and includeDeleted() (sent with a second `?`)', async () => {
    // An id that sorts before the others, so that the deleted row is on the first page.
    const inserted = await table.insert({ id: '0-stock-deleted', text: 'deleted, listed first' })
    await table.del(inserted)
    const { Query } = loadStockClient()
    const rows = await table.read(new Query('todoitem').includeTotalCount().includeDeleted())
    // The client's own bug: `?` instead of `&` before __includeDeleted.
    expect(log.at(-1)!.url).toMatch(/\/tables\/todoitem\?\$inlinecount=allpages\?__includeDeleted=true$/)
    expect(log.at(-1)!.status, describeExchanges(log, 1)).toBe(200)
    const everything = await allServerIds()
    expect(rows.totalCount, describeExchanges(log, 1)).toBe(everything.length)
    expect(rows.find(row => row.id === '0-stock-deleted')).toMatchObject({ deleted: true })
    const firstPage = await fetch(`${server.url}/tables/todoitem?__includeDeleted=true`, { headers: { 'ZUMO-API-VERSION': '2.0.0' } })
    expect(ids(rows)).toEqual(ids(await firstPage.json() as StockRow[]))
  })

  it('rejects a delete with a stale version as a 412 with the server item and keeps the row', async () => {
    const inserted = await table.insert({ id: 'stock-delete-stale', text: 'keep' })
    const updated = await table.update({ ...inserted, text: 'kept' })
    const error = await rejection(table.del(inserted))
    expect(error.request?.status, describeExchanges(log, 1)).toBe(412)
    expect(error.serverInstance).toMatchObject({ id: 'stock-delete-stale', text: 'kept', version: updated.version, deleted: false })
    expect((await serverRow('stock-delete-stale')).body).toMatchObject({ deleted: false, text: 'kept' })
  })

  it('looks up a live row by id and gets its version from the ETag', async () => {
    const row = await table.lookup('seed-01')
    expect(row).toMatchObject({ id: 'seed-01', text: SEED[1]!.text, priority: SEED[1]!.priority })
    expect(row.version).toBe((await serverRow('seed-01')).body!.version)
  })
})
