import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type { LocalStore, Row } from '../../src/runtime/core/store'
import { resolveConflict } from '../../src/runtime/core/sync/conflicts'
import { recoverInflight } from '../../src/runtime/core/sync/push'
import { newId, startHarness, type Harness } from '../conformance/support/harness'
import {
  changeOnServer, deleteOnServer, insertOnServer, pushSetup, PUSH_TABLES, refuseMarkedTexts, serverItem, setOperationState,
  type Interception, type PushMode,
} from './push-support'

/** Push through the batch endpoint: chunks, the first request before the announcement, and the same end state as one by one. */
const harnesses: Harness[] = []
const stores: LocalStore[] = []
async function harness(maxBatchSize: number): Promise<Harness> {
  const h = await startHarness('embedded', { tables: PUSH_TABLES, maxBatchSize })
  refuseMarkedTexts(h)
  harnesses.push(h)
  return h
}
async function setup(h: Harness, mode: PushMode, interception?: Interception) {
  const s = await pushSetup(h, mode, { interception })
  stores.push(s.store)
  return s
}
afterEach(async () => {
  await Promise.all(stores.splice(0).map(store => store.close()))
})
afterAll(async () => {
  await Promise.all(harnesses.splice(0).map(h => h.close()))
})

const BATCH: PushMode = { name: 'batch', store: 'memory', batch: true }
const SINGLE: PushMode = { name: 'single', store: 'memory', batch: false }

describe('push through the batch endpoint', () => {
  it('sends chunks of at most the announced size, in queue order, never two operations of one item in a chunk', async () => {
    const h = await harness(3)
    const s = await setup(h, BATCH)
    const todos = s.client.table('todos')
    const x = newId('x')
    await todos.insert({ id: x, text: 'x0' })
    await s.push()
    // two updates of x queued (the first was in flight when the app edited the row again)
    await todos.update({ id: x, text: 'x1' })
    const [first] = await s.operations()
    await setOperationState(s.store, first!.seq, 'inflight')
    await todos.update({ id: x, text: 'x2', n: 2 })
    await recoverInflight(s.store)
    const ids = [newId('a'), newId('b'), newId('c'), newId('d'), newId('e')]
    for (const id of ids) await todos.insert({ id, text: id })
    s.requests.requests.length = 0

    const result = await s.push()
    expect(result).toEqual({ pushed: 7, conflicts: [], errors: [], batched: true })
    const chunks = s.requests.batches().map(request => request.ops)
    expect(s.requests.requests).toHaveLength(chunks.length)
    expect(chunks).toEqual([[`update:${x}`], [`update:${x}`, `insert:${ids[0]}`, `insert:${ids[1]}`], [`insert:${ids[2]}`, `insert:${ids[3]}`, `insert:${ids[4]}`]])
    expect(await serverItem(h, 'todos', x)).toMatchObject({ text: 'x2', n: 2 })
    expect(await s.operations()).toEqual([])
  })

  it('sends the first operation alone until the server has announced the endpoint, then batches', async () => {
    const h = await harness(50)
    const s = await pushSetup(h, SINGLE) // a table client that has not seen the announcement yet
    stores.push(s.store)
    const ids = [newId('a'), newId('b'), newId('c')]
    for (const id of ids) await s.client.table('lists').insert({ id, title: id })
    const result = await s.push()
    expect(result).toMatchObject({ pushed: 3, batched: true })
    expect(s.requests.requests.map(request => [request.path, request.ops])).toEqual([
      ['/tables/lists', [`insert:${ids[0]}`]],
      ['/tables/$batch', [`insert:${ids[1]}`, `insert:${ids[2]}`]],
    ])
  })

  it('goes on one by one when the server refuses the batch request itself', async () => {
    const h = await harness(50)
    const s = await setup(h, BATCH, {
      respond: request => request.path.endsWith('/$batch') ? Response.json({ error: 'no batches today' }, { status: 400 }) : undefined,
    })
    const ids = [newId('a'), newId('b')]
    for (const id of ids) await s.client.table('lists').insert({ id, title: id })
    expect(await s.push()).toMatchObject({ pushed: 2, errors: [], conflicts: [], batched: false })
    expect(s.requests.requests.map(request => request.path)).toEqual(['/tables/$batch', '/tables/lists', '/tables/lists'])
    expect(await s.operations()).toEqual([])
  })

  it('ends in the same state as one request per operation', async () => {
    const single = await scenario(await harness(0), SINGLE)
    const batch = await scenario(await harness(4), BATCH)
    expect(single.batched).toBe(false)
    expect(batch.batched).toBe(true)
    expect(batch.state).toEqual(single.state)
    // the scenario really exercises every outcome
    expect(single.state.result).toEqual({ pushed: 9, conflicts: [['todos', 'q', 412], ['todos', 'dup', 409], ['todos', 't', 404]], errors: [['todos', 'bad', 400]] })
    // t (changed here, deleted on the server) is re-created once its conflict is resolved with client wins (bad fails again)
    expect(single.state.recreated).toEqual({ pushed: 1, conflicts: [], errors: [['todos', 'bad', 400]] })
    expect(single.state.server.todos!.find(item => item.id === 't')).toMatchObject({ text: 't1', n: 0, deleted: false })
  })
})

/** Local rows without the server-made values (version, stamps); they must match the server's item otherwise. */
function withoutStamps(row: Row | Record<string, unknown>): Record<string, unknown> {
  const { version: _v, updatedAt: _u, createdAt: _c, ...rest } = row
  return rest
}

/** Runs one scenario with every push outcome and returns the resulting local, queue, conflict and server state. */
async function scenario(h: Harness, mode: PushMode) {
  const s = await setup(h, mode)
  const todos = s.client.table('todos')
  const lists = s.client.table('lists')
  for (const id of ['p', 'q', 'r', 's', 't']) await todos.insert({ id, text: `${id}0`, n: 0 })
  await lists.insert({ id: 'L0', title: 'list' })
  await s.push()
  await changeOnServer(h, 'todos', 'q', { text: 'theirs' })
  await insertOnServer(h, 'todos', { id: 'dup', text: 'theirs' })
  await deleteOnServer(h, 'todos', 't')

  await todos.insert({ id: 'a', text: 'a', meta: { k: [1] }, due: '2030-03-04T05:06:07.089Z' })
  await todos.insert({ id: 'bad', text: 'bad' })
  await todos.update({ id: 'p', text: 'p1' })
  await todos.update({ id: 'q', text: 'mine' })
  await todos.remove('r')
  await todos.insert({ id: 'dup', text: 'mine' })
  await lists.insert({ id: 'L1', title: 'second' })
  await todos.update({ id: 's', n: 5 })
  await todos.update({ id: 't', text: 't1' })
  await lists.remove('L0')
  await todos.insert({ id: 'b', text: 'b', done: true })
  await lists.insert({ id: 'L2', title: 'third' })
  await todos.insert({ id: 'c', text: 'c' })
  const result = await s.push()
  const summary = (pushed: typeof result) => ({
    pushed: pushed.pushed,
    conflicts: pushed.conflicts.map(conflict => [conflict.table, conflict.itemId, conflict.status]),
    errors: pushed.errors.map(error => [error.operation.table, error.operation.itemId, error.status]),
  })
  const deleted = result.conflicts.find(conflict => conflict.itemId === 't')!
  await resolveConflict({ client: s.client }, deleted.id, { choice: 'client' })
  const recreated = await s.push()

  const state = {
    result: summary(result),
    recreated: summary(recreated),
    local: {} as Record<string, Record<string, unknown>[]>,
    server: {} as Record<string, Record<string, unknown>[]>,
    queue: (await s.operations()).map(op => [op.table, op.itemId, op.kind, op.state, op.attempts]),
  }
  for (const table of ['todos', 'lists']) {
    const rows = await s.store.transaction('readonly', [table], tx => tx.query(table))
    for (const row of rows) {
      // every row the push stored carries the server's version
      const item = await serverItem(h, table, row.id)
      if (!['bad', 'q', 'dup'].includes(row.id)) expect(row.version).toBe(item!.version)
    }
    state.local[table] = rows.map(withoutStamps)
    const items = (await h.request('GET', `/tables/${table}?__includeDeleted=true&$top=100&$orderby=id`)).json as Record<string, unknown>[]
    state.server[table] = items.map(withoutStamps)
  }
  return { state, batched: result.batched }
}
