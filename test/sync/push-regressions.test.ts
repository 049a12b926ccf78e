import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { createError } from 'h3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { HttpError, ProtocolError } from '../../src/runtime/core/errors'
import { createMemoryStore } from '../../src/runtime/core/memory-store'
import type { QueuedOperation } from '../../src/runtime/core/operation'
import { OPERATIONS_TABLE, type LocalStore } from '../../src/runtime/core/store'
import { createSyncClient } from '../../src/runtime/core/sync-client'
import { createSyncContext, type SyncContext } from '../../src/runtime/core/sync/context'
import { listConflicts } from '../../src/runtime/core/sync/conflicts'
import { push, recoverInflight } from '../../src/runtime/core/sync/push'
import { createTableClient } from '../../src/runtime/core/sync/table-client'
import { createDexieStore } from '../../src/runtime/dexie/dexie-store'
import { newId, startHarness, type Harness } from '../conformance/support/harness'
import { gate, networkFetch } from './context-support'
import { pushSetup, PUSH_TABLES, serverItem, type Interception, type PushMode, type PushSetup } from './push-support'

/**
 * Regressions of review R1 and the push rules that had no test: a local change must not be lost when another tab
 * (no shared lock) hands an in-flight operation back, 408/429 and broken 2xx answers stop the push, and a write
 * answered without a version.
 */
const harnesses: Harness[] = []
const stores: LocalStore[] = []
const contexts: SyncContext[] = []
async function harness(maxBatchSize: number): Promise<Harness> {
  const h = await startHarness('embedded', { tables: PUSH_TABLES, maxBatchSize })
  // `text` values the server's before-write hook answers with a "try again later" status
  h.hooks.hook('offline-sync:before-write', (ctx) => {
    if (ctx.item.text === 'slow') throw createError({ statusCode: 429, message: 'test: too many requests' })
    if (ctx.item.text === 'timeout') throw createError({ statusCode: 408, message: 'test: request timeout' })
  })
  harnesses.push(h)
  return h
}
afterEach(async () => {
  for (const ctx of contexts.splice(0)) ctx.dispose()
  await Promise.all(stores.splice(0).map(store => store.close()))
})
afterAll(async () => {
  await Promise.all(harnesses.splice(0).map(h => h.close()))
})

/** Drops every queued operation's record of what earlier attempts sent (`sent`). */
async function forgetSent(store: LocalStore): Promise<void> {
  await store.transaction('readwrite', [OPERATIONS_TABLE], async (tx) => {
    const operations = await tx.query<QueuedOperation>(OPERATIONS_TABLE)
    await tx.bulkPut(OPERATIONS_TABLE, operations.map(({ sent: _sent, ...operation }) => operation))
  })
}

const SINGLE: PushMode = { name: 'one request per operation', store: 'memory', batch: false }
const BATCH: PushMode = { name: 'batch endpoint', store: 'memory', batch: true }

describe('push: an operation another tab handed back while it was in flight (no shared lock)', () => {
  let h: Harness
  beforeAll(async () => {
    h = await harness(0)
  })
  async function setup(interception?: Interception): Promise<PushSetup> {
    const s = await pushSetup(h, SINGLE, { interception })
    stores.push(s.store)
    return s
  }

  it('a delete made after the update was handed back is appended, and reaches the server', async () => {
    const id = newId('handback')
    let deleted = false
    const s = await setup({
      async after(request) {
        if (!deleted && request.ops.includes(`update:${id}`)) {
          deleted = true
          // a second tab starts (recoverInflight) and its user deletes the row while the PATCH's answer travels
          expect(await recoverInflight(s.store)).toBe(1)
          await s.client.table('todos').remove(id)
        }
      },
    })
    await s.client.table('todos').insert({ id, text: 'v0' })
    await s.push()
    await s.client.table('todos').update({ id, text: 'v1' })
    expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    const applied = await serverItem(h, 'todos', id)
    expect(applied).toMatchObject({ text: 'v1', deleted: false })
    expect(await s.local('todos', id)).toBeUndefined()
    // the update stays (handed back), then the delete, both against the version the update produced
    expect((await s.operations()).map(op => [op.kind, op.state, op.version])).toEqual([['update', 'pending', applied!.version], ['delete', 'pending', applied!.version]])
    expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(await serverItem(h, 'todos', id)).toMatchObject({ deleted: true })
    expect(await s.operations()).toEqual([])
  })

  it('another push met a conflict with it and the user deleted the row: the first push\'s success keeps that delete', async () => {
    const id = newId('handback-conflict')
    let inside = false
    const s = await setup({
      async after(request) {
        if (inside || !request.ops.includes(`update:${id}`)) return
        inside = true
        // the PATCH is applied; before its answer arrives, a second tab hands the operation back, its user edits
        // the row, and its push sends the operation again: 412 against the first PATCH, with other values
        await recoverInflight(s.store)
        await s.client.table('todos').update({ id, text: 'edited in tab 2' })
        // a push takes a server row equal to an earlier attempt of the operation (its `sent`) for that attempt's
        // success (push-lost-edit.test.ts); without that record (an operation queued by an older version of the
        // module), the second push meets the first PATCH as a conflict, the case this test is about
        await forgetSent(s.store)
        const second = await push({ client: s.client, tableClient: s.tableClient })
        expect(second.conflicts).toEqual([expect.objectContaining({ itemId: id, status: 412 })])
        // the user deletes the row: the delete lands in the operation in conflict
        await s.client.table('todos').remove(id)
        expect((await s.operations()).map(op => [op.kind, op.state])).toEqual([['delete', 'conflict']])
      },
    })
    await s.client.table('todos').insert({ id, text: 'v0' })
    await s.push()
    await s.client.table('todos').update({ id, text: 'v1' })
    expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    const applied = await serverItem(h, 'todos', id)
    expect(applied).toMatchObject({ text: 'v1', deleted: false })
    // the conflict was against this very write: the delete is sent against its version
    expect((await s.operations()).map(op => [op.kind, op.state, op.version])).toEqual([['delete', 'pending', applied!.version]])
    expect(await listConflicts(s.store)).toEqual([])
    expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(await serverItem(h, 'todos', id)).toMatchObject({ deleted: true })
    expect(await s.operations()).toEqual([])
  })

  it('an insert another push has in flight again becomes an update of the first push\'s row, and that push still settles it', async () => {
    const id = newId('handback-insert')
    const held = gate()
    const secondOnWire = gate()
    let posts = 0
    let second: ReturnType<typeof push> | undefined
    const s = await setup({
      async before(request) {
        if (request.ops.includes(`insert:${id}`) && ++posts === 2) {
          secondOnWire.release()
          await held.promise
        }
      },
      async after(request) {
        if (second || !request.ops.includes(`insert:${id}`)) return
        // the POST is applied; a second tab hands the insert back and sends it again (held on the wire)
        await recoverInflight(s.store)
        second = push({ client: s.client, tableClient: s.tableClient })
        await secondOnWire.promise
      },
    })
    await s.client.table('todos').insert({ id, text: 'once' })
    expect(await s.push()).toMatchObject({ pushed: 1 })
    const applied = await serverItem(h, 'todos', id)
    // the second push still has it in flight: it stays, as an update of the row the first push made
    expect((await s.operations()).map(op => [op.kind, op.state, op.attempts, op.version])).toEqual([['update', 'inflight', 2, applied!.version]])
    held.release()
    // the second POST meets its own row (409, same values): a success that removes the operation
    expect(await second).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(await s.operations()).toEqual([])
    expect(await s.local('todos', id)).toMatchObject({ text: 'once', version: applied!.version })
  })

  it('two contexts over one Dexie database without a lock: a delete made in the second while the first pushes an update reaches the server', async () => {
    const name = newId('db')
    const indexedDB = new IDBFactory()
    const net = networkFetch()
    const tab = () => {
      const store = createDexieStore({ name, tables: PUSH_TABLES, indexedDB, IDBKeyRange })
      stores.push(store)
      const client = createSyncClient({ store })
      const ctx = createSyncContext({ client, tableClient: createTableClient({ baseUrl: `${h.url}/tables`, fetch: net.fetch }), auto: false, retry: false })
      contexts.push(ctx)
      return { ctx, todos: client.table('todos'), client }
    }
    const a = tab()
    const b = tab()
    await a.ctx.start()
    const id = newId('tabs')
    await a.todos.insert({ id, text: 'v0' })
    expect(await a.ctx.push()).toMatchObject({ pushed: 1 })
    await a.todos.update({ id, text: 'v1' })

    // A's PATCH is on the wire; B starts (recoverInflight hands A's update back) and its user deletes the row
    const held = gate()
    const onWire = gate()
    net.state.hold = held.promise
    net.state.onRequest = () => onWire.release()
    const pushing = a.ctx.push()
    await onWire.promise
    net.state.onRequest = undefined
    await b.ctx.start()
    await b.todos.remove(id)
    net.state.hold = undefined
    held.release()
    expect(await pushing).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(await a.todos.get(id)).toBeUndefined()
    expect(await b.client.pendingCount()).toBe(2)

    expect(await b.ctx.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(await serverItem(h, 'todos', id)).toMatchObject({ deleted: true })
    expect(await a.client.pendingCount()).toBe(0)
    expect(net.sent().filter(op => op === `delete:${id}`)).toHaveLength(1)
  })

  it('a write answered without a version (no version in the body, no ETag): the local row and later operations go without one', async () => {
    const id = newId('versionless')
    const ifMatch: (string | null)[] = []
    let strip = false
    let failNextPatch = false
    let editWhileOnWire: (() => Promise<unknown>) | undefined
    const fetchFn: typeof globalThis.fetch = async (input, init) => {
      const method = init?.method ?? 'GET'
      if (method === 'PATCH') {
        ifMatch.push(new Headers(init?.headers).get('if-match'))
        if (editWhileOnWire) {
          await editWhileOnWire()
          editWhileOnWire = undefined
          // the edit's own PATCH (same push) meets a network failure, so the queue can be looked at in between
          failNextPatch = true
        }
        else if (failNextPatch) {
          failNextPatch = false
          throw new TypeError('fetch failed (test)')
        }
      }
      const response = await fetch(input, init)
      if (!strip || method !== 'PATCH') return response
      strip = false
      const body = await response.json() as Record<string, unknown>
      delete body.version
      const headers = new Headers(response.headers)
      headers.delete('etag')
      headers.delete('content-length')
      return new Response(JSON.stringify(body), { status: response.status, headers })
    }
    const store = createSyncClient({ store: createMemoryStore({ tables: PUSH_TABLES }) })
    stores.push(store.store)
    const tableClient = createTableClient({ baseUrl: `${h.url}/tables`, fetch: fetchFn })
    const todos = store.table('todos')
    await todos.insert({ id, text: 'v0' })
    await push({ client: store, tableClient })
    const v0 = (await serverItem(h, 'todos', id))!.version
    await todos.update({ id, text: 'v1' })
    // an edit made while the PATCH is on the wire is appended behind it, against the version before the push
    editWhileOnWire = () => todos.update({ id, text: 'v2' })
    strip = true
    expect(await push({ client: store, tableClient })).toMatchObject({ pushed: 1, conflicts: [], errors: [], stopped: { reason: 'network' } })
    expect(ifMatch).toEqual([`"${v0}"`, null])
    const [later] = await store.operations()
    expect(later).toMatchObject({ kind: 'update', state: 'pending', attempts: 1 })
    expect(later!.version).toBeUndefined()
    expect((await todos.get(id))!.version).toBeUndefined()
    expect(await push({ client: store, tableClient })).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(ifMatch).toEqual([`"${v0}"`, null, null])
    expect(await serverItem(h, 'todos', id)).toMatchObject({ text: 'v2' })
    expect(await todos.get(id)).toMatchObject({ text: 'v2', version: (await serverItem(h, 'todos', id))!.version })
  })
})

describe.each([SINGLE, BATCH])('push: answers that stop it ($name)', (mode) => {
  let h: Harness
  beforeAll(async () => {
    h = await harness(mode.batch ? 50 : 0)
  })
  async function setup(interception?: Interception): Promise<PushSetup> {
    const s = await pushSetup(h, mode, { interception })
    stores.push(s.store)
    return s
  }

  it.each([[429, 'slow'], [408, 'timeout']] as const)('%i stops the push; the operation waits, pending, and the rest of the queue is left as it is', async (status, text) => {
    const s = await setup()
    const todos = s.client.table('todos')
    const [a, slow, c] = [newId('a'), newId(text), newId('c')]
    await todos.insert({ id: a, text: 'a' })
    await todos.insert({ id: slow, text })
    await todos.insert({ id: c, text: 'c' })
    const result = await s.push()
    expect(result.stopped?.reason).toBe('server')
    expect(result.stopped?.error).toBeInstanceOf(HttpError)
    expect((result.stopped?.error as HttpError).status).toBe(status)
    const queue = (await s.operations()).map(op => [op.itemId, op.state, op.attempts])
    if (mode.batch) {
      // our server rolls the whole batch back and answers its status: every operation of it waits
      expect(result.pushed).toBe(0)
      expect(queue).toEqual([[a, 'pending', 1], [slow, 'pending', 1], [c, 'pending', 1]])
      expect(await serverItem(h, 'todos', a)).toBeUndefined()
    }
    else {
      expect(result.pushed).toBe(1)
      expect(queue).toEqual([[slow, 'pending', 1], [c, 'pending', 0]])
      expect(await serverItem(h, 'todos', a)).toMatchObject({ text: 'a' })
      expect(await s.local('todos', a)).toMatchObject({ version: (await serverItem(h, 'todos', a))!.version })
    }
    expect(await serverItem(h, 'todos', slow)).toBeUndefined()
    expect(await serverItem(h, 'todos', c)).toBeUndefined()
    await todos.update({ id: slow, text: 'fine' })
    expect(await s.push()).toMatchObject({ pushed: mode.batch ? 3 : 2, conflicts: [], errors: [] })
    expect(await serverItem(h, 'todos', slow)).toMatchObject({ text: 'fine' })
    expect(await s.operations()).toEqual([])
  })

  it.each([
    ['an HTML page', () => new Response('<html>captive portal</html>', { status: 200, headers: { 'content-type': 'text/html' } })],
    ['JSON without an item', () => Response.json(mode.batch ? { results: [{ status: 201 }, { status: 201 }] } : { ok: true }, { status: mode.batch ? 200 : 201 })],
  ])('a 2xx answer with %s stops the push (server); nothing is lost', async (_name, answer) => {
    let broken = true
    const s = await setup({
      respond: () => {
        if (!broken) return undefined
        broken = false
        return answer()
      },
    })
    const [a, b] = [newId('a'), newId('b')]
    await s.client.table('todos').insert({ id: a, text: 'a' })
    await s.client.table('todos').insert({ id: b, text: 'b' })
    const result = await s.push()
    expect(result).toMatchObject({ pushed: 0, conflicts: [], errors: [], stopped: { reason: 'server' } })
    expect(result.stopped?.error).toBeInstanceOf(ProtocolError)
    expect((await s.operations()).map(op => [op.itemId, op.state, op.attempts])).toEqual(mode.batch ? [[a, 'pending', 1], [b, 'pending', 1]] : [[a, 'pending', 1], [b, 'pending', 0]])
    expect(await s.push()).toMatchObject({ pushed: 2, conflicts: [], errors: [] })
    expect(await serverItem(h, 'todos', a)).toMatchObject({ text: 'a' })
    expect(await s.operations()).toEqual([])
  })
})

describe('push: a 408/429 result inside a batch', () => {
  let h: Harness
  beforeAll(async () => {
    h = await harness(50)
  })

  it.each([429, 408])('a %i result inside a batch stops the push; the other results of the batch are settled', async (status) => {
    const [a, slow, c] = [newId('a'), newId('slow'), newId('c')]
    const item = (id: string, text: string) => ({ id, text, version: `v-${id}`, updatedAt: '2030-01-01T00:00:00.000Z', createdAt: '2030-01-01T00:00:00.000Z', deleted: false })
    let answered = false
    // a batch server that answers the status per operation (ours rolls the whole batch back instead)
    const s = await pushSetup(h, BATCH, {
      interception: {
        respond: () => {
          if (answered) return undefined
          answered = true
          return Response.json({ results: [{ status: 201, item: item(a, 'a') }, { status, error: 'try again later' }, { status: 201, item: item(c, 'c') }] })
        },
      },
    })
    stores.push(s.store)
    const todos = s.client.table('todos')
    await todos.insert({ id: a, text: 'a' })
    await todos.insert({ id: slow, text: 'later' })
    await todos.insert({ id: c, text: 'c' })
    const result = await s.push()
    expect(result).toMatchObject({ pushed: 2, conflicts: [], errors: [], stopped: { reason: 'server' } })
    expect((result.stopped?.error as HttpError).status).toBe(status)
    expect((await s.operations()).map(op => [op.itemId, op.state, op.attempts])).toEqual([[slow, 'pending', 1]])
    expect(await s.local('todos', a)).toEqual(item(a, 'a'))
    expect(await s.local('todos', c)).toEqual(item(c, 'c'))
    expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(await serverItem(h, 'todos', slow)).toMatchObject({ text: 'later' })
  })
})
