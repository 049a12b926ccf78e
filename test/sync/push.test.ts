import { afterEach, describe, expect, it } from 'vitest'
import { AuthenticationError, NetworkError, type HttpError } from '../../src/runtime/core/errors'
import { CONFLICTS_TABLE } from '../../src/runtime/core/store'
import { listConflicts, resolveConflict } from '../../src/runtime/core/sync/conflicts'
import { recoverInflight } from '../../src/runtime/core/sync/push'
import { newId } from '../conformance/support/harness'
import {
  changeOnServer, deleteOnServer, insertOnServer, refuseMarkedTexts, serverItem, setOperationState,
  type Interception, pushSuite, type PushMode, type SeenRequest,
} from './push-support'

/** Push against this package's server (in process, PGlite): every outcome, in each store and transport mode. */
const MODES: PushMode[] = [
  { name: 'memory store, one request per operation', store: 'memory', batch: false },
  { name: 'memory store, batch endpoint', store: 'memory', batch: true },
  { name: 'Dexie store (fake-indexeddb), batch endpoint', store: 'dexie', batch: true },
  { name: 'memory store, protocol v3, one request per operation', store: 'memory', batch: false, apiVersion: '3.0.0' },
]

describe.each(MODES)('push: $name', (mode) => {
  const suite = pushSuite(mode, { prepare: refuseMarkedTexts })
  afterEach(() => {
    suite.h.logged.length = 0
  })
  const setup = suite.setup

  it('pushes every table in queue order and stores the server version of each row', async () => {
    const s = await setup()
    const [a, l, b, m] = [newId('a'), newId('l'), newId('b'), newId('m')]
    await s.client.table('todos').insert({ id: a, text: 'a', n: 1 })
    await s.client.table('lists').insert({ id: l, title: 'l' })
    await s.client.table('todos').insert({ id: b, text: 'b', meta: { x: [1, 2] }, due: '2030-01-02T03:04:05.678Z' })
    await s.client.table('lists').insert({ id: m, title: 'm' })
    const result = await s.push()
    expect(result).toEqual({ pushed: 4, conflicts: [], errors: [], batched: mode.batch })
    expect(s.requests.sent()).toEqual([`insert:${a}`, `insert:${l}`, `insert:${b}`, `insert:${m}`])
    const server = [await serverItem(suite.h, 'todos', a), await serverItem(suite.h, 'lists', l), await serverItem(suite.h, 'todos', b), await serverItem(suite.h, 'lists', m)]
    // the server stamps each table in commit order (a clock per table): a before b, l before m
    expect(server[0]!.updatedAt! < server[2]!.updatedAt!).toBe(true)
    expect(server[1]!.updatedAt! < server[3]!.updatedAt!).toBe(true)
    expect(server[2]).toMatchObject({ text: 'b', meta: { x: [1, 2] }, due: '2030-01-02T03:04:05.678Z' })
    for (const [table, id, item] of [['todos', a, server[0]], ['lists', l, server[1]], ['todos', b, server[2]], ['lists', m, server[3]]] as const) {
      const local = await s.local(table, id)
      expect(local).toMatchObject({ id, version: item!.version, updatedAt: item!.updatedAt, deleted: false })
      // v3 answers carry no createdAt (the server items here are read with v2)
      expect(local!.createdAt).toBe(mode.apiVersion === '3.0.0' ? undefined : item!.createdAt)
    }
    expect(await s.operations()).toEqual([])
  })

  it('pushes an update (PATCH with If-Match) and a delete, each stored with the server outcome', async () => {
    const s = await setup()
    const todos = s.client.table('todos')
    const id = newId()
    await todos.insert({ id, text: 'first', done: false })
    await s.push()
    const inserted = await serverItem(suite.h, 'todos', id)
    await todos.update({ id, done: true })
    expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    const updated = await serverItem(suite.h, 'todos', id)
    expect(updated).toMatchObject({ text: 'first', done: true, deleted: false })
    expect(updated!.version).not.toBe(inserted!.version)
    expect(await s.local('todos', id)).toMatchObject({ done: true, version: updated!.version, updatedAt: updated!.updatedAt })
    await todos.remove(id)
    expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ deleted: true })
    expect(await s.local('todos', id)).toBeUndefined()
    expect(await s.operations()).toEqual([])
  })

  it('counts a delete the server answers 404 (already gone) as pushed', async () => {
    const s = await setup()
    const id = newId()
    await s.client.table('todos').insert({ id, text: 'x' })
    await s.push()
    expect((await suite.h.request('DELETE', `/tables/todos/${id}`)).status).toBe(200)
    await s.client.table('todos').remove(id)
    expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(await s.operations()).toEqual([])
  })

  it('records a 409 on an insert whose id exists with other values as a conflict with both sides', async () => {
    const s = await setup()
    const [id, other] = [newId('dup'), newId('ok')]
    const theirs = await insertOnServer(suite.h, 'todos', { id, text: 'theirs' })
    await s.client.table('todos').insert({ id, text: 'mine' })
    await s.client.table('todos').insert({ id: other, text: 'other' })
    const result = await s.push()
    expect(result.pushed).toBe(1)
    expect(result.conflicts).toEqual([expect.objectContaining({
      id: expect.any(String), table: 'todos', itemId: id, kind: 'insert', status: 409,
      clientItem: expect.objectContaining({ id, text: 'mine' }),
      serverItem: expect.objectContaining({ id, text: 'theirs', version: theirs.version }),
    })])
    expect(await listConflicts(s.store)).toEqual(result.conflicts)
    const [operation] = await s.operations()
    expect(operation).toMatchObject({ itemId: id, kind: 'insert', state: 'conflict', attempts: 1, lastError: { status: 409 } })
    expect(result.conflicts[0]!.operationSeq).toBe(operation!.seq)
    expect(await s.local('todos', id)).toMatchObject({ text: 'mine' })
    expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ text: 'theirs', version: theirs.version })
  })

  it('records a 412 on an update of a row changed on the server, skips it on the next push, and goes on with other items', async () => {
    const s = await setup()
    const todos = s.client.table('todos')
    const [r, q] = [newId('r'), newId('q')]
    await todos.insert({ id: r, text: 'r0' })
    await todos.insert({ id: q, text: 'q0' })
    await s.push()
    const theirs = await changeOnServer(suite.h, 'todos', r, { text: 'theirs' })
    await todos.update({ id: r, text: 'mine' })
    await todos.update({ id: q, text: 'q1' })
    const result = await s.push()
    expect(result).toMatchObject({ pushed: 1, errors: [] })
    expect(result.conflicts).toEqual([expect.objectContaining({
      itemId: r, kind: 'update', status: 412,
      clientItem: expect.objectContaining({ text: 'mine' }),
      serverItem: expect.objectContaining({ text: 'theirs', version: theirs.version }),
    })])
    expect(await serverItem(suite.h, 'todos', q)).toMatchObject({ text: 'q1' })
    expect(await serverItem(suite.h, 'todos', r)).toMatchObject({ text: 'theirs', version: theirs.version })
    s.requests.requests.length = 0
    expect(await s.push()).toEqual({ pushed: 0, conflicts: [], errors: [], batched: false })
    expect(s.requests.sent()).toEqual([])
    expect(await s.operations()).toEqual([expect.objectContaining({ itemId: r, state: 'conflict' })])
  })

  it('skips the later operations of an item in conflict until it is resolved', async () => {
    let changed = false
    const s = await setup({
      interception: {
        async before(request) {
          // while the first update is in flight, the app edits the row again: a second operation is appended
          if (!changed && request.ops.some(op => op.startsWith('update:'))) {
            changed = true
            await s.client.table('todos').update({ id, text: 'mine 2' })
          }
        },
      },
    })
    const id = newId()
    await s.client.table('todos').insert({ id, text: 'r0' })
    await s.push()
    await changeOnServer(suite.h, 'todos', id, { text: 'theirs' })
    await s.client.table('todos').update({ id, text: 'mine 1' })
    const result = await s.push()
    expect(result.conflicts).toHaveLength(1)
    expect(s.requests.sent().filter(op => op === `update:${id}`)).toHaveLength(1)
    expect((await s.operations()).map(op => [op.kind, op.state])).toEqual([['update', 'conflict'], ['update', 'pending']])
    expect(await s.local('todos', id)).toMatchObject({ text: 'mine 2' })
  })

  it('marks an operation the server refuses with a 400 failed, goes on, and sends it again next time', async () => {
    const s = await setup()
    const todos = s.client.table('todos')
    const [bad, good] = [newId('bad'), newId('good')]
    await todos.insert({ id: bad, text: 'bad' })
    await todos.insert({ id: good, text: 'good' })
    const result = await s.push()
    expect(result.pushed).toBe(1)
    expect(result.conflicts).toEqual([])
    expect(result.errors).toEqual([{ operation: expect.objectContaining({ itemId: bad, state: 'failed' }), status: 400, message: 'text may not be "bad"' }])
    expect(result.stopped).toBeUndefined()
    expect(await s.operations()).toEqual([expect.objectContaining({ itemId: bad, state: 'failed', attempts: 1, lastError: { status: 400, message: 'text may not be "bad"' } })])
    expect(await serverItem(suite.h, 'todos', good)).toMatchObject({ text: 'good' })
    expect(await serverItem(suite.h, 'todos', bad)).toBeUndefined()
    await todos.update({ id: bad, text: 'fixed' })
    expect(await s.push()).toMatchObject({ pushed: 1, errors: [] })
    expect(await serverItem(suite.h, 'todos', bad)).toMatchObject({ text: 'fixed' })
    expect(await s.operations()).toEqual([])
  })

  it('keeps the later operations of a failed item behind it in the same push', async () => {
    let edited = false
    const s = await setup({
      interception: {
        async before(request) {
          if (!edited && request.ops.includes(`insert:${id}`)) {
            edited = true
            await s.client.table('todos').update({ id, text: 'fixed', n: 2 })
          }
        },
      },
    })
    const id = newId()
    await s.client.table('todos').insert({ id, text: 'bad', n: 1 })
    const first = await s.push()
    expect(first.errors).toHaveLength(1)
    expect(s.requests.sent()).toEqual([`insert:${id}`])
    expect((await s.operations()).map(op => [op.kind, op.state])).toEqual([['insert', 'failed'], ['update', 'pending']])
    expect(await s.push()).toMatchObject({ pushed: 2, errors: [] })
    expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ text: 'fixed', n: 2 })
    expect(await s.operations()).toEqual([])
  })

  it('stops at a 401, puts the operation back to pending and leaves the rest of the queue alone', async () => {
    const auth = { user: '' }
    const s = await setup({ headers: (): Record<string, string> => (auth.user ? { 'x-test-user': auth.user } : {}) })
    const [a, n, b] = [newId('a'), newId('n'), newId('b')]
    await s.client.table('todos').insert({ id: a, text: 'a' })
    await s.client.table('notes').insert({ id: n, text: 'note' })
    await s.client.table('todos').insert({ id: b, text: 'b' })
    const result = await s.push()
    expect(result.stopped?.reason).toBe('authentication')
    expect(result.stopped?.error).toBeInstanceOf(AuthenticationError)
    const queue = await s.operations()
    if (mode.batch) {
      // the whole batch is refused (rolled back): every operation of it waits
      expect(result.pushed).toBe(0)
      expect(queue.map(op => [op.itemId, op.state, op.attempts])).toEqual([[a, 'pending', 1], [n, 'pending', 1], [b, 'pending', 1]])
      expect(await serverItem(suite.h, 'todos', a)).toBeUndefined()
    }
    else {
      expect(result.pushed).toBe(1)
      expect(queue.map(op => [op.itemId, op.state, op.attempts])).toEqual([[n, 'pending', 1], [b, 'pending', 0]])
      expect(s.requests.sent()).toEqual([`insert:${a}`, `insert:${n}`])
    }
    auth.user = 'u1'
    expect(await s.push()).toMatchObject({ pushed: mode.batch ? 3 : 2 })
    expect(await serverItem(suite.h, 'notes', n, 'u1')).toMatchObject({ text: 'note', userId: 'u1' })
    expect(await s.local('notes', n)).toMatchObject({ userId: 'u1' })
    expect(await s.operations()).toEqual([])
  })

  it('stops at a 500 and pushes everything once the server recovers', async () => {
    const s = await setup()
    const todos = s.client.table('todos')
    const [a, boom, c] = [newId('a'), newId('boom'), newId('c')]
    await todos.insert({ id: a, text: 'a' })
    await todos.insert({ id: boom, text: 'boom' })
    await todos.insert({ id: c, text: 'c' })
    const result = await s.push()
    expect(result.stopped?.reason).toBe('server')
    expect((result.stopped?.error as HttpError).status).toBe(500)
    expect(suite.h.logged).not.toHaveLength(0)
    const queue = await s.operations()
    expect(queue.map(op => [op.itemId, op.state, op.attempts])).toEqual(mode.batch
      ? [[a, 'pending', 1], [boom, 'pending', 1], [c, 'pending', 1]]
      : [[boom, 'pending', 1], [c, 'pending', 0]])
    expect(await serverItem(suite.h, 'todos', c)).toBeUndefined()
    await todos.update({ id: boom, text: 'fine' })
    expect(await s.push()).toMatchObject({ pushed: mode.batch ? 3 : 2, errors: [], conflicts: [] })
    expect(await serverItem(suite.h, 'todos', boom)).toMatchObject({ text: 'fine' })
    expect(await s.operations()).toEqual([])
  })

  it('stops when the network fails, touching nothing else', async () => {
    let down = true
    const s = await setup({
      interception: {
        before() {
          if (down) throw new TypeError('fetch failed (test: network down)')
        },
      },
    })
    const [a, b] = [newId('a'), newId('b')]
    await s.client.table('todos').insert({ id: a, text: 'a' })
    await s.client.table('todos').insert({ id: b, text: 'b' })
    const result = await s.push()
    expect(result).toMatchObject({ pushed: 0, conflicts: [], errors: [], stopped: { reason: 'network' } })
    expect(result.stopped?.error).toBeInstanceOf(NetworkError)
    const queue = await s.operations()
    expect(queue.map(op => [op.itemId, op.state, op.attempts])).toEqual(mode.batch ? [[a, 'pending', 1], [b, 'pending', 1]] : [[a, 'pending', 1], [b, 'pending', 0]])
    expect(queue[0]!.lastError?.message).toMatch(/network down/)
    expect(await s.local('todos', a)).toEqual({ id: a, text: 'a' })
    down = false
    expect(await s.push()).toMatchObject({ pushed: 2 })
    expect(await s.operations()).toEqual([])
  })

  describe('a lost response followed by a retry neither duplicates nor loses the change', () => {
    /** Loses the answer to the first request that carries `op`, after the server applied it. */
    const loseFirst = (op: () => string): Interception => {
      let lost = false
      return {
        after(request) {
          if (!lost && request.ops.includes(op())) {
            lost = true
            return 'lose'
          }
        },
      }
    }

    it('insert: the retry meets its own row (409, same values) and takes it', async () => {
      const id = newId()
      const s = await setup({ interception: loseFirst(() => `insert:${id}`) })
      await s.client.table('todos').insert({ id, text: 'once', meta: { b: 1, a: [true] }, due: '2031-05-06T07:08:09.010Z' })
      expect((await s.push()).stopped?.reason).toBe('network')
      const applied = await serverItem(suite.h, 'todos', id)
      expect(applied).toMatchObject({ text: 'once' })
      expect(await s.operations()).toEqual([expect.objectContaining({ kind: 'insert', state: 'pending', attempts: 1 })])
      expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
      expect(await s.operations()).toEqual([])
      expect(await listConflicts(s.store)).toEqual([])
      // the retry wrote nothing: the server row is the one the lost request made
      expect(await serverItem(suite.h, 'todos', id)).toEqual(applied)
      expect(await suite.h.db.selectFrom('todos').select('id').where('id', '=', id).execute()).toHaveLength(1)
      expect(await s.local('todos', id)).toMatchObject({ text: 'once', version: applied!.version, updatedAt: applied!.updatedAt })
    })

    it('update: the retry meets its own change (412, same values) and takes it', async () => {
      const id = newId()
      const s = await setup({ interception: loseFirst(() => `update:${id}`) })
      await s.client.table('todos').insert({ id, text: 'v0', n: 0 })
      await s.push()
      await s.client.table('todos').update({ id, text: 'v1', n: 1 })
      expect((await s.push()).stopped?.reason).toBe('network')
      const applied = await serverItem(suite.h, 'todos', id)
      expect(applied).toMatchObject({ text: 'v1', n: 1 })
      expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
      expect(await s.operations()).toEqual([])
      expect(await serverItem(suite.h, 'todos', id)).toEqual(applied)
      expect(await s.local('todos', id)).toMatchObject({ text: 'v1', n: 1, version: applied!.version })
    })

    it('delete: the retry meets the deleted row (404) and counts as pushed', async () => {
      const id = newId()
      const s = await setup({ interception: loseFirst(() => `delete:${id}`) })
      await s.client.table('todos').insert({ id, text: 'x' })
      await s.push()
      await s.client.table('todos').remove(id)
      expect((await s.push()).stopped?.reason).toBe('network')
      const applied = await serverItem(suite.h, 'todos', id)
      expect(applied).toMatchObject({ deleted: true })
      expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
      expect(await s.operations()).toEqual([])
      expect(await serverItem(suite.h, 'todos', id)).toEqual(applied)
      expect(await s.local('todos', id)).toBeUndefined()
    })

    it('a retry answered without the server\'s row (the stock server\'s 409 echoes the request) reads the row back and takes it', async () => {
      const id = newId()
      let attempt = 0
      const s = await setup({
        interception: {
          respond(request) {
            // the retry is answered as the stock Node server answers a duplicate insert: our own item, a weak ETag
            if (attempt === 1 && request.ops.includes(`insert:${id}`)) {
              attempt += 1
              return echoConflict(request)
            }
          },
          after(request) {
            if (attempt === 0 && request.ops.includes(`insert:${id}`)) {
              attempt += 1
              return 'lose'
            }
          },
        },
      })
      await s.client.table('todos').insert({ id, text: 'once', meta: { k: 1 }, due: '2031-05-06T07:08:09.010Z' })
      expect((await s.push()).stopped?.reason).toBe('network')
      const applied = await serverItem(suite.h, 'todos', id)
      s.requests.requests.length = 0
      expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
      expect(s.requests.sent()).toEqual([`insert:${id}`, `get:${id}`])
      expect(await listConflicts(s.store)).toEqual([])
      expect(await s.operations()).toEqual([])
      expect(await serverItem(suite.h, 'todos', id)).toEqual(applied)
      expect(await s.local('todos', id)).toMatchObject({ text: 'once', version: applied!.version, updatedAt: applied!.updatedAt })
    })

    it('a conflict answered without the server\'s row and a different row on the server is a conflict WITH the row read back', async () => {
      const id = newId()
      const s = await setup({ interception: { respond: request => request.ops.includes(`insert:${id}`) ? echoConflict(request) : undefined } })
      const theirs = await insertOnServer(suite.h, 'todos', { id, text: 'theirs', n: 3 })
      await s.client.table('todos').insert({ id, text: 'mine' })
      const result = await s.push()
      expect(result).toMatchObject({ pushed: 0, errors: [], conflicts: [{ itemId: id, kind: 'insert', status: 409, clientItem: { text: 'mine' } }] })
      expect(result.conflicts[0]!.serverItem).toMatchObject({ id, text: 'theirs', n: 3, version: theirs.version, updatedAt: theirs.updatedAt, deleted: false })
      expect(s.requests.sent()).toEqual([`insert:${id}`, `get:${id}`])
    })

    it('an insert whose answer was lost and whose row was then deleted locally ends deleted on the server', async () => {
      const id = newId()
      const s = await setup({ interception: loseFirst(() => `insert:${id}`) })
      await s.client.table('todos').insert({ id, text: 'short-lived' })
      expect((await s.push()).stopped?.reason).toBe('network')
      await s.client.table('todos').remove(id)
      // the insert was attempted, so the delete is queued after it rather than cancelling it
      expect((await s.operations()).map(op => op.kind)).toEqual(['insert', 'delete'])
      expect(await s.push()).toMatchObject({ pushed: 1, errors: [], conflicts: [] })
      expect(s.requests.sent()).toEqual([`insert:${id}`, `delete:${id}`])
      expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ deleted: true })
      expect(await s.operations()).toEqual([])
    })
  })

  describe('an update of a row the server deleted', () => {
    const goneStatus = mode.apiVersion === '3.0.0' ? 410 : 404

    /** A synced row the server then deletes, updated here: `{ id, deleted }` (the server's deleted row). */
    async function deletedThere(s: Awaited<ReturnType<typeof setup>>, values: Record<string, unknown> = { text: 'mine', n: 2 }) {
      const id = newId('gone')
      await s.client.table('todos').insert({ id, text: 'base', n: 1 })
      await s.push()
      await deleteOnServer(suite.h, 'todos', id)
      const deleted = await serverItem(suite.h, 'todos', id)
      await s.client.table('todos').update({ id, ...values })
      s.requests.requests.length = 0
      return { id, deleted: deleted! }
    }

    it(`is a conflict (${mode.apiVersion === '3.0.0' ? 410 : 404}) with the deleted row read back, not an item error; later pushes leave it alone`, async () => {
      const s = await setup()
      const { id, deleted } = await deletedThere(s)
      const result = await s.push()
      expect(result).toMatchObject({ pushed: 0, errors: [], conflicts: [{ itemId: id, kind: 'update', status: goneStatus, clientItem: { text: 'mine', n: 2 } }] })
      expect(result.conflicts[0]!.serverItem).toMatchObject({ id, text: 'base', n: 1, deleted: true, version: deleted.version, updatedAt: deleted.updatedAt })
      expect(s.requests.sent()).toEqual([`update:${id}`, `get:${id}`])
      expect(await listConflicts(s.store)).toEqual(result.conflicts)
      expect(await s.operations()).toEqual([expect.objectContaining({ kind: 'update', state: 'conflict', attempts: 1, lastError: expect.objectContaining({ status: goneStatus }) })])
      s.requests.requests.length = 0
      expect(await s.push()).toEqual({ pushed: 0, conflicts: [], errors: [], batched: false })
      expect(s.requests.sent()).toEqual([])
      expect(await serverItem(suite.h, 'todos', id)).toEqual(deleted)
    })

    it('stops the push when reading the server\'s row back fails; the conflict is recorded once it can be read', async () => {
      let down = true
      const s = await setup({
        interception: {
          before(request) {
            if (down && request.method === 'GET') throw new TypeError('fetch failed (test: network down)')
          },
        },
      })
      const { id } = await deletedThere(s)
      const other = newId('after')
      await s.client.table('lists').insert({ id: other, title: 'queued after it' })
      const result = await s.push()
      // one by one, nothing after the stop is sent; a batch had already applied the insert, which counts
      expect(result).toMatchObject({ pushed: mode.batch ? 1 : 0, conflicts: [], errors: [], stopped: { reason: 'network' } })
      expect(result.stopped!.error).toBeInstanceOf(NetworkError)
      expect(await listConflicts(s.store)).toEqual([])
      expect((await s.operations()).map(op => [op.itemId, op.kind, op.state, op.attempts])).toEqual(mode.batch
        ? [[id, 'update', 'pending', 1]]
        : [[id, 'update', 'pending', 1], [other, 'insert', 'pending', 0]])
      down = false
      const again = await s.push()
      expect(again).toMatchObject({ pushed: mode.batch ? 0 : 1, errors: [], conflicts: [{ itemId: id, status: goneStatus, serverItem: { deleted: true } }] })
      expect(await serverItem(suite.h, 'lists', other)).toMatchObject({ title: 'queued after it' })
      expect(await s.operations()).toEqual([expect.objectContaining({ itemId: id, state: 'conflict' })])
    })

    it('client wins re-creates it: the deleted row is undeleted at its version and takes my values', async () => {
      const s = await setup()
      const { id, deleted } = await deletedThere(s)
      const { conflicts: [conflict] } = await s.push()
      await resolveConflict({ client: s.client }, conflict!.id, { choice: 'client' })
      expect(await s.operations()).toEqual([expect.objectContaining({ kind: 'insert', state: 'pending', version: deleted.version })])
      s.requests.requests.length = 0
      expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
      // v2: POST <id> (undelete), then PATCH; v3: one PUT with deleted: false. Never a batch: it carries no undelete.
      expect(s.requests.sent()).toEqual(mode.apiVersion === '3.0.0' ? [`undelete:${id}`] : [`undelete:${id}`, `update:${id}`])
      expect(s.requests.batches()).toEqual([])
      const server = await serverItem(suite.h, 'todos', id)
      expect(server).toMatchObject({ text: 'mine', n: 2, deleted: false })
      expect(await suite.h.db.selectFrom('todos').select('id').where('id', '=', id).execute()).toHaveLength(1)
      expect(await s.local('todos', id)).toMatchObject({ text: 'mine', n: 2, version: server!.version, updatedAt: server!.updatedAt, deleted: false })
      expect(await s.operations()).toEqual([])
      expect(await listConflicts(s.store)).toEqual([])
    })

    it('a re-creation whose last answer was lost is finished by the retry, not turned into a new conflict', async () => {
      const last = mode.apiVersion === '3.0.0' ? 'undelete' : 'update'
      let lose = false
      const s = await setup({
        interception: {
          after(request) {
            if (lose && request.ops.includes(`${last}:${id}`)) {
              lose = false
              return 'lose'
            }
          },
        },
      })
      const { id } = await deletedThere(s)
      const { conflicts: [conflict] } = await s.push()
      await resolveConflict({ client: s.client }, conflict!.id, { choice: 'client' })
      // queued behind it (in batch mode in the same chunk): untouched by its stop
      const next = newId('next')
      await s.client.table('lists').insert({ id: next, title: 'next' })
      lose = true
      expect((await s.push()).stopped?.reason).toBe('network')
      const applied = await serverItem(suite.h, 'todos', id)
      expect(applied).toMatchObject({ text: 'mine', n: 2, deleted: false })
      const [operation, waiting] = await s.operations()
      // v2: the undelete went through, so what is left is an update of the revived row
      if (mode.apiVersion !== '3.0.0') {
        expect(operation).toMatchObject({ kind: 'update', state: 'pending' })
        expect([undefined, conflict!.serverItem!.version]).not.toContain(operation!.version)
        expect(await s.local('todos', id)).toMatchObject({ text: 'mine', version: operation!.version })
      }
      expect(waiting).toMatchObject({ itemId: next, kind: 'insert', state: 'pending' })
      expect(waiting!.version).toBeUndefined()
      expect(await s.local('lists', next)).toEqual({ id: next, title: 'next' })
      expect(await s.push()).toMatchObject({ pushed: 2, conflicts: [], errors: [] })
      expect(await serverItem(suite.h, 'lists', next)).toMatchObject({ title: 'next' })
      expect(await serverItem(suite.h, 'todos', id)).toEqual(applied)
      expect(await s.local('todos', id)).toMatchObject({ text: 'mine', version: applied!.version })
      expect(await s.operations()).toEqual([])
    })
  })

  it('drops an insert whose row was deleted locally after a refusal; the delete that follows it is pushed', async () => {
    const s = await setup()
    const id = newId()
    await s.client.table('todos').insert({ id, text: 'bad' })
    expect((await s.push()).errors).toHaveLength(1)
    await s.client.table('todos').remove(id)
    expect((await s.operations()).map(op => [op.kind, op.state])).toEqual([['insert', 'failed'], ['delete', 'pending']])
    s.requests.requests.length = 0
    expect(await s.push()).toMatchObject({ pushed: 1, errors: [], conflicts: [] })
    expect(s.requests.sent()).toEqual([`delete:${id}`])
    expect(await serverItem(suite.h, 'todos', id)).toBeUndefined()
    expect(await s.operations()).toEqual([])
  })

  it('an edit made while the insert is in flight reaches the server too, and the local row keeps it', async () => {
    let edited = false
    const s = await setup({
      interception: {
        async after(request) {
          // the server has applied the insert; its answer is on the way while the app edits the row
          if (!edited && request.ops.includes(`insert:${id}`)) {
            edited = true
            await s.client.table('todos').update({ id, text: 'second', done: true })
          }
        },
      },
    })
    const id = newId()
    await s.client.table('todos').insert({ id, text: 'first', n: 7 })
    const progress: [number, number][] = []
    const result = await s.push({ onProgress: (done, total) => progress.push([done, total]) })
    expect(result).toMatchObject({ pushed: 2, conflicts: [], errors: [] })
    expect(s.requests.sent()).toEqual([`insert:${id}`, `update:${id}`])
    const server = await serverItem(suite.h, 'todos', id)
    expect(server).toMatchObject({ text: 'second', done: true, n: 7 })
    expect(await s.local('todos', id)).toMatchObject({ text: 'second', done: true, n: 7, version: server!.version, updatedAt: server!.updatedAt })
    expect(await s.operations()).toEqual([])
    expect(progress.at(-1)).toEqual([2, 2])
  })

  it('an edit made while an update is in flight is pushed against the new version, not as a false conflict', async () => {
    let edited = false
    const s = await setup({
      interception: {
        async after(request) {
          if (!edited && request.ops.includes(`update:${id}`)) {
            edited = true
            await s.client.table('todos').update({ id, n: 2 })
          }
        },
      },
    })
    const id = newId()
    await s.client.table('todos').insert({ id, text: 'v0', n: 0 })
    await s.push()
    const synced = await s.local('todos', id)
    s.requests.requests.length = 0
    await s.client.table('todos').update({ id, text: 'v1' })
    // the edit queues a second update that still carries the version the first one was sent against
    const result = await s.push()
    expect(result).toMatchObject({ pushed: 2, conflicts: [], errors: [] })
    expect(s.requests.sent()).toEqual([`update:${id}`, `update:${id}`])
    const server = await serverItem(suite.h, 'todos', id)
    expect(server).toMatchObject({ text: 'v1', n: 2 })
    expect(server!.version).not.toBe(synced!.version)
    expect(await s.local('todos', id)).toMatchObject({ text: 'v1', n: 2, version: server!.version })
    expect(await s.operations()).toEqual([])
  })

  it('keeps an operation another tab handed back (recoverInflight) while it was in flight, with the edit collapsed into it', async () => {
    let edited = false
    const s = await setup({
      interception: {
        async after(request) {
          if (!edited && request.ops.includes(`insert:${id}`)) {
            edited = true
            // a second tab starts: its recoverInflight makes the operation pending, so the next edit collapses into it
            expect(await recoverInflight(s.store)).toBe(1)
            await s.client.table('todos').update({ id, text: 'edited' })
          }
        },
      },
    })
    const id = newId()
    await s.client.table('todos').insert({ id, text: 'first' })
    expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ text: 'first' })
    expect(await s.operations()).toEqual([expect.objectContaining({ kind: 'update', state: 'pending', version: (await serverItem(suite.h, 'todos', id))!.version })])
    expect(await s.local('todos', id)).toMatchObject({ text: 'edited' })
    expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ text: 'edited' })
    expect(await s.operations()).toEqual([])
  })

  it('leaves an operation another push has in flight alone; recoverInflight hands it back', async () => {
    const s = await setup()
    const [a, b] = [newId('a'), newId('b')]
    await s.client.table('todos').insert({ id: a, text: 'a' })
    await s.client.table('todos').insert({ id: b, text: 'b' })
    const [first] = await s.operations()
    await setOperationState(s.store, first!.seq, 'inflight')
    expect(await s.push()).toMatchObject({ pushed: 1 })
    expect(s.requests.sent()).toEqual([`insert:${b}`])
    expect(await recoverInflight(s.store)).toBe(1)
    expect(await s.operations()).toEqual([expect.objectContaining({ itemId: a, state: 'pending', attempts: 0 })])
    expect(await recoverInflight(s.store)).toBe(0)
    expect(await s.push()).toMatchObject({ pushed: 1 })
    expect(await s.operations()).toEqual([])
  })

  it('reports progress over every operation it handles', async () => {
    const s = await setup()
    for (let n = 0; n < 5; n++) await s.client.table('lists').insert({ id: newId(`p${n}`), title: `p${n}` })
    const progress: [number, number][] = []
    await s.push({ onProgress: (done, total) => progress.push([done, total]) })
    expect(progress[0]).toEqual([0, 5])
    expect(progress.at(-1)).toEqual([5, 5])
    for (const [index, [done]] of progress.entries()) expect(done).toBeGreaterThanOrEqual(progress[index - 1]?.[0] ?? 0)
    expect(await s.store.transaction('readonly', [CONFLICTS_TABLE], tx => tx.count(CONFLICTS_TABLE))).toBe(0)
  })
})

/**
 * A 409 as the stock Node server answers a duplicate insert: the request's own item (no `updatedAt`, no version) with
 * Express's weak ETag; in a batch, each operation's result the same way.
 */
function echoConflict(request: SeenRequest): Response {
  const body = request.body as { operations?: { item?: unknown }[] }
  if (body.operations) return Response.json({ results: body.operations.map(op => ({ status: 409, item: op.item })) })
  return Response.json(body, { status: 409, headers: { ETag: 'W/"16-U1kqgpo6oh4xyRc7lI3H+naVeu0"' } })
}
