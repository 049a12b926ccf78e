import { createApp, createRouter, toWebHandler } from 'h3'
import { sql, type SqlBool } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import type { BatchOperation, BatchResult } from '../../../src/runtime/core/sync/contract'
import { createTableService } from '../../../src/runtime/server/table-service'
import { newId, TABLES, type Harness, type Reply, type RequestInit } from '../support/harness'

type Version = '2.0.0' | '3.0.0'
const VERSIONS: Version[] = ['2.0.0', '3.0.0']
const HEADER = 'x-offline-sync-batch'

/** Our batch push extension: `POST /tables/$batch`, announced by `X-Offline-Sync-Batch` on every table response. */
export function batchSuite(harness: () => Harness): void {
  const h = () => harness()
  const unhooks: Array<() => void> = []
  afterEach(() => {
    while (unhooks.length) unhooks.pop()!()
  })

  const batch = (operations: unknown, init: RequestInit = {}): Promise<Reply> =>
    h().request('POST', '/tables/$batch', { ...init, body: { operations } })
  const results = async (operations: BatchOperation[], init: RequestInit = {}): Promise<BatchResult[]> => {
    const reply = await batch(operations, init)
    expect(reply.status, reply.text).toBe(200)
    expect(reply.json.results).toHaveLength(operations.length)
    return reply.json.results
  }
  /** The operation as its own request, answered in the batch result's shape. */
  const single = async (operation: BatchOperation, version: Version, user?: string): Promise<BatchResult> => {
    const headers: Record<string, string> = operation.version ? { 'If-Match': `"${operation.version}"` } : {}
    const path = `/tables/${operation.table}`
    const reply = operation.kind === 'insert'
      ? await h().request('POST', path, { version, user, body: { ...operation.item, id: operation.id } })
      : operation.kind === 'update'
        ? await h().request(version === '2.0.0' ? 'PATCH' : 'PUT', `${path}/${operation.id}`, { version, user, headers, body: operation.item })
        : await h().request('DELETE', `${path}/${operation.id}`, { version, user, headers })
    if (reply.json === undefined) return { status: reply.status }
    return reply.status >= 400 && typeof reply.json.error === 'string' ? { status: reply.status, error: reply.json.error } : { status: reply.status, item: reply.json }
  }
  const insert = async (table: string, body: Record<string, unknown>, user?: string) => {
    const reply = await h().request('POST', `/tables/${table}`, { body, user })
    expect(reply.status, reply.text).toBe(201)
    return reply.json
  }
  const stored = async (table: string, id: string, init: { user?: string, version?: Version } = {}) =>
    (await h().request('GET', `/tables/${table}/${id}?__includeDeleted=true`, init)).json

  /** Ids, versions and stamps replaced, so results of the same operations on other rows compare equal. */
  const normalise = (value: unknown, ids: Record<string, string>): unknown => JSON.parse(JSON.stringify(value), (key, field) => {
    if (key === 'version' || key === 'updatedAt' || key === 'createdAt') return typeof field === 'string' ? key : field
    if (typeof field !== 'string') return field
    return Object.entries(ids).reduce((text, [id, role]) => text.replaceAll(id, role), field)
  })

  describe('announcement', () => {
    it('every table response carries X-Offline-Sync-Batch (the largest batch), exposed through CORS', async () => {
      const list = await h().request('GET', '/tables/todos?$top=1')
      const max = Number(list.headers.get(HEADER))
      expect(Number.isInteger(max) && max > 0).toBe(true)
      const created = await h().request('POST', '/tables/todos', { body: { text: 'announced' } })
      const refused = await h().request('GET', '/tables/nothing')
      const batched = await batch([])
      for (const reply of [list, created, refused, batched]) {
        expect(reply.headers.get(HEADER)).toBe(String(max))
        expect(reply.headers.get('access-control-expose-headers')).toMatch(/(^|,\s*)X-Offline-Sync-Batch(\s*,|$)/i)
      }
      expect(batched.status).toBe(200)
      expect(batched.json).toEqual({ results: [] })
      const preflight = await h().request('OPTIONS', '/tables/$batch', { version: null, headers: { 'Origin': 'http://elsewhere.test', 'Access-Control-Request-Method': 'POST' } })
      expect(preflight.status).toBe(204)
      expect(preflight.headers.get('access-control-expose-headers')).toMatch(/X-Offline-Sync-Batch/i)
    })

    it('maxBatchSize 0: no announcement and no batch endpoint', async () => {
      // Neither answer needs the database, which this service never opens.
      const service = createTableService({ tables: TABLES, db: () => Promise.reject(new Error('not opened')), maxBatchSize: 0 })
      const app = toWebHandler(createApp().use(createRouter().use('/tables/:table', service.handler)))
      const call = (method: string, path: string, body?: unknown) => app(new Request(`http://127.0.0.1${path}`, {
        method, headers: { 'ZUMO-API-VERSION': '2.0.0', 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
      }))
      const unknown = await call('GET', '/tables/nothing')
      expect(unknown.status).toBe(404)
      expect(unknown.headers.get(HEADER)).toBeNull()
      const reply = await call('POST', '/tables/$batch', { operations: [{ table: 'todos', kind: 'insert', id: newId(), item: {} }] })
      expect(reply.status).toBe(404)
      expect(reply.headers.get(HEADER)).toBeNull()
      expect((await reply.json()).error).toMatch(/\$batch/)
    })
  })

  describe('each operation answers as its single request', () => {
    /** Rows a, b, c, d; b changed once since `stale` was its version. */
    const prepare = async (prefix: string) => {
      const [a, b, c, d] = await Promise.all(['a', 'b', 'c', 'd'].map(name => insert('todos', { id: `${prefix}-${name}`, text: name, priority: 1 })))
      const stale = b.version
      const changed = await h().request('PATCH', `/tables/todos/${b.id}`, { body: { priority: 2 } })
      expect(changed.status).toBe(200)
      return { a, b, c, d, stale }
    }
    const mixed = (prefix: string, rows: Awaited<ReturnType<typeof prepare>>): BatchOperation[] => [
      { table: 'todos', kind: 'insert', id: `${prefix}-n`, item: { text: 'new', done: false } },
      { table: 'todos', kind: 'update', id: rows.a.id, item: { text: 'a2' }, version: rows.a.version },
      { table: 'todos', kind: 'update', id: rows.b.id, item: { text: 'b2' }, version: rows.stale },
      { table: 'todos', kind: 'delete', id: rows.c.id, version: rows.c.version },
      { table: 'todos', kind: 'insert', id: rows.d.id, item: { text: 'duplicate' } },
      { table: 'todos', kind: 'insert', id: `${prefix}-e`, item: { text: 'e', colour: 'red' } },
      { table: 'todos', kind: 'update', id: rows.a.id, item: { done: true } },
      { table: 'todos', kind: 'update', id: `${prefix}-missing`, item: { text: 'x' } },
    ]

    for (const version of VERSIONS) {
      it(`v${version[0]}: a mixed batch gives the single requests' statuses and bodies, stamps in operation order`, async () => {
        const singles = newId('single')
        const batched = newId('batched')
        const singleRows = await prepare(singles)
        const batchRows = await prepare(batched)
        const expected: BatchResult[] = []
        for (const operation of mixed(singles, singleRows)) expected.push(await single(operation, version))
        const got = await results(mixed(batched, batchRows), { version })

        const deleted = version === '2.0.0' ? 200 : 204
        expect(expected.map(result => result.status)).toEqual([201, 200, 412, deleted, 409, 400, 200, 404])
        expect(normalise(got, { [batched]: 'P' })).toEqual(normalise(expected, { [singles]: 'P' }))
        // v3 update replaces: the first update cleared priority; the second cleared text.
        expect(got[6]!.item).toMatchObject(version === '2.0.0' ? { text: 'a2', done: true, priority: 1 } : { text: null, done: true, priority: null })
        expect(got[2]!.item).toEqual(await stored('todos', batchRows.b.id, { version }))
        expect(got[4]!.item).toEqual(await stored('todos', batchRows.d.id, { version }))
        expect(got[5]!.error).toMatch(/colour/)

        // What is stored equals what the singles stored, and the refused operations stored nothing.
        for (const name of ['n', 'a', 'b', 'c', 'd', 'e']) {
          expect(normalise(await stored('todos', `${batched}-${name}`), { [batched]: 'P' })).toEqual(normalise(await stored('todos', `${singles}-${name}`), { [singles]: 'P' }))
        }
        expect(await stored('todos', `${batched}-e`)).toEqual({ error: expect.any(String) })
        expect(await stored('todos', `${batched}-c`)).toMatchObject({ deleted: true })

        // The written rows got strictly increasing stamps in operation order.
        const stamps = [got[0]!.item!.updatedAt, got[1]!.item!.updatedAt, (await stored('todos', batchRows.c.id)).updatedAt, got[6]!.item!.updatedAt]
        expect(stamps.every(stamp => typeof stamp === 'string')).toBe(true)
        expect([...stamps].sort()).toEqual(stamps)
        expect(new Set(stamps).size).toBe(stamps.length)
      })

      it(`v${version[0]}: a retried batch answers 409/412 with the server's items (and the delete as already gone), its refusals again, and changes nothing`, async () => {
        const prefix = newId('retry')
        const target = await insert('todos', { id: `${prefix}-u`, text: 'before' })
        const doomed = await insert('todos', { id: `${prefix}-d`, text: 'doomed' })
        const stale = await insert('todos', { id: `${prefix}-s`, text: 'stale' })
        const moved = await h().request('PATCH', `/tables/todos/${stale.id}`, { body: { text: 'moved on' } })
        expect(moved.status).toBe(200)
        const server = await stored('todos', stale.id, { version })
        const operations: BatchOperation[] = [
          { table: 'todos', kind: 'insert', id: `${prefix}-i`, item: { text: 'inserted', priority: 3 } },
          { table: 'todos', kind: 'update', id: target.id, item: { text: 'after' }, version: target.version },
          { table: 'todos', kind: 'update', id: stale.id, item: { text: 'mine' }, version: stale.version },
          { table: 'todos', kind: 'insert', id: `${prefix}-x`, item: { text: 'bad', colour: 'red' } },
          { table: 'todos', kind: 'delete', id: doomed.id, version: doomed.version },
        ]
        const gone = version === '2.0.0' ? 200 : 204
        const first = await results(operations, { version })
        expect(first.map(result => result.status)).toEqual([201, 200, 412, 400, gone])
        expect(first[2]!.item).toEqual(server)
        expect(first[3]!.error).toMatch(/colour/)
        const snapshot = await h().snapshot()
        const again = await results(operations, { version })
        expect(again.map(result => result.status)).toEqual([409, 412, 412, 400, version === '2.0.0' ? 404 : 410])
        expect(again[0]!.item).toEqual(first[0]!.item)
        expect(again[1]!.item).toEqual(first[1]!.item)
        expect(again[2]).toEqual(first[2])
        expect(again[3]).toEqual(first[3])
        expect(await h().snapshot()).toEqual(snapshot)
        expect(await stored('todos', stale.id, { version })).toEqual(server)
        expect(await stored('todos', `${prefix}-x`)).toEqual({ error: expect.any(String) })
      })
    }

    it('owner tables: a batch sees only the caller\'s rows and stamps the caller as owner', async () => {
      const mine = await insert('notes', { text: 'private' }, 'alice')
      const before = await stored('notes', mine.id, { user: 'alice' })
      const id = newId('bob')
      const operations: BatchOperation[] = [
        { table: 'notes', kind: 'update', id: mine.id, item: { text: 'mine now' }, version: mine.version },
        { table: 'notes', kind: 'update', id: mine.id, item: { text: 'mine now' }, version: 'wrong' },
        { table: 'notes', kind: 'delete', id: mine.id },
        { table: 'notes', kind: 'insert', id: mine.id, item: { text: 'collide' } },
        { table: 'notes', kind: 'insert', id, item: { text: 'own', userId: 'alice' } },
      ]
      const reply = await batch(operations, { user: 'bob' })
      expect(reply.status).toBe(200)
      expect(reply.json.results.map((result: BatchResult) => result.status)).toEqual([404, 404, 404, 404, 201])
      expect(reply.text).not.toContain('private')
      expect(reply.text).not.toContain(mine.version)
      expect(reply.json.results[4].item).toMatchObject({ id, text: 'own', userId: 'bob' })
      expect(await stored('notes', mine.id, { user: 'alice' })).toEqual(before)
      for (const [index, operation] of operations.slice(0, 4).entries()) {
        expect(reply.json.results[index]).toEqual(await single({ ...operation, id: operation.kind === 'insert' ? mine.id : operation.id }, '2.0.0', 'bob'))
      }
    })

    it('an item above maxBodySize is a 413 for that operation alone, as its single request', async () => {
      const big = 'x'.repeat(64 * 1024)
      const id = newId('big')
      const got = await results([
        { table: 'todos', kind: 'insert', id: `${id}-big`, item: { text: big } },
        { table: 'todos', kind: 'insert', id: `${id}-small`, item: { text: 'small' } },
      ])
      expect(got.map(result => result.status)).toEqual([413, 201])
      expect(got[0]).toEqual(await single({ table: 'todos', kind: 'insert', id: `${id}-big`, item: { text: big } }, '2.0.0'))
    })
  })

  describe('hooks and failures', () => {
    it('hooks run per operation: a refusal (4xx) skips that operation, a conflict hook may settle one', async () => {
      const frozen = await insert('guarded', { text: 'frozen' })
      const settled = await insert('guarded', { text: 'server' })
      unhooks.push(h().hooks.hook('offline-sync:before-write', (ctx) => {
        if (ctx.table === 'guarded' && ctx.existing?.text === 'frozen') throw Object.assign(new Error('this row is frozen'), { statusCode: 403 })
      }))
      unhooks.push(h().hooks.hook('offline-sync:conflict', (ctx) => {
        if (ctx.table === 'guarded') ctx.resolution = 'client'
      }))
      const id = newId('hooked')
      const got = await results([
        { table: 'guarded', kind: 'update', id: frozen.id, item: { text: 'thawed' } },
        { table: 'guarded', kind: 'update', id: settled.id, item: { text: 'client' }, version: 'old' },
        { table: 'guarded', kind: 'insert', id, item: { text: 'after' } },
      ])
      expect(got.map(result => result.status)).toEqual([403, 200, 201])
      expect(got[0]).toEqual({ status: 403, error: 'this row is frozen' })
      expect(got[1]!.item).toMatchObject({ id: settled.id, text: 'client' })
      expect((await stored('guarded', frozen.id)).text).toBe('frozen')
    })

    it('a statement the database refuses (4xx) is rolled back to its savepoint and the batch goes on', async () => {
      const row = await insert('guarded', { text: 'target' })
      unhooks.push(h().hooks.hook('offline-sync:filter', (ctx) => {
        // Division by zero: a data exception (22012) raised by the database inside the batch's transaction.
        if (ctx.table === 'guarded' && ctx.operation === 'delete') ctx.filters.push(() => sql<SqlBool>`1 / (0 * length(text)) = 1`)
      }))
      const id = newId('after-error')
      const got = await results([
        { table: 'guarded', kind: 'delete', id: row.id },
        { table: 'guarded', kind: 'update', id: row.id, item: { text: 'updated' } },
        { table: 'guarded', kind: 'insert', id, item: { text: 'inserted' } },
      ])
      expect(got.map(result => result.status)).toEqual([400, 200, 201])
      expect(got[0]).toEqual(await single({ table: 'guarded', kind: 'delete', id: row.id }, '2.0.0'))
      expect(await stored('guarded', row.id)).toMatchObject({ text: 'updated', deleted: false })
    })

    it('refused operations do not leave their savepoints open: a full batch of refusals, then writes at depth one', async () => {
      const max = Number((await h().request('GET', '/tables/todos?$top=1')).headers.get(HEADER))
      const target = await insert('guarded', { text: 'target' })
      // A savepoint left open by a refusal holds a subtransaction that gets an xid (and a lock on it) as soon as
      // anything below it writes. Counted by the update's view inside the batch: at most a handful without nesting.
      unhooks.push(h().hooks.hook('offline-sync:filter', (ctx) => {
        if (ctx.table === 'guarded' && ctx.operation === 'update') {
          ctx.filters.push(() => sql<SqlBool>`(select count(*) from pg_locks where locktype = 'transactionid' and pid = pg_backend_pid()) < 5`)
        }
      }))
      const id = newId('after-refusals')
      const refused: BatchOperation[] = Array.from({ length: max - 2 }, () => ({ table: 'guarded', kind: 'delete', id: target.id, version: 'stale' }))
      const before = await stored('guarded', target.id)
      const got = await results([
        ...refused,
        { table: 'guarded', kind: 'insert', id, item: { text: 'inserted' } },
        { table: 'guarded', kind: 'update', id: target.id, item: { text: 'updated' }, version: target.version },
      ])
      expect(got.slice(0, -2).every(result => result.status === 412 && (result.item as { version?: string }).version === before.version)).toBe(true)
      expect(got.slice(-2).map(result => result.status)).toEqual([201, 200])
      expect(await stored('guarded', target.id)).toMatchObject({ text: 'updated', deleted: false })
      expect(await stored('guarded', id)).toMatchObject({ text: 'inserted' })
    })

    it('a server error (500) in any operation rolls back the whole batch and answers it without internals', async () => {
      const existing = await insert('todos', { text: 'unchanged' })
      unhooks.push(h().hooks.hook('offline-sync:before-write', (ctx) => {
        if (ctx.table === 'todos' && ctx.item.text === 'explode') throw new Error('boom: secret internals')
      }))
      const before = await h().snapshot()
      const logged = h().logged.length
      const prefix = newId('rollback')
      const reply = await batch([
        { table: 'todos', kind: 'insert', id: `${prefix}-1`, item: { text: 'first' } },
        { table: 'todos', kind: 'update', id: existing.id, item: { text: 'changed' }, version: existing.version },
        { table: 'pages', kind: 'insert', id: `${prefix}-2`, item: { n: 1 } },
        { table: 'todos', kind: 'insert', id: `${prefix}-3`, item: { text: 'explode' } },
        { table: 'todos', kind: 'insert', id: `${prefix}-4`, item: { text: 'never' } },
      ])
      expect(reply.status).toBe(500)
      expect(reply.json).toEqual({ error: 'An internal error occurred' })
      expect(reply.text).not.toContain('secret')
      expect(h().logged.length).toBe(logged + 1)
      expect(await h().snapshot()).toEqual(before)
    })

    it('concurrent batches writing the same tables in opposite orders all succeed (no lock-order deadlock)', async () => {
      const prefix = newId('crossed')
      const pair = (n: number): BatchOperation[][] => [
        [{ table: 'todos', kind: 'insert', id: `${prefix}-t${n}`, item: {} }, { table: 'pages', kind: 'insert', id: `${prefix}-p${n}`, item: { n } }],
        [{ table: 'pages', kind: 'insert', id: `${prefix}-q${n}`, item: { n } }, { table: 'todos', kind: 'insert', id: `${prefix}-u${n}`, item: {} }],
      ]
      const replies = await Promise.all(Array.from({ length: 6 }, (_, n) => pair(n)).flat().map(operations => batch(operations)))
      expect(replies.map(reply => reply.status)).toEqual(replies.map(() => 200))
      expect(replies.flatMap(reply => reply.json.results.map((result: BatchResult) => result.status))).toEqual(replies.flatMap(() => [201, 201]))
    })

    it('a 401 in any operation refuses the whole batch (the client stops there), nothing applied', async () => {
      const before = await h().snapshot()
      const reply = await batch([
        { table: 'todos', kind: 'insert', id: newId('anon'), item: { text: 'anonymous is fine here' } },
        { table: 'notes', kind: 'insert', id: newId('anon'), item: { text: 'needs a user' } },
      ])
      expect(reply.status).toBe(401)
      expect(reply.json.error).toMatch(/logged in/)
      expect(await h().snapshot()).toEqual(before)
    })

    it('before its transaction, authenticates once per table and authorizes and filters once per (table, kind)', async () => {
      const calls: string[] = []
      unhooks.push(h().hooks.hook('offline-sync:authenticate', ctx => void calls.push(`authenticate ${ctx.table}`)))
      unhooks.push(h().hooks.hook('offline-sync:authorize', ctx => void calls.push(`authorize ${ctx.table} ${ctx.operation}`)))
      unhooks.push(h().hooks.hook('offline-sync:filter', ctx => void calls.push(`filter ${ctx.table} ${ctx.operation}`)))
      unhooks.push(h().hooks.hook('offline-sync:before-write', ctx => void calls.push(`before-write ${ctx.table} ${ctx.operation}`)))
      const prefix = newId('auth')
      const got = await results([
        { table: 'todos', kind: 'insert', id: `${prefix}-1`, item: {} },
        { table: 'pages', kind: 'insert', id: `${prefix}-2`, item: {} },
        { table: 'todos', kind: 'update', id: `${prefix}-1`, item: { text: 'x' } },
        { table: 'todos', kind: 'insert', id: `${prefix}-3`, item: {} },
        // An update that deletes also needs the delete's access and filters, as its single request does.
        { table: 'todos', kind: 'update', id: `${prefix}-3`, item: { deleted: true } },
        { table: 'pages', kind: 'delete', id: `${prefix}-2` },
        { table: 'todos', kind: 'update', id: `${prefix}-1`, item: { text: 'y' } },
      ])
      expect(got.map(result => result.status)).toEqual([201, 201, 200, 201, 200, 200, 200])
      expect(calls).toEqual([
        'authenticate todos', 'authenticate pages',
        'authorize todos insert', 'filter todos insert', 'authorize pages insert', 'filter pages insert',
        'authorize todos update', 'filter todos update', 'authorize todos delete', 'filter todos delete',
        'authorize pages delete', 'filter pages delete',
        // Only the hooks that need the row run inside the transaction, per operation.
        'before-write todos insert', 'before-write pages insert', 'before-write todos update', 'before-write todos insert',
        'before-write todos delete', 'before-write todos update', 'before-write pages delete', 'before-write todos update',
      ])
    })

    it('an operation kind the authorize hook denies answers 403 for each such operation alone, as its single request', async () => {
      const rows = await Promise.all(['a', 'b'].map(text => insert('guarded', { text })))
      const calls: string[] = []
      unhooks.push(h().hooks.hook('offline-sync:authorize', (ctx) => {
        if (ctx.table !== 'guarded') return
        calls.push(ctx.operation)
        if (ctx.operation === 'delete') ctx.access = 'denied'
      }))
      const id = newId('denied')
      const operations: BatchOperation[] = [
        { table: 'guarded', kind: 'delete', id: rows[0]!.id },
        { table: 'guarded', kind: 'insert', id, item: { text: 'allowed' } },
        { table: 'guarded', kind: 'update', id: rows[1]!.id, item: { deleted: true } },
        { table: 'guarded', kind: 'update', id: rows[1]!.id, item: { text: 'b2' } },
        { table: 'guarded', kind: 'delete', id: rows[1]!.id },
      ]
      const got = await results(operations)
      expect(calls.splice(0)).toEqual(['delete', 'insert', 'update'])
      expect(got.map(result => result.status)).toEqual([403, 201, 403, 200, 403])
      expect(got[0]).toEqual({ status: 403, error: 'You are not allowed to delete guarded' })
      expect(got[0]).toEqual(await single(operations[0]!, '2.0.0'))
      expect(got[2]).toEqual(await single(operations[2]!, '2.0.0'))
      expect(await stored('guarded', rows[0]!.id)).toMatchObject({ text: 'a', deleted: false })
      expect(await stored('guarded', rows[1]!.id)).toMatchObject({ text: 'b2', deleted: false })
    })
  })

  describe('refused batches change nothing', () => {
    const good = (): BatchOperation => ({ table: 'todos', kind: 'insert', id: newId('never'), item: { text: 'never stored' } })
    const cases: Array<{ name: string, init: () => RequestInit, status: number, message: RegExp }> = [
      { name: 'body not an object', init: () => ({ body: [good()] }), status: 400, message: /object/ },
      { name: 'no operations', init: () => ({ body: { items: [good()] } }), status: 400, message: /operations/ },
      { name: 'operations not an array', init: () => ({ body: { operations: { 0: good() } } }), status: 400, message: /operations/ },
      { name: 'an operation not an object', init: () => ({ body: { operations: [good(), 'insert'] } }), status: 400, message: /operations\[1\] must be an object/ },
      { name: 'unknown table', init: () => ({ body: { operations: [good(), { ...good(), table: 'nothing' }] } }), status: 400, message: /operations\[1\]\.table.*nothing/ },
      { name: 'unknown kind', init: () => ({ body: { operations: [good(), { ...good(), kind: 'upsert' }] } }), status: 400, message: /operations\[1\]\.kind/ },
      { name: 'missing id', init: () => ({ body: { operations: [good(), { ...good(), id: undefined }] } }), status: 400, message: /operations\[1\]\.id/ },
      { name: 'bad id', init: () => ({ body: { operations: [good(), { ...good(), id: 'a/b' }] } }), status: 400, message: /operations\[1\]\.id/ },
      { name: 'insert without item', init: () => ({ body: { operations: [good(), { ...good(), item: undefined }] } }), status: 400, message: /operations\[1\]\.item/ },
      { name: 'version not a string', init: () => ({ body: { operations: [good(), { ...good(), kind: 'update', version: 7 }] } }), status: 400, message: /operations\[1\]\.version/ },
      { name: 'malformed JSON', init: () => ({ raw: '{"operations": [', headers: { 'content-type': 'application/json' } }), status: 400, message: /JSON/ },
      { name: 'missing ZUMO-API-VERSION', init: () => ({ version: null, body: { operations: [good()] } }), status: 400, message: /ZUMO-API-VERSION/ },
    ]
    for (const { name, init, status, message } of cases) {
      it(`${name}: ${status}`, async () => {
        const before = await h().snapshot()
        const reply = await h().request('POST', '/tables/$batch', init())
        expect(reply.status, reply.text).toBe(status)
        expect(reply.json.error).toMatch(message)
        expect(await h().snapshot()).toEqual(before)
      })
    }

    it('more operations than announced: 400, nothing applied', async () => {
      const max = Number((await h().request('GET', '/tables/todos?$top=1')).headers.get(HEADER))
      const before = await h().snapshot()
      const reply = await batch(Array.from({ length: max + 1 }, good))
      expect(reply.status).toBe(400)
      expect(reply.json.error).toMatch(new RegExp(`at most ${max} operations`))
      expect(await h().snapshot()).toEqual(before)
    })

    it('a body above the batch body limit (default 8 MiB): 413, nothing applied', async () => {
      const before = await h().snapshot()
      const text = 'x'.repeat(60 * 1024)
      const reply = await batch(Array.from({ length: 140 }, () => ({ ...good(), item: { text } })))
      expect(reply.status).toBe(413)
      expect(reply.json.error).toMatch(/larger than 8388608 bytes/)
      expect(await h().snapshot()).toEqual(before)
    })

    it('another method on /tables/$batch: 405', async () => {
      const reply = await h().request('GET', '/tables/$batch')
      expect(reply.status).toBe(405)
      expect(reply.json.error).toMatch(/GET/)
    })
  })
}
