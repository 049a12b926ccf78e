import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { PendingOperationsError, UnknownTableError, ValidationError } from '../../src/runtime/core/errors'
import type { LocalStore, Row } from '../../src/runtime/core/store'
import { CONFLICTS_TABLE } from '../../src/runtime/core/store'
import { createSyncClient, type SyncClient } from '../../src/runtime/core/sync-client'
import type { ConflictRecord, PurgeOptions } from '../../src/runtime/core/sync/contract'
import { pull } from '../../src/runtime/core/sync/pull'
import { purge } from '../../src/runtime/core/sync/purge'
import { createTableClient } from '../../src/runtime/core/sync/table-client'
import { listWatermarks } from '../../src/runtime/core/sync/watermarks'
import { newId, startHarness, type Harness } from '../conformance/support/harness'
import { storeFactories } from '../unit/core/stores'
import { fakePush, localRows, PULL_TABLES, recordingFetch, rowId, seed, SERVER_PAGE, serverRows } from './pull-support'

let h: Harness
beforeAll(async () => {
  h = await startHarness('embedded', { tables: PULL_TABLES, pageSize: SERVER_PAGE })
})
afterAll(async () => {
  await h?.close()
})

const tagFilter = (tag: string) => `tag eq '${tag}'`

describe.each(storeFactories)('purge ($kind store)', ({ create }) => {
  let store: LocalStore
  let client: SyncClient
  afterEach(async () => {
    await store?.close()
  })

  /** A store holding the server's 12 rows of a new tag, pulled under two names, plus a watermark of `others`. */
  async function setup() {
    const tag = newId('purge')
    await seed(h, tag, 12)
    store = create(PULL_TABLES)
    client = createSyncClient({ store })
    const recorder = recordingFetch()
    const deps = { client, tableClient: createTableClient({ baseUrl: `${h.url}/tables`, fetch: recorder.fetch }), pushFirst: fakePush().pushFirst }
    const pullItems = (name: string) => pull(deps, 'items', { name, filter: tagFilter(tag) })
    await pullItems('a')
    await pullItems('b')
    await pull(deps, 'others', { name: 'all', filter: `text eq '${tag}'` })
    expect((await listWatermarks(store)).map(record => record.id)).toEqual(['items/a', 'items/b', 'others/all'])
    return { tag, recorder, pullItems }
  }

  const snapshot = async () => ({
    rows: await localRows(store),
    operations: await client.operations(),
    conflicts: await store.transaction('readonly', [CONFLICTS_TABLE], tx => tx.query<ConflictRecord>(CONFLICTS_TABLE)),
    watermarks: await listWatermarks(store),
  })

  /** A conflict record as push stores it, for the operation `seq` of (table, itemId). */
  async function addConflict(table: string, itemId: string, seq: number): Promise<void> {
    const conflict: ConflictRecord = { id: String(seq), table, itemId, operationSeq: seq, kind: 'update', status: 412, clientItem: undefined, serverItem: undefined, createdAt: 1 }
    await store.transaction('readwrite', [CONFLICTS_TABLE], tx => tx.put(CONFLICTS_TABLE, conflict))
  }

  it('removes every local row, resets every watermark of the table, and the next pull brings the rows back', async () => {
    const { tag, recorder, pullItems } = await setup()
    expect(await localRows(store)).toHaveLength(12)
    await purge(client, 'items')
    expect(await localRows(store)).toEqual([])
    expect((await listWatermarks(store)).map(record => record.id)).toEqual(['others/all'])

    const before = recorder.requests.length
    const result = await pullItems('a')
    // from the beginning: no updatedAt term
    expect(recorder.requests[before]!.filter).toBe(tagFilter(tag))
    expect(result.upserted).toBe(12)
    expect(await localRows(store)).toEqual(await serverRows(h, tag))
  })

  it('with a filter removes only the rows it accepts (and still resets the watermarks)', async () => {
    const { tag, pullItems } = await setup()
    await purge(client, 'items', { filter: row => (row.n as number) % 2 === 0 })
    expect((await localRows(store)).map(row => row.n)).toEqual([1, 3, 5, 7, 9, 11])
    expect((await listWatermarks(store)).map(record => record.id)).toEqual(['others/all'])
    await pullItems('b')
    expect(await localRows(store)).toEqual(await serverRows(h, tag))
  })

  it('refuses while the table has queued operations, and changes nothing', async () => {
    const { tag } = await setup()
    await client.table('items').update({ id: rowId(tag, 0), text: 'mine' })
    await client.table('items').remove(rowId(tag, 1))
    const before = await snapshot()
    const error = await purge(client, 'items').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PendingOperationsError)
    expect(error).toMatchObject({ table: 'items', count: 2 })
    await expect(purge(client, 'items', { filter: () => false })).rejects.toBeInstanceOf(PendingOperationsError)
    expect(await snapshot()).toEqual(before)
    // operations of another table do not hold this one back
    await purge(client, 'others')
  })

  it('with force also drops the table\'s operations and conflicts, and nothing of another table', async () => {
    const { tag } = await setup()
    await client.table('items').update({ id: rowId(tag, 0), text: 'mine' })
    await client.table('others').insert({ id: 'other-1', text: 'kept' })
    await client.table('items').update({ id: rowId(tag, 2), text: 'mine too' })
    const [first, other] = await client.operations()
    await addConflict('items', rowId(tag, 0), first!.seq)
    await addConflict('others', 'other-1', other!.seq)

    await purge(client, 'items', { force: true, filter: row => row.id === rowId(tag, 5) })
    const after = await snapshot()
    expect(after.rows.map(row => row.id)).not.toContain(rowId(tag, 5))
    expect(after.rows).toHaveLength(11)
    expect(after.rows.find(row => row.id === rowId(tag, 0))!.text).toBe('mine') // kept: the filter did not accept it
    expect(after.operations.map(operation => `${operation.table}:${operation.itemId}`)).toEqual(['others:other-1'])
    expect(after.conflicts.map(conflict => conflict.table)).toEqual(['others'])
    expect(after.watermarks.map(record => record.id)).toEqual(['others/all'])
    const others = await store.transaction('readonly', ['others'], tx => tx.query<Row>('others'))
    expect(others.map(row => row.id)).toEqual(['other-1'])
  })

  it('is one transaction: a filter that throws leaves rows, operations and watermarks as they were', async () => {
    const { tag } = await setup()
    await client.table('items').update({ id: rowId(tag, 0), text: 'mine' })
    const before = await snapshot()
    const failing: PurgeOptions = {
      force: true,
      filter: (row) => {
        if (row.n === 7) throw new Error('filter failed')
        return true
      },
    }
    await expect(purge(client, 'items', failing)).rejects.toThrow('filter failed')
    expect(await snapshot()).toEqual(before)
  })

  it('refuses an unknown table and a filter that is not a function', async () => {
    store = create(PULL_TABLES)
    client = createSyncClient({ store })
    await expect(purge(client, 'nope')).rejects.toBeInstanceOf(UnknownTableError)
    await expect(purge(client, '_watermarks')).rejects.toBeInstanceOf(UnknownTableError)
    await expect(purge(client, 'items', { filter: 'n eq 1' as unknown as PurgeOptions['filter'] })).rejects.toBeInstanceOf(ValidationError)
  })
})
