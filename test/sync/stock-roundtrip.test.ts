import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { PendingOperationsError } from '../../src/runtime/core/errors'
import { createMemoryStore } from '../../src/runtime/core/memory-store'
import type { TablesDefinition } from '../../src/runtime/core/schema'
import type { LocalStore, Row } from '../../src/runtime/core/store'
import { createSyncClient, type SyncClient } from '../../src/runtime/core/sync-client'
import { listConflicts, resolveConflict } from '../../src/runtime/core/sync/conflicts'
import type { ServerItem, TableClient } from '../../src/runtime/core/sync/contract'
import { pull } from '../../src/runtime/core/sync/pull'
import { purge } from '../../src/runtime/core/sync/purge'
import { push } from '../../src/runtime/core/sync/push'
import { createTableClient } from '../../src/runtime/core/sync/table-client'
import { listWatermarks } from '../../src/runtime/core/sync/watermarks'
import { describeWithStockServer, startStockServer, stockServerProblem, type StockServer } from '../support/stock-server'

/**
 * Our client (memory store, table client, push, pull, purge, conflict resolution) against the STOCK Azure Mobile
 * Apps server (npm `azure-mobile-apps` v4, sqlite), protocol v2: the round trip an app makes with a stock backend.
 */
const problem = await stockServerProblem()

const TABLES: TablesDefinition = {
  todos: { columns: { text: 'string', done: 'boolean', priority: 'number' } },
  items: { columns: { n: 'number', text: 'string', tag: 'string' } },
}
/** The same tables on the stock server (soft delete on: pull needs `deleted`). */
const STOCK_TABLES = {
  todos: { text: 'string', done: 'boolean', priority: 'number' },
  items: { n: 'number', text: 'string', tag: 'string' },
} as const
const HEADERS = { 'ZUMO-API-VERSION': '2.0.0', 'content-type': 'application/json' }

describeWithStockServer('our client against the stock azure-mobile-apps server', problem, () => {
  let server: StockServer
  let store: LocalStore
  let client: SyncClient
  let tableClient: TableClient
  /** `$filter` of every list request our client sent, in order. */
  let filters: string[]
  /** Every request our client sent: `METHOD /path`. */
  let requests: string[]
  /** Loses the answer to the next request it accepts, after the server applied it (then it is cleared). */
  let lose: ((method: string, url: URL) => boolean) | undefined

  beforeAll(async () => {
    server = await startStockServer({ tables: STOCK_TABLES })
  })
  afterAll(async () => {
    await server?.close()
  })

  function setup(): void {
    store = createMemoryStore({ tables: TABLES })
    client = createSyncClient({ store })
    filters = []
    requests = []
    lose = undefined
    tableClient = createTableClient({
      baseUrl: `${server.url}/tables`,
      fetch: async (input, init) => {
        const url = new URL(String(input))
        const method = init?.method ?? 'GET'
        if (method === 'GET') filters.push(url.searchParams.get('$filter') ?? '')
        requests.push(`${method} ${decodeURIComponent(url.pathname)}`)
        const response = await fetch(input, init)
        if (lose?.(method, url)) {
          lose = undefined
          await response.arrayBuffer()
          throw new TypeError('fetch failed (test: the answer was lost)')
        }
        return response
      },
    })
  }
  beforeAll(setup)
  afterEach(async () => {
    await store.close()
    setup()
  })

  const pushAll = () => push({ client, tableClient })
  const pullTable = (table: string, query?: { name?: string, filter?: string }, pageSize?: number) =>
    pull({ client, tableClient, pageSize, pushFirst: pushAll }, table, query)
  const local = (table: string, id: string) => store.transaction('readonly', [table], tx => tx.get(table, id))
  const localRows = (table: string, tag?: string) => store.transaction('readonly', [table], tx => tx.query<Row>(table, tag ? { where: { tag } } : undefined))

  /** A request to the stock server as another device makes it. */
  async function stock(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number, json: ServerItem }> {
    const response = await fetch(`${server.url}/tables/${path}`, { method, headers: { ...HEADERS, ...headers }, body: body === undefined ? undefined : JSON.stringify(body) })
    return { status: response.status, json: await response.json() as ServerItem }
  }
  const serverItem = async (table: string, id: string) => {
    const reply = await stock('GET', `${table}?${new URLSearchParams({ $filter: `id eq '${id}'`, __includeDeleted: 'true' })}`)
    return (reply.json as unknown as ServerItem[])[0]
  }
  /** The server's rows of `tag` (deleted too), ordered by id. */
  const serverRows = async (tag: string) => {
    const reply = await stock('GET', `items?${new URLSearchParams({ $filter: `tag eq '${tag}'`, $orderby: 'id', $top: '1000', __includeDeleted: 'true' })}`)
    return reply.json as unknown as ServerItem[]
  }
  const same = (rows: Row[]) => rows.map(row => ({ id: row.id, n: row.n, text: row.text, tag: row.tag, version: row.version, updatedAt: row.updatedAt }))
    .sort((a, b) => (a.id < b.id ? -1 : 1))

  it('inserts, updates and deletes made offline reach the server in one push; local rows take its system columns', async () => {
    const todos = client.table('todos')
    const a = await todos.insert({ text: 'a', done: false, priority: 1 })
    const b = await todos.insert({ text: 'b', done: false, priority: 2 })
    const first = await pushAll()
    expect(first).toMatchObject({ pushed: 2, conflicts: [], errors: [], batched: false })
    expect(first.stopped).toBeUndefined()
    expect(tableClient.batchSupported).toBe(false)

    // offline again: an update, a delete and an insert queue up
    await todos.update({ id: a.id, text: 'a2', done: true })
    await todos.remove(b.id)
    const c = await todos.insert({ text: 'c', done: false, priority: 3 })
    expect(await client.pendingCount()).toBe(3)
    const second = await pushAll()
    expect(second).toMatchObject({ pushed: 3, conflicts: [], errors: [] })
    expect(await client.pendingCount()).toBe(0)

    const serverA = await serverItem('todos', a.id)
    expect(serverA).toMatchObject({ text: 'a2', done: true, priority: 1, deleted: false, version: 'Mg==' })
    expect(await serverItem('todos', b.id)).toMatchObject({ text: 'b', deleted: true })
    const serverC = await serverItem('todos', c.id)
    expect(serverC).toMatchObject({ text: 'c', done: false, priority: 3, deleted: false })
    expect(await local('todos', a.id)).toEqual({ ...serverA, deleted: false })
    expect(await local('todos', b.id)).toBeUndefined()
    expect(await local('todos', c.id)).toEqual(serverC)
  })

  it('an incremental pull by query name walks several pages (a tie longer than a page included) and then only the changes', async () => {
    const tag = `pull-${randomUUID()}`
    const ids = Array.from({ length: 23 }, (_, n) => `${tag}-${String(n).padStart(2, '0')}`)
    for (const [n, id] of ids.entries()) expect((await stock('POST', 'items', { id, n, text: `t${n}`, tag })).status).toBe(201)
    const tie = await server.touch('items', ids.slice(5, 17)) // 12 rows with one updatedAt
    expect(new Set(tie.map(row => row.updatedAt)).size).toBe(1)

    const filter = `tag eq '${tag}'`
    const first = await pullTable('items', { name: 'mine', filter }, 5)
    const rows = await serverRows(tag)
    expect(same(await localRows('items', tag))).toEqual(same(rows as Row[]))
    const newest = rows.map(row => row.updatedAt!).sort().at(-1)
    expect(first).toEqual({ table: 'items', queryName: 'mine', upserted: 23, deleted: 0, skipped: 0, pages: 5, watermark: newest })
    expect(filters[0]).toBe(filter)
    expect(filters[1]).toMatch(/^\(tag eq '.*'\) and \(\(updatedAt gt datetimeoffset'.*Z'\) or \(updatedAt eq datetimeoffset'.*Z' and id gt '.*'\)\)$/)
    expect(await listWatermarks(store)).toMatchObject([{ id: 'items/mine', filter, updatedAt: newest, rows: 23 }])

    // another device changes one row, deletes one and inserts one
    const changed = ids[2]!
    const gone = ids[8]!
    await stock('PATCH', `items/${changed}`, { id: changed, text: 'changed' })
    const doomed = await serverItem('items', gone)
    expect((await stock('DELETE', `items/${gone}`, undefined, { 'If-Match': `"${doomed!.version}"` })).status).toBe(200)
    const added = `${tag}-99`
    await stock('POST', 'items', { id: added, n: 99, text: 'new', tag })
    filters = []
    const second = await pullTable('items', { name: 'mine', filter }, 5)
    expect(filters[0]).toBe(`(${filter}) and (updatedAt ge datetimeoffset'${newest}')`)
    // the 11 rows still at the watermark come again (ge), then the three changes
    const after = await serverRows(tag)
    expect(second).toEqual({ table: 'items', queryName: 'mine', upserted: 13, deleted: 1, skipped: 0, pages: 3, watermark: after.map(row => row.updatedAt!).sort().at(-1) })
    expect(same(await localRows('items', tag))).toEqual(same(after.filter(row => !row.deleted) as Row[]))
    expect(await local('items', changed)).toMatchObject({ text: 'changed' })
    expect(await local('items', gone)).toBeUndefined()
    expect(await local('items', added)).toMatchObject({ n: 99, text: 'new' })
  })

  it('the default page size (1000) is honoured by the stock server: 60 rows come in one page', async () => {
    const tag = `top-${randomUUID()}`
    for (let n = 0; n < 60; n++) await stock('POST', 'items', { id: `${tag}-${String(n).padStart(2, '0')}`, n, text: `t${n}`, tag })
    const result = await pullTable('items', { name: 'top', filter: `tag eq '${tag}'` })
    expect(result).toMatchObject({ upserted: 60, pages: 1 })
    expect(await localRows('items', tag)).toHaveLength(60)
  })

  it('a pull of a table with queued operations pushes first; a row whose push conflicted is skipped, not overwritten', async () => {
    const tag = `implicit-${randomUUID()}`
    const [a, b] = [`${tag}-a`, `${tag}-b`]
    await stock('POST', 'items', { id: a, n: 1, text: 'server', tag })
    await stock('POST', 'items', { id: b, n: 2, text: 'server', tag })
    const query = { name: 'implicit', filter: `tag eq '${tag}'` }
    await pullTable('items', query)
    await client.table('items').update({ id: a, text: 'mine' })
    await client.table('items').update({ id: b, text: 'mine too' })
    await stock('PATCH', `items/${b}`, { id: b, text: 'theirs' }) // b's update will conflict

    const result = await pullTable('items', query)
    expect(await serverItem('items', a)).toMatchObject({ text: 'mine', version: 'Mg==' })
    expect(await local('items', a)).toMatchObject({ text: 'mine', version: 'Mg==' })
    expect(await listConflicts(store)).toMatchObject([{ itemId: b, status: 412, serverItem: { text: 'theirs' } }])
    expect(result.skipped).toBe(1)
    expect(await local('items', b)).toMatchObject({ text: 'mine too', version: 'MQ==' })
  })

  it('a server-side change makes our update a 412 conflict with the server item; client wins puts my values on the server', async () => {
    const todos = client.table('todos')
    const mine = await todos.insert({ text: 'original', done: false, priority: 1 })
    await pushAll()
    const theirs = await stock('PATCH', `todos/${mine.id}`, { id: mine.id, text: 'theirs', priority: 9 })
    expect(theirs.status).toBe(200)

    await todos.update({ id: mine.id, text: 'mine', done: true })
    const pushed = await pushAll()
    expect(pushed.pushed).toBe(0)
    expect(pushed.conflicts).toHaveLength(1)
    const [conflict] = pushed.conflicts
    expect(conflict).toMatchObject({ table: 'todos', itemId: mine.id, kind: 'update', status: 412, serverItem: theirs.json })
    expect(conflict!.clientItem).toMatchObject({ text: 'mine', done: true, priority: 1 })
    expect(await listConflicts(store)).toEqual([conflict])
    expect((await client.operations())[0]).toMatchObject({ state: 'conflict' })

    await resolveConflict({ client }, conflict!.id, { choice: 'client' })
    const retried = await pushAll()
    expect(retried).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    const stored = await serverItem('todos', mine.id)
    expect(stored).toMatchObject({ text: 'mine', done: true, priority: 1, version: 'Mw==' })
    expect(await local('todos', mine.id)).toEqual(stored)
    expect(await listConflicts(store)).toEqual([])
  })

  it('a delete of a row changed on the server is a 412 conflict; server wins brings the server row back', async () => {
    const todos = client.table('todos')
    const mine = await todos.insert({ text: 'keep?', done: false, priority: 1 })
    await pushAll()
    const theirs = (await stock('PATCH', `todos/${mine.id}`, { id: mine.id, text: 'still needed' })).json
    await todos.remove(mine.id)
    const pushed = await pushAll()
    expect(pushed.conflicts).toMatchObject([{ kind: 'delete', status: 412, serverItem: theirs }])
    await resolveConflict({ client }, pushed.conflicts[0]!.id, { choice: 'server' })
    expect(await client.pendingCount()).toBe(0)
    expect(await local('todos', mine.id)).toEqual(theirs)
    expect(await serverItem('todos', mine.id)).toEqual(theirs)
  })

  it('an insert whose id another device already used is a 409 conflict, not a success: the stock 409 echoes OUR item, so the row is read back', async () => {
    const id = randomUUID()
    const theirs = await stock('POST', 'todos', { id, text: 'theirs', done: false, priority: 5 })
    expect(theirs.status).toBe(201)
    await client.table('todos').insert({ id, text: 'mine', done: true, priority: 1 })
    const pushed = await pushAll()
    expect(pushed.pushed).toBe(0)
    expect(pushed.conflicts).toMatchObject([{ itemId: id, kind: 'insert', status: 409 }])
    // the echo is what we sent, not the server's row: the conflict carries the row read back instead
    expect(pushed.conflicts[0]!.serverItem).toEqual(theirs.json)
    expect(requests).toEqual(['POST /tables/todos', `GET /tables/todos/${id}`])
    expect(await serverItem('todos', id)).toMatchObject({ text: 'theirs', priority: 5 })

    // client wins: the insert becomes an update of their version (If-Match) and my values win
    await resolveConflict({ client }, pushed.conflicts[0]!.id, { choice: 'client' })
    expect((await client.operations())[0]).toMatchObject({ kind: 'update', version: theirs.json.version })
    expect(await pushAll()).toMatchObject({ pushed: 1, conflicts: [] })
    const stored = await serverItem('todos', id)
    expect(stored).toMatchObject({ text: 'mine', done: true, priority: 1 })
    expect(await local('todos', id)).toEqual(stored)
  })

  it('a lost insert answer: the retry meets the stock 409 echo, reads the row back, finds its own values and counts as pushed', async () => {
    const todos = client.table('todos')
    const mine = await todos.insert({ text: 'once', done: false, priority: 4 })
    lose = method => method === 'POST'
    const first = await pushAll()
    expect(first.stopped?.reason).toBe('network')
    const applied = await serverItem('todos', mine.id)
    expect(applied).toMatchObject({ text: 'once', priority: 4 })
    expect((await client.operations())[0]).toMatchObject({ kind: 'insert', state: 'pending', attempts: 1 })

    requests = []
    const second = await pushAll()
    expect(second).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(second.stopped).toBeUndefined()
    expect(requests).toEqual(['POST /tables/todos', `GET /tables/todos/${mine.id}`])
    expect(await listConflicts(store)).toEqual([])
    expect(await client.pendingCount()).toBe(0)
    expect(await serverItem('todos', mine.id)).toEqual(applied)
    expect(await local('todos', mine.id)).toEqual(applied)
  })

  it('a lost update answer: the retry meets the stock 412 with its own values and counts as pushed', async () => {
    const todos = client.table('todos')
    const mine = await todos.insert({ text: 'v0', done: false, priority: 1 })
    await pushAll()
    await todos.update({ id: mine.id, text: 'v1' })
    lose = method => method === 'PATCH'
    expect((await pushAll()).stopped?.reason).toBe('network')
    const applied = await serverItem('todos', mine.id)
    expect(applied).toMatchObject({ text: 'v1' })
    expect(await pushAll()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(await serverItem('todos', mine.id)).toEqual(applied)
    expect(await local('todos', mine.id)).toEqual(applied)
  })

  describe('an update of a row another device deleted', () => {
    /** A synced row deleted on the stock server, then updated here; the push records the conflict. */
    async function deletedThere() {
      const todos = client.table('todos')
      const mine = await todos.insert({ text: 'base', done: false, priority: 1 })
      await pushAll()
      const synced = await serverItem('todos', mine.id)
      expect((await stock('DELETE', `todos/${mine.id}`, undefined, { 'If-Match': `"${synced!.version}"` })).status).toBe(200)
      const deleted = await serverItem('todos', mine.id)
      await todos.update({ id: mine.id, text: 'mine', done: true })
      requests = []
      const pushed = await pushAll()
      return { id: mine.id, deleted: deleted!, pushed }
    }

    it('is a 404 conflict with the deleted row (its GET by id hides it: read back through a list query)', async () => {
      const { id, deleted, pushed } = await deletedThere()
      expect(deleted).toMatchObject({ deleted: true, text: 'base' })
      expect(pushed).toMatchObject({ pushed: 0, errors: [], conflicts: [{ itemId: id, kind: 'update', status: 404, clientItem: { text: 'mine', done: true } }] })
      expect(pushed.conflicts[0]!.serverItem).toEqual(deleted)
      expect(requests).toEqual([`PATCH /tables/todos/${id}`, `GET /tables/todos/${id}`, 'GET /tables/todos'])
      expect((await client.operations())[0]).toMatchObject({ kind: 'update', state: 'conflict' })
    })

    it('client wins: the stock undelete (POST <id>, 201) brings the row back and my values follow (PATCH)', async () => {
      const { id, deleted, pushed } = await deletedThere()
      await resolveConflict({ client }, pushed.conflicts[0]!.id, { choice: 'client' })
      requests = []
      expect(await pushAll()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
      expect(requests).toEqual([`POST /tables/todos/${id}`, `PATCH /tables/todos/${id}`])
      const stored = await serverItem('todos', id)
      expect(stored).toMatchObject({ text: 'mine', done: true, priority: 1, deleted: false })
      expect(stored!.version).not.toBe(deleted.version)
      expect(await local('todos', id)).toEqual(stored)
      expect(await client.pendingCount()).toBe(0)
      expect(await listConflicts(store)).toEqual([])
    })

    it('server wins: the local row and my update go; the server row stays deleted', async () => {
      const { id, deleted, pushed } = await deletedThere()
      await resolveConflict({ client }, pushed.conflicts[0]!.id, { choice: 'server' })
      expect(await local('todos', id)).toBeUndefined()
      expect(await client.pendingCount()).toBe(0)
      requests = []
      expect(await pushAll()).toMatchObject({ pushed: 0 })
      expect(requests).toEqual([])
      expect(await serverItem('todos', id)).toEqual(deleted)
    })
  })

  it('purge refuses while operations are queued, purges with force, and the next pull starts from scratch', async () => {
    const tag = `purge-${randomUUID()}`
    for (let n = 0; n < 4; n++) await stock('POST', 'items', { id: `${tag}-${n}`, n, text: `t${n}`, tag })
    const filter = `tag eq '${tag}'`
    await pullTable('items', { name: 'purged', filter })
    expect(await localRows('items', tag)).toHaveLength(4)

    // without force: a queued update blocks it, nothing changes
    await client.table('items').update({ id: `${tag}-0`, text: 'unsent' })
    await expect(purge(client, 'items')).rejects.toBeInstanceOf(PendingOperationsError)
    expect(await localRows('items', tag)).toHaveLength(4)
    expect(await listWatermarks(store)).toHaveLength(1)

    // with force: rows, the queued operation and the watermark go; the server never saw the update
    await purge(client, 'items', { force: true })
    expect(await localRows('items')).toEqual([])
    expect(await client.pendingCount()).toBe(0)
    expect(await listWatermarks(store)).toEqual([])
    expect(await serverItem('items', `${tag}-0`)).toMatchObject({ text: 't0' })

    filters = []
    const again = await pullTable('items', { name: 'purged', filter })
    expect(filters[0]).toBe(filter)
    expect(again).toMatchObject({ upserted: 4, pages: 1 })
    expect(same(await localRows('items', tag))).toEqual(same(await serverRows(tag) as Row[]))

    // without queued operations, a filtered purge removes only what the filter accepts
    await purge(client, 'items', { filter: row => (row.n as number) < 2 })
    expect((await localRows('items', tag)).map(row => row.n).sort()).toEqual([2, 3])
    expect(await listWatermarks(store)).toEqual([])
  })
})
