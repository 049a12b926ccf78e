import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithStockServer, startStockServer, stockServerProblem, type StockServer } from '../support/stock-server'

/**
 * The stock Azure Mobile Apps server (npm `azure-mobile-apps` v4, sqlite) with plain fetch: the wire facts our pull
 * and push rely on when they talk to it (timestamp format and `eq` on a timestamp literal for keyset paging, `$top`
 * against its page size, 409/412 bodies, headers).
 */
const problem = await stockServerProblem()

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const HEADERS = { 'ZUMO-API-VERSION': '2.0.0', 'content-type': 'application/json' }

interface Reply {
  status: number
  headers: Headers
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any
}

describeWithStockServer('stock azure-mobile-apps server (sqlite)', problem, () => {
  let server: StockServer
  beforeAll(async () => {
    server = await startStockServer()
  })
  afterAll(async () => {
    await server?.close()
  })

  async function request(method: string, path: string, init: { body?: unknown, headers?: Record<string, string> } = {}): Promise<Reply> {
    const response = await fetch(`${server.url}/tables/${path}`, {
      method,
      headers: { ...HEADERS, ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    })
    const text = await response.text()
    return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined }
  }

  /** GET a list with the query parameters given (URL-encoded here). */
  async function list(table: string, query: Record<string, string>): Promise<Reply> {
    return request('GET', `${table}?${new URLSearchParams(query)}`)
  }

  const since = (timestamp: string) => `updatedAt ge datetimeoffset'${timestamp}'`
  const after = (u: string, i: string) => `(updatedAt gt datetimeoffset'${u}') or (updatedAt eq datetimeoffset'${u}' and id gt '${i}')`

  it('insert answers 201 with the system columns, ms timestamps with Z, ETag = "version" and its version header', async () => {
    const id = randomUUID()
    const reply = await request('POST', 'todos', { body: { id, text: 'hello', done: false, priority: 2 } })
    expect(reply.status).toBe(201)
    expect(reply.json).toMatchObject({ id, text: 'hello', done: false, priority: 2, deleted: false, version: 'MQ==' })
    expect(reply.json.updatedAt).toMatch(TIMESTAMP)
    expect(reply.json.createdAt).toBe(reply.json.updatedAt)
    expect(reply.headers.get('etag')).toBe(`"${reply.json.version}"`)
    expect(reply.headers.get('x-zumo-server-version')).toMatch(/^node-4\.\d+\.\d+$/)
    expect(reply.headers.get('x-offline-sync-batch')).toBeNull()

    // A column the table does not declare is added (dynamic schema); undeclared columns missing from a body are null.
    const extra = await request('POST', 'todos', { body: { id: randomUUID(), text: 'x', note: 'n' } })
    expect(extra.status).toBe(201)
    expect(extra.json).toMatchObject({ text: 'x', note: 'n', done: null, priority: null })
  })

  it('requests without ZUMO-API-VERSION and bodies with system columns are refused with 400', async () => {
    const missing = await fetch(`${server.url}/tables/todos`)
    expect(missing.status).toBe(400)
    const reserved = await request('POST', 'todos', { body: { id: randomUUID(), text: 'x', updatedAt: '2020-01-01T00:00:00.000Z' } })
    expect(reserved.status).toBe(400)
    expect(reserved.json.error).toMatch(/updatedAt/)
  })

  it('a duplicate insert answers 409 with the CLIENT item echoed (not the server row) and no strong ETag', async () => {
    const id = randomUUID()
    await request('POST', 'todos', { body: { id, text: 'first', done: false, priority: 1 } })
    const sent = { id, text: 'second', done: true }
    const reply = await request('POST', 'todos', { body: sent })
    expect(reply.status).toBe(409)
    expect(reply.json).toEqual(sent)
    expect(reply.headers.get('etag') ?? '').toMatch(/^(W\/.*)?$/)
    const stored = await request('GET', `todos/${id}`)
    expect(stored.json).toMatchObject({ text: 'first', done: false, priority: 1 })
  })

  it('an incremental list (ge, $orderby=updatedAt,id, __includeDeleted) finds the insert', async () => {
    const id = randomUUID()
    const created = (await request('POST', 'todos', { body: { id, text: 'listed', done: false, priority: 3 } })).json
    const reply = await list('todos', { $filter: since(created.updatedAt), $orderby: 'updatedAt,id', __includeDeleted: 'true' })
    expect(reply.status).toBe(200)
    expect(Array.isArray(reply.json)).toBe(true)
    expect(reply.json).toContainEqual(created)
    const times = reply.json.map((row: { updatedAt: string }) => row.updatedAt)
    expect(times).toEqual([...times].sort())
    expect(times.every((time: string) => time >= created.updatedAt)).toBe(true)
  })

  it('PATCH with a stale If-Match answers 412 with the server item and its ETag; a current one updates', async () => {
    const id = randomUUID()
    const created = (await request('POST', 'todos', { body: { id, text: 'v1', done: false, priority: 1 } })).json
    const updated = await request('PATCH', `todos/${id}`, { body: { id, text: 'v2' }, headers: { 'If-Match': `"${created.version}"` } })
    expect(updated.status).toBe(200)
    expect(updated.json).toMatchObject({ id, text: 'v2', done: false, priority: 1, version: 'Mg==' })
    expect(updated.json.updatedAt >= created.updatedAt).toBe(true)
    expect(updated.headers.get('etag')).toBe('"Mg=="')

    const stale = await request('PATCH', `todos/${id}`, { body: { id, text: 'v3' }, headers: { 'If-Match': `"${created.version}"` } })
    expect(stale.status).toBe(412)
    expect(stale.json).toEqual(updated.json)
    expect(stale.headers.get('etag')).toBe(`"${updated.json.version}"`)
  })

  it('DELETE with a stale If-Match answers 412 with the server item', async () => {
    const id = randomUUID()
    await request('POST', 'todos', { body: { id, text: 'v1' } })
    const stale = await request('DELETE', `todos/${id}`, { headers: { 'If-Match': '"OTk="' } })
    expect(stale.status).toBe(412)
    expect(stale.json).toMatchObject({ id, text: 'v1', deleted: false, version: 'MQ==' })
  })

  it('soft DELETE answers 200 with the deleted item; only __includeDeleted lists it; a second DELETE is 404', async () => {
    const id = randomUUID()
    const created = (await request('POST', 'todos', { body: { id, text: 'doomed', done: false, priority: 1 } })).json
    const removed = await request('DELETE', `todos/${id}`, { headers: { 'If-Match': `"${created.version}"` } })
    expect(removed.status).toBe(200)
    expect(removed.json).toMatchObject({ id, text: 'doomed', deleted: true, version: 'Mg==' })
    expect(removed.json.updatedAt).toMatch(TIMESTAMP)

    const filter = `id eq '${id}'`
    expect((await list('todos', { $filter: filter })).json).toEqual([])
    const withDeleted = await list('todos', { $filter: `(${since(created.updatedAt)}) and (${filter})`, $orderby: 'updatedAt,id', __includeDeleted: 'true' })
    expect(withDeleted.json).toEqual([removed.json])
    expect((await request('GET', `todos/${id}`)).status).toBe(404)
    const again = await request('DELETE', `todos/${id}`)
    expect(again.status).toBe(404)
    expect(again.json).toEqual({ error: 'The item does not exist' })
  })

  it('PATCH of a soft-deleted row answers 404 "does not exist" (no conflict, no server item), whatever If-Match says', async () => {
    const id = randomUUID()
    const created = (await request('POST', 'todos', { body: { id, text: 'a' } })).json
    const removed = (await request('DELETE', `todos/${id}`, { headers: { 'If-Match': `"${created.version}"` } })).json
    for (const version of [removed.version, created.version]) {
      const patched = await request('PATCH', `todos/${id}`, { body: { id, text: 'b' }, headers: { 'If-Match': `"${version}"` } })
      expect(patched.status).toBe(404)
      expect(patched.json).toEqual({ error: 'The item does not exist' })
    }
    const row = (await list('todos', { $filter: `id eq '${id}'`, __includeDeleted: 'true' })).json
    expect(row).toEqual([removed])
  })

  it('eq on a datetimeoffset literal matches every row stored at that millisecond (a tie made by the trigger)', async () => {
    const ids = Array.from({ length: 5 }, (_, n) => `tie-${n}-${randomUUID()}`).sort()
    for (const [n, id] of ids.entries()) await request('POST', 'items', { body: { id, n, text: 'tie' } })
    const touched = await server.touch('items', ids)
    const stamp = touched[0]!.updatedAt
    expect(stamp).toMatch(TIMESTAMP)
    expect(touched.map(row => row.updatedAt)).toEqual(ids.map(() => stamp))

    const literal = (value: string) => `updatedAt eq datetimeoffset'${value}'`
    const eq = await list('items', { $filter: literal(stamp), $orderby: 'updatedAt,id', __includeDeleted: 'true' })
    expect(eq.json.map((row: { id: string }) => row.id)).toEqual(ids)
    expect(eq.json.every((row: { updatedAt: string }) => row.updatedAt === stamp)).toBe(true)
    // Other spellings of the same instant match too; a literal 1 ms later matches nothing.
    for (const spelling of [stamp.replace('Z', '+00:00'), stamp.replace('Z', '0000Z')]) {
      expect((await list('items', { $filter: literal(spelling) })).json).toHaveLength(ids.length)
    }
    const later = new Date(Date.parse(stamp) + 1).toISOString()
    expect((await list('items', { $filter: `${literal(later)} and text eq 'tie'` })).json).toEqual([])
  })

  it('the keyset pull filter walks rows with equal updatedAt page by page, each row exactly once, in order', async () => {
    const tag = `keyset-${randomUUID()}`
    const ids = Array.from({ length: 7 }, (_, n) => `${tag}-${n}`)
    for (const [n, id] of ids.entries()) await request('POST', 'items', { body: { id, n, text: tag } })
    await server.touch('items', ids.slice(1, 6)) // a tie of 5 rows, longer than a page

    const base = `text eq '${tag}'`
    const seen: { id: string, updatedAt: string }[] = []
    let last: { id: string, updatedAt: string } | undefined
    for (let page = 0; page < 10; page += 1) {
      const filter = last ? `(${base}) and (${after(last.updatedAt, last.id)})` : base
      const reply = await list('items', { $filter: filter, $orderby: 'updatedAt,id', $top: '2', __includeDeleted: 'true' })
      expect(reply.status).toBe(200)
      if (reply.json.length === 0) break
      seen.push(...reply.json)
      last = reply.json.at(-1)
    }
    expect(seen.map(row => row.id).sort()).toEqual([...ids].sort())
    const order = [...seen].sort((a, b) => a.updatedAt === b.updatedAt ? (a.id < b.id ? -1 : 1) : (a.updatedAt < b.updatedAt ? -1 : 1))
    expect(seen).toEqual(order)
  })

  it('$top up to 1000 is honoured beyond the page size of 50; no $top gives 50 and a Link; 1001 is a 400', async () => {
    const tag = `top-${randomUUID()}`
    await Promise.all(Array.from({ length: 60 }, (_, n) => request('POST', 'items', { body: { id: `${tag}-${String(n).padStart(2, '0')}`, n, text: tag } })))
    const filter = `text eq '${tag}'`
    const top = await list('items', { $filter: filter, $orderby: 'updatedAt,id', $top: '1000', __includeDeleted: 'true' })
    expect(top.json).toHaveLength(60)
    expect(top.headers.get('link')).toBeNull()

    const paged = await list('items', { $filter: filter })
    expect(paged.json).toHaveLength(50)
    // The Link is built from req.hostname and the router's path: no port and no /tables/items, so not followable.
    expect(paged.headers.get('link')).toMatch(/^http:\/\/127\.0\.0\.1\/\?.*%24skip=50; rel=next$/)

    const tooMany = await list('items', { $filter: filter, $top: '1001' })
    expect(tooMany.status).toBe(400)
    expect(tooMany.json).toEqual({ error: 'You cannot request more than 1000 records' })
  })
})
