import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { isOfflineSyncError, StorageError } from '../../src/runtime/core/errors'
import type { QueuedOperation } from '../../src/runtime/core/operation'
import type { TablesDefinition } from '../../src/runtime/core/schema'
import { CONFLICTS_TABLE, OPERATIONS_TABLE, WATERMARKS_TABLE, type Row } from '../../src/runtime/core/store'
import { createSyncClient, type SyncClient } from '../../src/runtime/core/sync-client'
import { createSyncContext, type SyncContext } from '../../src/runtime/core/sync/context'
import type { WatermarkRecord } from '../../src/runtime/core/sync/contract'
import { createTableClient } from '../../src/runtime/core/sync/table-client'
import { createDexieStore, type DexieStore } from '../../src/runtime/dexie/dexie-store'
import { startHarness, type Harness } from '../conformance/support/harness'
import { injectQuotaExceeded, type QuotaInjection, type QuotaMode } from './support/quota'

// Storage pressure at the unit level: the Dexie store over fake-indexeddb, with a QuotaExceededError injected into
// IndexedDB itself (the request fails and the transaction aborts, as in browsers; or put/add throws at once). The
// app must get a typed error, and the rows, the queue and the watermarks must be exactly as before the failure.

const TABLES: TablesDefinition = {
  todos: { columns: { text: 'string', n: 'number' } },
  notes: { columns: { text: 'string' } },
}

const stores: DexieStore[] = []
let injection: QuotaInjection | undefined

function openClient(): SyncClient {
  const store = createDexieStore({ name: 'quota', tables: TABLES, indexedDB: new IDBFactory(), IDBKeyRange })
  stores.push(store)
  return createSyncClient({ store })
}

/** Every row of every table and every queued operation and watermark: what a failed write must leave untouched. */
async function snapshot(client: SyncClient) {
  return client.store.transaction('readonly', [...Object.keys(TABLES), OPERATIONS_TABLE, WATERMARKS_TABLE], async tx => ({
    todos: await tx.query<Row>('todos'),
    notes: await tx.query<Row>('notes'),
    operations: await tx.query<QueuedOperation>(OPERATIONS_TABLE),
    watermarks: await tx.query<WatermarkRecord>(WATERMARKS_TABLE),
  }))
}

function expectQuotaError(error: unknown): void {
  expect(error).toBeInstanceOf(StorageError)
  expect(isOfflineSyncError(error, 'STORAGE')).toBe(true)
  expect(error).toMatchObject({ code: 'STORAGE', reason: 'QuotaExceededError', quotaExceeded: true })
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => expect.fail('the write should have failed'), (error: unknown) => error)
}

afterEach(async () => {
  injection?.restore()
  injection = undefined
  await Promise.all(stores.splice(0).map(store => store.close()))
})

describe.each<QuotaMode>(['request', 'throw'])('a local write that runs out of quota (%s)', (mode) => {
  /** Pulled rows s1..s3 (no operation, with a server version) and queued inserts a, b. */
  async function seeded(): Promise<SyncClient> {
    const client = openClient()
    await client.store.transaction('readwrite', ['todos'], tx => tx.bulkPut('todos', ['s1', 's2', 's3'].map(id =>
      ({ id, text: id, n: 0, version: `v-${id}`, updatedAt: '2026-01-01T00:00:00.000Z', deleted: false }))))
    await client.table('todos').insert({ id: 'a', text: 'a' })
    await client.table('todos').insert({ id: 'b', text: 'b' })
    return client
  }

  const writes: Array<{ name: string, storeName: string, write: (client: SyncClient) => Promise<unknown> }> = [
    { name: 'insert (row write fails)', storeName: 'todos', write: c => c.table('todos').insert({ id: 'n', text: 'new' }) },
    { name: 'insert (queue write fails)', storeName: OPERATIONS_TABLE, write: c => c.table('todos').insert({ id: 'n', text: 'new' }) },
    { name: 'update appending an operation (row write fails)', storeName: 'todos', write: c => c.table('todos').update({ id: 's1', n: 1 }) },
    { name: 'update appending an operation (queue write fails)', storeName: OPERATIONS_TABLE, write: c => c.table('todos').update({ id: 's1', n: 1 }) },
    { name: 'update collapsing into a queued insert (row write fails)', storeName: 'todos', write: c => c.table('todos').update({ id: 'a', n: 1 }) },
    { name: 'remove (queue write fails)', storeName: OPERATIONS_TABLE, write: c => c.table('todos').remove('s2') },
  ]

  it.each(writes)('$name: StorageError with quotaExceeded, row and queue exactly as before, the same write works once space is back', async ({ storeName, write }) => {
    const client = await seeded()
    const before = await snapshot(client)
    injection = injectQuotaExceeded(name => name === storeName, mode)

    expectQuotaError(await failure(write(client)))
    // one put into the full store, refused: the write gave up at once (no retry, no second put around it)
    expect(injection.injected).toBe(1)
    injection.restore()
    expect(await snapshot(client)).toEqual(before)

    // nothing is left half-done: the store works, and the write goes through with its operation
    await write(client)
    const after = await snapshot(client)
    expect(after).not.toEqual(before)
    const queued = new Set(after.operations.map(operation => operation.itemId))
    for (const row of after.todos) {
      if (!row.version) expect(queued.has(row.id)).toBe(true)
    }
  })
})

describe('sync against the server while the device runs out of quota', () => {
  let h: Harness
  const contexts: SyncContext[] = []
  beforeAll(async () => {
    h = await startHarness('embedded', { tables: TABLES })
  })
  afterAll(async () => {
    await h?.close()
  })
  afterEach(() => {
    for (const context of contexts.splice(0)) context.dispose()
  })

  function openContext(client: SyncClient): SyncContext {
    const context = createSyncContext({
      client,
      tableClient: createTableClient({ baseUrl: `${h.url}/tables` }),
      pageSize: 10,
      retry: false,
      auto: false,
    })
    contexts.push(context)
    return context
  }

  async function serverRows(table: string): Promise<Row[]> {
    const rows = await h.db.selectFrom(table).selectAll().where('deleted', '=', false).orderBy('id').execute()
    return rows.map(row => ({ id: row.id as string, text: row.text as string }))
  }

  it('a pull whose second page hits the quota: typed error, first page and its watermark stay, queue intact, the next pull goes on from there', async () => {
    await h.db.deleteFrom('todos').execute()
    for (let i = 0; i < 25; i++) await h.request('POST', '/tables/todos', { body: { id: `p${String(i).padStart(2, '0')}`, text: `p${i}`, n: i } })
    const client = openClient()
    const context = openContext(client)
    // a queued local change of another table: the pull does not touch it, and the failure must not either
    await client.table('notes').insert({ id: 'local', text: 'typed offline' })
    const queueBefore = await client.operations()
    let rowPuts = 0
    // page 1 (10 rows) is stored; every later row write fails, as when the disk fills during a pull
    injection = injectQuotaExceeded(name => name === 'todos' && ++rowPuts > 10)

    expectQuotaError(await failure(context.pull('todos', 'all')))
    injection.restore()
    const after = await snapshot(client)
    expect(after.todos.map(row => row.id)).toEqual(Array.from({ length: 10 }, (_, i) => `p${String(i).padStart(2, '0')}`))
    expect(after.watermarks).toHaveLength(1)
    expect(after.watermarks[0]!.updatedAt).toBe(after.todos.at(-1)!.updatedAt)
    expect(after.operations).toEqual(queueBefore)
    expect(context.status().lastError).toBeInstanceOf(StorageError)

    const next = await context.pull('todos', 'all')
    // incremental from the stored watermark: page 1 is not fetched again (at most its last row, `updatedAt ge W`)
    expect(next.upserted).toBeLessThan(25)
    expect((await snapshot(client)).todos.map(row => ({ id: row.id, text: row.text }))).toEqual(await serverRows('todos'))
    expect(await client.operations()).toEqual(queueBefore)
  })

  it('a push whose answers cannot be stored: typed error, nothing dropped from the queue, the next push finishes without duplicates', async () => {
    await h.db.deleteFrom('todos').execute()
    const client = openClient()
    const context = openContext(client)
    const todos = client.table('todos')
    for (let i = 0; i < 12; i++) await todos.insert({ id: `q${String(i).padStart(2, '0')}`, text: `q${i}`, n: i })
    const queued = await client.operations()
    // the server applies the operations, but storing its items (the row with its version) runs out of space
    injection = injectQuotaExceeded(name => name === 'todos')

    const stopped = await context.push().then(result => result.stopped, (error: unknown) => error)
    expectQuotaError(stopped)
    injection.restore()
    // every operation is still queued (the server's answers were not stored), the rows are as the app wrote them
    expect((await client.operations()).map(operation => [operation.seq, operation.kind, operation.itemId]))
      .toEqual(queued.map(operation => [operation.seq, operation.kind, operation.itemId]))
    // put back as pending (none left `inflight`): the next push sends them again
    expect(new Set((await client.operations()).map(operation => operation.state))).toEqual(new Set(['pending']))
    expect((await snapshot(client)).todos).toHaveLength(12)

    const result = await context.push()
    expect(result.stopped).toBeUndefined()
    expect(result.conflicts).toEqual([])
    expect(result.errors).toEqual([])
    expect(await client.operations()).toEqual([])
    const local = (await snapshot(client)).todos
    const server = await h.db.selectFrom('todos').selectAll().orderBy('id').execute()
    expect(server.map(row => row.id)).toEqual(local.map(row => row.id))
    // the version each row holds is the server's: one application of each insert
    expect(local.map(row => row.version)).toEqual(server.map(row => row.version))
  })

  it('a push whose conflict record cannot be stored: typed error, the operation waits, the next push records the conflict', async () => {
    await h.db.deleteFrom('todos').execute()
    await h.request('POST', '/tables/todos', { body: { id: 'same', text: 'the server\'s', n: 1 } })
    const client = openClient()
    const context = openContext(client)
    await client.table('todos').insert({ id: 'same', text: 'mine', n: 2 })
    const queued = await client.operations()
    injection = injectQuotaExceeded(name => name === CONFLICTS_TABLE)

    expectQuotaError(await context.push().then(result => result.stopped, (error: unknown) => error))
    injection.restore()
    expect((await client.operations()).map(operation => [operation.seq, operation.kind, operation.itemId, operation.state]))
      .toEqual(queued.map(operation => [operation.seq, operation.kind, operation.itemId, 'pending']))
    expect(await client.store.transaction('readonly', [CONFLICTS_TABLE], tx => tx.query(CONFLICTS_TABLE))).toEqual([])

    const result = await context.push()
    expect(result.conflicts).toHaveLength(1)
    expect(result.conflicts[0]).toMatchObject({ itemId: 'same', serverItem: { text: 'the server\'s' } })
    expect((await client.operations()).map(operation => operation.state)).toEqual(['conflict'])
  })
})
