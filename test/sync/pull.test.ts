import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { NetworkError, ProtocolError, UnknownTableError, ValidationError } from '../../src/runtime/core/errors'
import type { ProtocolVersion } from '../../src/runtime/core/protocol/system'
import type { LocalStore } from '../../src/runtime/core/store'
import { createSyncClient, type SyncClient } from '../../src/runtime/core/sync-client'
import { pull, type PullDeps } from '../../src/runtime/core/sync/pull'
import { push } from '../../src/runtime/core/sync/push'
import { createTableClient } from '../../src/runtime/core/sync/table-client'
import { listWatermarks, observeWatermarks } from '../../src/runtime/core/sync/watermarks'
import { newId, startHarness, type Harness } from '../conformance/support/harness'
import { storeFactories, watch } from '../unit/core/stores'
import { fakePush, importTied, localRows, PULL_TABLES, recordingFetch, rowId, seed, SERVER_PAGE, serverRows, stampOf, type RecordingOptions } from './pull-support'

let h: Harness
beforeAll(async () => {
  h = await startHarness('embedded', { tables: PULL_TABLES, pageSize: SERVER_PAGE })
})
afterAll(async () => {
  await h?.close()
})

const NOW = 5000
/** Pulls of pages of 10: the server honours a v2 `$top`, so a pull that needs several pages asks for small ones. */
const paged: Partial<PullDeps> = { pageSize: SERVER_PAGE }
const tagFilter = (tag: string) => `tag eq '${tag}'`
const ids = (tag: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => rowId(tag, from + i))

describe.each(storeFactories)('pull ($kind store)', ({ create }) => {
  let store: LocalStore
  let client: SyncClient
  afterEach(async () => {
    await store?.close()
  })

  function setup(recording: RecordingOptions = {}, deps: Partial<PullDeps> = {}, apiVersion?: ProtocolVersion) {
    store = create(PULL_TABLES)
    client = createSyncClient({ store })
    const recorder = recordingFetch(recording)
    const tableClient = createTableClient({ baseUrl: `${h.url}/tables`, fetch: recorder.fetch, apiVersion })
    const push = fakePush()
    const progress: [number, number][] = []
    const pullDeps: PullDeps = { client, tableClient, pushFirst: push.pushFirst, onProgress: (rows, pages) => progress.push([rows, pages]), now: () => NOW, ...deps }
    const run = (query?: { name?: string, filter?: string }) => pull(pullDeps, 'items', query)
    return { recorder, push, progress, run, tableClient }
  }

  it('pulls every row across several pages (a server capping pages at 10), in updatedAt order, with progress and the watermark', async () => {
    const tag = newId('full')
    await seed(h, tag, 35)
    const { run, recorder, progress } = setup({ cap: SERVER_PAGE })
    const watermarks = watch(observeWatermarks(store))
    const result = await run({ name: 'all', filter: tagFilter(tag) })

    expect(await localRows(store)).toEqual(await serverRows(h, tag))
    const last = await stampOf(h, rowId(tag, 34))
    expect(result).toEqual({ table: 'items', queryName: 'all', upserted: 35, deleted: 0, skipped: 0, pages: 4, watermark: last })
    // 10, 10, 10, 5: the page shorter than the largest ends the pull
    expect(recorder.requests.map(request => request.ids.length)).toEqual([10, 10, 10, 5])
    expect(recorder.rows()).toEqual(ids(tag, 0, 34))
    expect(progress).toEqual([[10, 1], [20, 2], [30, 3], [35, 4]])

    const first = new URL(recorder.requests[0]!.url).searchParams
    expect(first.get('$filter')).toBe(tagFilter(tag))
    expect(first.get('$orderby')).toBe('updatedAt,id')
    expect(first.get('$top')).toBe('1000')
    expect(first.get('__includeDeleted')).toBe('true')
    const u9 = await stampOf(h, rowId(tag, 9))
    expect(recorder.requests[1]!.filter).toBe(`(${tagFilter(tag)}) and ((updatedAt gt datetimeoffset'${u9}') or (updatedAt eq datetimeoffset'${u9}' and id gt '${rowId(tag, 9)}'))`)

    const record = { id: 'items/all', table: 'items', queryName: 'all', filter: tagFilter(tag), updatedAt: last, pulledAt: NOW, rows: 35 }
    expect(await listWatermarks(store)).toEqual([record])
    await expect(watermarks.until(list => list.length === 1 && list[0]!.pulledAt === NOW)).resolves.toEqual([record])
    watermarks.stop()
  })

  it('ends on an empty page after a full one, and asks for pageSize rows per page', async () => {
    const tag = newId('even')
    await seed(h, tag, 20)
    const { run, recorder } = setup({}, paged)
    const result = await run({ name: 'even', filter: tagFilter(tag) })
    expect(recorder.requests.map(request => request.ids.length)).toEqual([10, 10, 0])
    expect(result).toMatchObject({ upserted: 20, pages: 2, watermark: await stampOf(h, rowId(tag, 19)) })
    expect(await listWatermarks(store)).toMatchObject([{ updatedAt: result.watermark, pulledAt: NOW, rows: 20 }])

    const small = setup({}, { pageSize: 4 })
    await small.run({ filter: `(${tagFilter(tag)}) and n lt 10` })
    expect(small.recorder.requests.map(request => new URL(request.url).searchParams.get('$top'))).toEqual(['4', '4', '4'])
    expect(small.recorder.requests.map(request => request.ids.length)).toEqual([4, 4, 2])
    expect((await localRows(store)).map(row => row.id)).toEqual(ids(tag, 0, 9))
  })

  it('an incremental pull fetches only the rows written since its watermark (and the row at the watermark again)', async () => {
    const tag = newId('incr')
    await seed(h, tag, 25)
    const { run, recorder } = setup()
    await run({ name: 'incr', filter: tagFilter(tag) })
    const watermark = await stampOf(h, rowId(tag, 24))
    expect(recorder.rows()).toHaveLength(25)

    await seed(h, tag, 3, 25)
    expect((await h.request('PATCH', `/tables/items/${rowId(tag, 3)}`, { body: { text: 'changed' } })).status).toBe(200)
    const before = recorder.requests.length
    const result = await run({ name: 'incr', filter: tagFilter(tag) })
    const requests = recorder.requests.slice(before)
    expect(requests[0]!.filter).toBe(`(${tagFilter(tag)}) and (updatedAt ge datetimeoffset'${watermark}')`)
    expect(requests.flatMap(request => request.ids)).toEqual([rowId(tag, 24), ...ids(tag, 25, 27), rowId(tag, 3)])
    expect(result).toMatchObject({ upserted: 5, pages: 1, watermark: await stampOf(h, rowId(tag, 3)) })
    expect(await localRows(store)).toEqual(await serverRows(h, tag))
    expect((await localRows(store)).find(row => row.id === rowId(tag, 3))!.text).toBe('changed')
  })

  it('misses and repeats no row across a run of equal updatedAt longer than a page, even when rows of the run change between pages', async () => {
    const tag = newId('tie')
    await seed(h, tag, 3, 0)
    const tie = await importTied(h, tag, 100, 25)
    await seed(h, tag, 3, 200)
    const early = rowId(tag, 101) // on page 1 (received before it changes)
    const late = rowId(tag, 120) // not received yet when it changes
    const { run, recorder } = setup({
      async before(index) {
        if (index !== 1) return
        expect((await h.request('PATCH', `/tables/items/${early}`, { body: { text: 'moved early' } })).status).toBe(200)
        expect((await h.request('PATCH', `/tables/items/${late}`, { body: { text: 'moved late' } })).status).toBe(200)
      },
    }, paged)
    const result = await run({ name: 'tie', filter: tagFilter(tag) })

    // page 1 stops inside the run: the next page starts after (tie, last id), not at an offset
    expect(recorder.requests[0]!.ids.at(-1)).toBe(rowId(tag, 106))
    expect(recorder.requests[1]!.filter).toContain(`(updatedAt eq datetimeoffset'${tie}' and id gt '${rowId(tag, 106)}')`)
    const server = await serverRows(h, tag)
    expect(server).toHaveLength(31)
    expect(await localRows(store)).toEqual(server)
    const times = new Map<string, number>()
    for (const id of recorder.rows()) times.set(id, (times.get(id) ?? 0) + 1)
    expect([...times.keys()].sort()).toEqual(server.map(row => row.id))
    // only the row that changed after it was received comes twice (its new version at the end)
    expect([...times].filter(([, count]) => count !== 1)).toEqual([[early, 2]])
    expect(recorder.rows().slice(-2)).toEqual([early, late])
    expect(server.filter(row => typeof row.text === 'string' && row.text.startsWith('moved')).map(row => row.id)).toEqual([early, late])
    expect(result.upserted).toBe(32)
  })

  it('removes the rows the server deleted', async () => {
    const tag = newId('del')
    await seed(h, tag, 5)
    const { run } = setup()
    await run({ name: 'del', filter: tagFilter(tag) })
    for (const n of [1, 3]) expect((await h.request('DELETE', `/tables/items/${rowId(tag, n)}`)).status).toBe(200)
    const result = await run({ name: 'del', filter: tagFilter(tag) })
    expect(result).toMatchObject({ deleted: 2, upserted: 1, skipped: 0 })
    expect((await localRows(store)).map(row => row.id)).toEqual([rowId(tag, 0), rowId(tag, 2), rowId(tag, 4)])
    expect(await localRows(store)).toEqual(await serverRows(h, tag))
  })

  it('neither overwrites nor deletes rows that have queued operations', async () => {
    const tag = newId('ops')
    await seed(h, tag, 4)
    const { run, push } = setup()
    await run({ name: 'ops', filter: tagFilter(tag) })
    const items = client.table('items')
    await items.update({ id: rowId(tag, 0), text: 'mine 0' })
    await items.remove(rowId(tag, 1))
    await items.update({ id: rowId(tag, 3), text: 'mine 3' })
    expect((await h.request('PATCH', `/tables/items/${rowId(tag, 0)}`, { body: { text: 'theirs 0' } })).status).toBe(200)
    expect((await h.request('PATCH', `/tables/items/${rowId(tag, 1)}`, { body: { text: 'theirs 1' } })).status).toBe(200)
    expect((await h.request('DELETE', `/tables/items/${rowId(tag, 2)}`)).status).toBe(200)
    expect((await h.request('DELETE', `/tables/items/${rowId(tag, 3)}`)).status).toBe(200)

    const result = await run({ name: 'ops', filter: tagFilter(tag) })
    expect(push.calls).toHaveLength(1) // the fake push left the operations queued
    expect(result).toMatchObject({ upserted: 0, deleted: 1, skipped: 3 })
    const local = await localRows(store)
    expect(local.map(row => [row.id, row.text])).toEqual([[rowId(tag, 0), 'mine 0'], [rowId(tag, 3), 'mine 3']])
    expect((await client.operations()).map(operation => `${operation.kind}:${operation.itemId}`))
      .toEqual([`update:${rowId(tag, 0)}`, `delete:${rowId(tag, 1)}`, `update:${rowId(tag, 3)}`])
  })

  it('calls pushFirst exactly when the table has queued operations', async () => {
    const tag = newId('push')
    await seed(h, tag, 2)
    const { run, push } = setup()
    await run({ filter: tagFilter(tag) })
    expect(push.calls).toHaveLength(0)
    await client.table('others').insert({ text: 'another table' })
    await run({ filter: tagFilter(tag) })
    expect(push.calls).toHaveLength(0)
    await client.table('items').update({ id: rowId(tag, 0), text: 'mine' })
    await run({ filter: tagFilter(tag) })
    expect(push.calls).toHaveLength(1)
  })

  it('with the real push, sends the queued changes first, then pulls the server\'s rows', async () => {
    const tag = newId('real')
    await seed(h, tag, 3)
    let pushes = 0
    const deps: Partial<PullDeps> = {
      pushFirst: () => {
        pushes += 1
        return push({ client, tableClient })
      },
    }
    const { run, tableClient } = setup({}, deps)
    await run({ name: 'real', filter: tagFilter(tag) })
    expect(pushes).toBe(0)
    await client.table('items').update({ id: rowId(tag, 0), text: 'mine' })
    await client.table('items').insert({ id: rowId(tag, 3), text: 'new', n: 3, tag })
    await client.table('items').remove(rowId(tag, 2))
    const result = await run({ name: 'real', filter: tagFilter(tag) })
    expect(pushes).toBe(1)
    expect(await client.operations()).toEqual([])
    expect(result.skipped).toBe(0)
    const server = await serverRows(h, tag)
    expect(server.map(row => [row.id, row.text])).toEqual([[rowId(tag, 0), 'mine'], [rowId(tag, 1), 't1'], [rowId(tag, 3), 'new']])
    expect(await localRows(store)).toEqual(server)
  })

  it('fails with the error of an implicit push that stopped, before sending anything', async () => {
    const tag = newId('stop')
    await seed(h, tag, 2)
    const error = new NetworkError('http://127.0.0.1:9/tables/items', 'refused')
    const stopped = fakePush({ stopped: { reason: 'network', error } })
    const { run, recorder } = setup({}, { pushFirst: stopped.pushFirst })
    await client.table('items').insert({ text: 'queued', tag })
    await expect(run({ name: 'stop', filter: tagFilter(tag) })).rejects.toBe(error)
    expect(stopped.calls).toHaveLength(1)
    expect(recorder.requests).toHaveLength(0)
    expect(await listWatermarks(store)).toEqual([])
  })

  it('stores the watermark with each page: an interrupted pull keeps pages 1-2, and the next one completes with every row once', async () => {
    const tag = newId('cut')
    await seed(h, tag, 30)
    let failAt = 2
    const { run, recorder } = setup({ fail: index => index === failAt }, paged)
    await expect(run({ name: 'cut', filter: tagFilter(tag) })).rejects.toBeInstanceOf(NetworkError)
    expect((await localRows(store)).map(row => row.id)).toEqual(ids(tag, 0, 19))
    const u19 = await stampOf(h, rowId(tag, 19))
    // not completed yet: pulledAt and rows stay those of the last completed pull (none)
    expect(await listWatermarks(store)).toEqual([{ id: 'items/cut', table: 'items', queryName: 'cut', filter: tagFilter(tag), updatedAt: u19, pulledAt: 0, rows: 0 }])

    failAt = -1
    const before = recorder.requests.length
    const result = await run({ name: 'cut', filter: tagFilter(tag) })
    const requests = recorder.requests.slice(before)
    expect(requests[0]!.filter).toBe(`(${tagFilter(tag)}) and (updatedAt ge datetimeoffset'${u19}')`)
    expect(requests.flatMap(request => request.ids)).toEqual(ids(tag, 19, 29))
    expect(await localRows(store)).toEqual(await serverRows(h, tag))
    expect(result).toMatchObject({ upserted: 11, pages: 2, watermark: await stampOf(h, rowId(tag, 29)) })
    expect(await listWatermarks(store)).toMatchObject([{ updatedAt: result.watermark, pulledAt: NOW, rows: 11 }])
  })

  it('starts from the beginning when the filter under a name changes', async () => {
    const tag = newId('filter')
    await seed(h, tag, 6)
    const { run, recorder } = setup()
    const narrow = `${tagFilter(tag)} and n lt 3`
    await run({ name: 'mine', filter: narrow })
    expect(await listWatermarks(store)).toMatchObject([{ filter: narrow, updatedAt: await stampOf(h, rowId(tag, 2)) }])

    let before = recorder.requests.length
    await run({ name: 'mine', filter: tagFilter(tag) })
    expect(recorder.requests[before]!.filter).toBe(tagFilter(tag))
    expect(recorder.requests.slice(before).flatMap(request => request.ids)).toEqual(ids(tag, 0, 5))
    expect(await listWatermarks(store)).toMatchObject([{ filter: tagFilter(tag), updatedAt: await stampOf(h, rowId(tag, 5)) }])

    before = recorder.requests.length
    await run({ name: 'mine', filter: tagFilter(tag) })
    expect(recorder.requests[before]!.filter).toContain('updatedAt ge')
  })

  it('without a name fetches every row each time and stores no watermark', async () => {
    const tag = newId('anon')
    await seed(h, tag, 3)
    const { run, recorder } = setup()
    const first = await run({ filter: tagFilter(tag) })
    const second = await run({ filter: tagFilter(tag) })
    expect(recorder.requests.map(request => request.filter)).toEqual([tagFilter(tag), tagFilter(tag), tagFilter(tag), tagFilter(tag)].map((filter, i) => i % 2 ? expect.stringContaining('updatedAt gt') : filter))
    expect(recorder.rows()).toEqual([...ids(tag, 0, 2), ...ids(tag, 0, 2)])
    expect(first).toEqual({ table: 'items', upserted: 3, deleted: 0, skipped: 0, pages: 1 })
    expect(second).toEqual(first)
    expect(await listWatermarks(store)).toEqual([])
  })

  it('a named pull that receives nothing completes with the epoch watermark', async () => {
    const { run, recorder } = setup()
    const result = await run({ name: 'none', filter: tagFilter(newId('empty')) })
    expect(result).toMatchObject({ upserted: 0, pages: 0, watermark: '1970-01-01T00:00:00.000Z' })
    expect(await listWatermarks(store)).toMatchObject([{ id: 'items/none', updatedAt: '1970-01-01T00:00:00.000Z', pulledAt: NOW, rows: 0 }])
    await run({ name: 'none', filter: recorder.requests[0]!.filter! })
    expect(recorder.requests[1]!.filter).toBe(recorder.requests[0]!.filter)
  })

  it('quotes ids in the cursor (an apostrophe at the page boundary)', async () => {
    const tag = newId('quote')
    await h.db.transaction().execute(async (trx) => {
      for (let n = 0; n < 12; n++) await trx.insertInto('items').values({ id: `${tag}-it's-${n}`, n, tag }).execute()
    })
    const { run, recorder } = setup({}, paged)
    await run({ name: 'quote', filter: tagFilter(tag) })
    expect(recorder.requests[1]!.filter).toContain(`id gt '${tag}-it''s-9'`)
    expect((await localRows(store)).length).toBe(12)
  })

  it('a row without deleted is a ProtocolError and nothing of its page is written', async () => {
    const tag = newId('bad')
    await seed(h, tag, 15)
    const { run } = setup({
      rewrite: (index, body) => index !== 1
        ? body
        : (body as Record<string, unknown>[]).map((row, k) => k === 2 ? Object.fromEntries(Object.entries(row).filter(([key]) => key !== 'deleted')) : row),
    }, paged)
    const error = await run({ name: 'bad', filter: tagFilter(tag) }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProtocolError)
    expect((error as ProtocolError).reason).toContain(`item ${rowId(tag, 12)} has no boolean deleted`)
    expect((await localRows(store)).map(row => row.id)).toEqual(ids(tag, 0, 9))
    expect(await listWatermarks(store)).toMatchObject([{ updatedAt: await stampOf(h, rowId(tag, 9)) }])
  })

  it('a bad page whose next page was already requested and failed: the ProtocolError, and no unhandled rejection of that request', async () => {
    const tag = newId('bad-early')
    await seed(h, tag, 25)
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      // page 1's first and last rows look fine, so page 2 is requested before page 1 is checked; that request fails
      const { run, recorder } = setup({
        fail: index => index === 2,
        rewrite: (index, body) => index !== 1
          ? body
          : (body as Record<string, unknown>[]).map((row, k) => k === 2 ? Object.fromEntries(Object.entries(row).filter(([key]) => key !== 'deleted')) : row),
      }, paged)
      await expect(run({ filter: tagFilter(tag) })).rejects.toBeInstanceOf(ProtocolError)
      await new Promise(resolve => setTimeout(resolve, 50))
      expect(recorder.requests).toHaveLength(3)
      expect(unhandled).toEqual([])
      expect((await localRows(store)).map(row => row.id)).toEqual(ids(tag, 0, 9))
    }
    finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('a server that ignores the keyset filter is a ProtocolError, not an endless pull', async () => {
    const tag = newId('loop')
    await seed(h, tag, 12)
    let first: unknown
    const { run, recorder } = setup({
      rewrite: (index, body) => {
        first ??= body
        return first
      },
    }, paged)
    await expect(run({ filter: tagFilter(tag) })).rejects.toBeInstanceOf(ProtocolError)
    expect(recorder.requests).toHaveLength(2)
    expect((await localRows(store)).map(row => row.id)).toEqual(ids(tag, 0, 9))
  })

  it('refuses bad arguments before sending anything', async () => {
    const { run, recorder, push, tableClient } = setup()
    await client.table('items').insert({ text: 'queued' })
    const deps: PullDeps = { client, tableClient, pushFirst: push.pushFirst }
    await expect(pull(deps, 'nope')).rejects.toBeInstanceOf(UnknownTableError)
    await expect(pull(deps, '_operations')).rejects.toBeInstanceOf(UnknownTableError)
    await expect(run({ filter: 'done eq false&$top=5' })).rejects.toBeInstanceOf(ValidationError)
    await expect(run({ filter: 'text eq \'a\' $orderby=text' })).rejects.toThrow(/\$filter expression only/)
    await expect(run({ filter: 42 as unknown as string })).rejects.toBeInstanceOf(ValidationError)
    await expect(run({ name: '' })).rejects.toBeInstanceOf(ValidationError)
    await expect(pull({ ...deps, pageSize: 0 }, 'items')).rejects.toBeInstanceOf(ValidationError)
    expect(recorder.requests).toHaveLength(0)
    expect(push.calls).toHaveLength(0)
    // a `$` inside a string literal is data
    await run({ filter: 'text eq \'costs $5 and it\'\'s $top\'' })
    expect(recorder.requests[0]!.filter).toBe('text eq \'costs $5 and it\'\'s $top\'')
  })

  it('speaks v3 (cast literals, { items } pages of 20) across a tie run', async () => {
    const tag = newId('v3')
    await seed(h, tag, 5)
    const tie = await importTied(h, tag, 100, 30)
    const { run, recorder } = setup({}, {}, '3.0.0')
    await run({ name: 'v3', filter: tagFilter(tag) })
    expect(recorder.requests.map(request => request.ids.length)).toEqual([20, 15])
    expect(recorder.requests[1]!.filter).toContain(`(updatedAt eq cast(${tie},Edm.DateTimeOffset) and id gt '${rowId(tag, 114)}')`)
    expect(await localRows(store)).toEqual(await serverRows(h, tag))
    const before = recorder.requests.length
    await run({ name: 'v3', filter: tagFilter(tag) })
    expect(recorder.requests[before]!.filter).toBe(`(${tagFilter(tag)}) and (updatedAt ge cast(${tie},Edm.DateTimeOffset))`)
  })
})
