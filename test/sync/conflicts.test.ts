import { describe, expect, it } from 'vitest'
import { ItemNotFoundError, ValidationError } from '../../src/runtime/core/errors'
import { listConflicts, observeConflicts, resolveConflict } from '../../src/runtime/core/sync/conflicts'
import type { ConflictRecord, Resolution, ServerItem } from '../../src/runtime/core/sync/contract'
import { MAX_HANDLER_RETRIES } from '../../src/runtime/core/sync/push'
import { newId } from '../conformance/support/harness'
import { watch } from '../unit/core/stores'
import { changeOnServer, deleteOnServer, insertOnServer, serverItem, type Interception, pushSuite, type PushMode, type PushSetup } from './push-support'

/** Conflicts recorded by push against this package's server, and each way of resolving them. */
const MODES: PushMode[] = [
  { name: 'memory store, one request per operation', store: 'memory', batch: false },
  { name: 'Dexie store (fake-indexeddb), batch endpoint', store: 'dexie', batch: true },
]

/** Caught rejection of a promise (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => expect.fail('expected a rejection'), (error: unknown) => error)
}

describe.each(MODES)('conflicts: $name', (mode) => {
  const suite = pushSuite(mode)
  const setup = (interception?: Interception) => suite.setup({ interception })
  const resolve = (s: PushSetup, conflict: ConflictRecord, resolution: Resolution) => resolveConflict({ client: s.client }, conflict.id, resolution)

  /** A synced row changed on the server, then locally: the push records a 412. */
  async function updateConflict(s: PushSetup, options: { handler?: PushSetup['push'] } = {}) {
    const id = newId('u')
    const todos = s.client.table('todos')
    await todos.insert({ id, text: 'base', n: 1 })
    await s.push()
    const theirs = await changeOnServer(suite.h, 'todos', id, { text: 'theirs', done: true })
    await todos.update({ id, text: 'mine', n: 2 })
    const result = await (options.handler ?? s.push)()
    return { id, theirs, result, conflict: result.conflicts[0]! }
  }

  /** An insert of an id the server already has with other values: the push records a 409. */
  async function insertConflict(s: PushSetup) {
    const id = newId('i')
    const theirs = await insertOnServer(suite.h, 'todos', { id, text: 'theirs', n: 9 })
    await s.client.table('todos').insert({ id, text: 'mine' })
    const result = await s.push()
    return { id, theirs, conflict: result.conflicts[0]! }
  }

  /** A delete of a row changed on the server meanwhile: the push records a 412 with the removed row as my side. */
  async function deleteConflict(s: PushSetup) {
    const id = newId('d')
    await s.client.table('todos').insert({ id, text: 'base' })
    await s.push()
    const theirs = await changeOnServer(suite.h, 'todos', id, { text: 'theirs' })
    await s.client.table('todos').remove(id)
    const result = await s.push()
    return { id, theirs, conflict: result.conflicts[0]! }
  }

  /** A synced row the server then deletes (soft, or for good in table `hard`), updated here: the push records a 404. */
  async function deletedConflict(s: PushSetup, options: { table?: 'todos' | 'hard', push?: PushSetup['push'] } = {}) {
    const table = options.table ?? 'todos'
    const id = newId('gone')
    await s.client.table(table).insert({ id, text: 'base' })
    await s.push()
    await deleteOnServer(suite.h, table, id)
    const deleted = await serverItem(suite.h, table, id)
    await s.client.table(table).update({ id, text: 'mine' })
    const result = await (options.push ?? s.push)()
    return { id, deleted, result, conflict: result.conflicts[0]! }
  }

  /** The user columns of an item. */
  const values = (item: Record<string, unknown> | undefined) => ({ text: item?.text ?? null, done: item?.done ?? null, n: item?.n ?? null })

  describe('client wins', () => {
    it('an update: the row takes the server version, the push sends my values, the server ends with them', async () => {
      const s = await setup()
      const { id, theirs, conflict } = await updateConflict(s)
      expect(conflict).toMatchObject({ kind: 'update', status: 412, clientItem: { text: 'mine', n: 2 }, serverItem: { text: 'theirs', done: true } })
      await resolve(s, conflict, { choice: 'client' })
      expect(await listConflicts(s.store)).toEqual([])
      expect(await s.local('todos', id)).toMatchObject({ text: 'mine', n: 2, version: theirs.version })
      expect(await s.operations()).toEqual([expect.objectContaining({ kind: 'update', state: 'pending', version: theirs.version })])
      expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
      const server = await serverItem(suite.h, 'todos', id)
      const local = await s.local('todos', id)
      expect(values(server)).toEqual(values(local))
      expect(server).toMatchObject({ text: 'mine', n: 2 })
      expect(local!.version).toBe(server!.version)
      expect(await s.operations()).toEqual([])
    })

    it('an insert that met an existing id becomes an update of it', async () => {
      const s = await setup()
      const { id, theirs, conflict } = await insertConflict(s)
      expect(conflict).toMatchObject({ kind: 'insert', status: 409, clientItem: { text: 'mine' }, serverItem: { text: 'theirs', n: 9 } })
      await resolve(s, conflict, { choice: 'client' })
      expect(await s.operations()).toEqual([expect.objectContaining({ kind: 'update', state: 'pending', version: theirs.version })])
      expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [] })
      expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ text: 'mine' })
      expect(await s.local('todos', id)).toMatchObject({ text: 'mine', version: (await serverItem(suite.h, 'todos', id))!.version })
    })

    it('a delete stays a delete, now with the server version, and deletes the server row', async () => {
      const s = await setup()
      const { id, theirs, conflict } = await deleteConflict(s)
      expect(conflict).toMatchObject({ kind: 'delete', status: 412, clientItem: { id, text: 'base' }, serverItem: { text: 'theirs' } })
      await resolve(s, conflict, { choice: 'client' })
      expect(await s.operations()).toEqual([expect.objectContaining({ kind: 'delete', state: 'pending', version: theirs.version })])
      expect(await s.push()).toMatchObject({ pushed: 1 })
      expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ deleted: true })
      expect(await s.local('todos', id)).toBeUndefined()
    })
  })

  describe('server wins', () => {
    it('an update: my operations go, the local row becomes the server item', async () => {
      const s = await setup()
      const { id, theirs, conflict } = await updateConflict(s)
      await resolve(s, conflict, { choice: 'server' })
      expect(await s.local('todos', id)).toMatchObject({ ...values(theirs), version: theirs.version, updatedAt: theirs.updatedAt })
      expect(await s.operations()).toEqual([])
      expect(await listConflicts(s.store)).toEqual([])
      s.requests.requests.length = 0
      expect(await s.push()).toMatchObject({ pushed: 0 })
      expect(s.requests.sent()).toEqual([])
      expect(await serverItem(suite.h, 'todos', id)).toEqual(theirs)
    })

    it('a delete: the row comes back as the server has it', async () => {
      const s = await setup()
      const { id, theirs, conflict } = await deleteConflict(s)
      await resolve(s, conflict, { choice: 'server' })
      expect(await s.local('todos', id)).toMatchObject({ text: 'theirs', version: theirs.version })
      expect(await s.operations()).toEqual([])
    })

    it('drops the later operations of the item too', async () => {
      const id = newId('later')
      let edited = false
      const s = await setup({
        async before(request) {
          // the app edits the row again while the update is in flight: a second operation is queued behind it
          if (!edited && request.ops.includes(`update:${id}`)) {
            edited = true
            await s.client.table('todos').update({ id, text: 'mine again' })
          }
        },
      })
      await s.client.table('todos').insert({ id, text: 'base' })
      await s.push()
      const theirs = await changeOnServer(suite.h, 'todos', id, { text: 'theirs' })
      await s.client.table('todos').update({ id, text: 'mine' })
      const { conflicts: [conflict] } = await s.push()
      expect((await s.operations()).map(op => op.state)).toEqual(['conflict', 'pending'])
      await resolve(s, conflict!, { choice: 'server' })
      expect(await s.operations()).toEqual([])
      expect(await s.local('todos', id)).toMatchObject({ text: 'theirs', version: theirs.version })
    })
  })

  describe('merge', () => {
    it('stores the merged item with the server version and pushes it', async () => {
      const s = await setup()
      const { id, theirs, conflict } = await updateConflict(s)
      await resolve(s, conflict, { choice: 'merge', item: { text: 'mine + theirs', n: 3 } })
      // columns the merge leaves out keep the server's value
      expect(await s.local('todos', id)).toMatchObject({ text: 'mine + theirs', n: 3, done: true, version: theirs.version })
      expect(await s.operations()).toEqual([expect.objectContaining({ kind: 'update', state: 'pending', version: theirs.version })])
      expect(await listConflicts(s.store)).toEqual([])
      expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [] })
      expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ text: 'mine + theirs', n: 3, done: true })
    })

    it('refuses an item that does not fit the table, writing nothing', async () => {
      const s = await setup()
      const { id, conflict } = await updateConflict(s)
      const before = { local: await s.local('todos', id), queue: await s.operations(), conflicts: await listConflicts(s.store) }
      expect(await rejection(resolve(s, conflict, { choice: 'merge', item: { text: 'x', colour: 'red' } }))).toBeInstanceOf(ValidationError)
      expect(await rejection(resolve(s, conflict, { choice: 'merge', item: { n: 'three' } }))).toMatchObject({ field: 'n' })
      expect(await rejection(resolve(s, conflict, { choice: 'merge', item: { id: 'another', text: 'x' } }))).toMatchObject({ code: 'VALIDATION', field: 'id' })
      expect({ local: await s.local('todos', id), queue: await s.operations(), conflicts: await listConflicts(s.store) }).toEqual(before)
    })
  })

  it('discard: my operations and the local row go; the server keeps its item', async () => {
    const s = await setup()
    const { id, theirs, conflict } = await updateConflict(s)
    await resolve(s, conflict, { choice: 'discard' })
    expect(await s.local('todos', id)).toBeUndefined()
    expect(await s.operations()).toEqual([])
    expect(await listConflicts(s.store)).toEqual([])
    expect(await s.push()).toMatchObject({ pushed: 0 })
    expect(await serverItem(suite.h, 'todos', id)).toEqual(theirs)
  })

  describe('an update of a row the server deleted (404)', () => {
    it('client wins: the row is re-created (undeleted) with my values', async () => {
      const s = await setup()
      const { id, deleted, conflict } = await deletedConflict(s)
      expect(conflict).toMatchObject({ kind: 'update', status: 404, clientItem: { text: 'mine' }, serverItem: { id, deleted: true, version: deleted!.version } })
      await resolve(s, conflict, { choice: 'client' })
      expect(await s.local('todos', id)).toMatchObject({ text: 'mine', version: deleted!.version })
      expect(await s.operations()).toEqual([expect.objectContaining({ kind: 'insert', state: 'pending', version: deleted!.version })])
      expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
      const server = await serverItem(suite.h, 'todos', id)
      expect(server).toMatchObject({ text: 'mine', deleted: false })
      expect(await s.local('todos', id)).toMatchObject({ text: 'mine', version: server!.version })
      expect(await s.operations()).toEqual([])
    })

    it('merge: the merged row is re-created', async () => {
      const s = await setup()
      const { id, deleted, conflict } = await deletedConflict(s)
      await resolve(s, conflict, { choice: 'merge', item: { text: 'mine, merged', n: 4 } })
      expect(await s.local('todos', id)).toMatchObject({ text: 'mine, merged', n: 4, version: deleted!.version, deleted: false })
      expect(await s.operations()).toEqual([expect.objectContaining({ kind: 'insert', state: 'pending', version: deleted!.version })])
      expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
      expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ text: 'mine, merged', n: 4, deleted: false })
      expect(await s.operations()).toEqual([])
    })

    for (const choice of ['server', 'discard'] as const) {
      it(`${choice}: the local row and my operations go; the server keeps its row deleted`, async () => {
        const s = await setup()
        const { id, deleted, conflict } = await deletedConflict(s)
        await resolve(s, conflict, { choice })
        expect(await s.local('todos', id)).toBeUndefined()
        expect(await s.operations()).toEqual([])
        expect(await listConflicts(s.store)).toEqual([])
        s.requests.requests.length = 0
        expect(await s.push()).toMatchObject({ pushed: 0 })
        expect(s.requests.sent()).toEqual([])
        expect(await serverItem(suite.h, 'todos', id)).toEqual(deleted)
      })
    }

    it('a row deleted for good (no soft delete): no server item; client wins inserts the row again', async () => {
      const s = await setup()
      const { id, deleted, conflict } = await deletedConflict(s, { table: 'hard' })
      expect(deleted).toBeUndefined()
      expect(conflict).toMatchObject({ table: 'hard', kind: 'update', status: 404, clientItem: { text: 'mine' }, serverItem: undefined })
      await resolve(s, conflict, { choice: 'client' })
      const [operation] = await s.operations()
      expect(operation).toMatchObject({ kind: 'insert', state: 'pending' })
      expect(operation!.version).toBeUndefined()
      s.requests.requests.length = 0
      expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
      expect(s.requests.sent()).toEqual([`insert:${id}`])
      const server = await serverItem(suite.h, 'hard', id)
      expect(server).toMatchObject({ text: 'mine', deleted: false })
      expect(await s.local('hard', id)).toMatchObject({ text: 'mine', version: server!.version })
    })

    it('a conflictHandler that keeps mine re-creates it in the same push', async () => {
      const s = await setup()
      const seen: ConflictRecord[] = []
      const { id, result } = await deletedConflict(s, { push: () => s.push({ conflictHandler: (c) => {
        seen.push(c)
        return { choice: 'client' }
      } }) })
      expect(seen).toEqual([expect.objectContaining({ itemId: id, status: 404, serverItem: expect.objectContaining({ deleted: true }) })])
      expect(result).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
      expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ text: 'mine', deleted: false })
      expect(await s.operations()).toEqual([])
    })

    it('an insert of an id whose server row is deleted: 409 with the deleted row; client wins re-creates it', async () => {
      const s = await setup()
      const id = newId('tomb')
      await insertOnServer(suite.h, 'todos', { id, text: 'theirs' })
      await deleteOnServer(suite.h, 'todos', id)
      const deleted = await serverItem(suite.h, 'todos', id)
      await s.client.table('todos').insert({ id, text: 'mine' })
      const { conflicts: [conflict] } = await s.push()
      expect(conflict).toMatchObject({ kind: 'insert', status: 409, serverItem: { id, text: 'theirs', deleted: true, version: deleted!.version } })
      await resolve(s, conflict!, { choice: 'client' })
      expect(await s.operations()).toEqual([expect.objectContaining({ kind: 'insert', state: 'pending', version: deleted!.version })])
      expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
      expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ text: 'mine', deleted: false })
    })
  })

  it('an unknown or already resolved conflict id is an ItemNotFoundError', async () => {
    const s = await setup()
    const { conflict } = await updateConflict(s)
    expect(await rejection(resolveConflict({ client: s.client }, 'nope', { choice: 'client' }))).toBeInstanceOf(ItemNotFoundError)
    await resolve(s, conflict, { choice: 'discard' })
    expect(await rejection(resolve(s, conflict, { choice: 'client' }))).toMatchObject({ code: 'ITEM_NOT_FOUND', id: conflict.id })
  })

  it('lists and observes conflicts in queue order', async () => {
    const s = await setup()
    const todos = s.client.table('todos')
    const ids = Array.from({ length: 8 }, (_, n) => newId(`o${n}`))
    for (const id of ids) await todos.insert({ id, text: 'base' })
    await s.push()
    const seen = watch(observeConflicts(s.store))
    await seen.until(list => list.length === 0)
    await changeOnServer(suite.h, 'todos', ids[0]!, { text: 'theirs' })
    await changeOnServer(suite.h, 'todos', ids[1]!, { text: 'theirs' })
    await todos.update({ id: ids[0]!, text: 'mine' }) // seq 9
    await todos.update({ id: ids[1]!, text: 'mine' }) // seq 10: its id '10' sorts before '9' as a string
    const { conflicts } = await s.push()
    expect(conflicts.map(conflict => conflict.operationSeq)).toEqual([9, 10])
    expect(await listConflicts(s.store)).toEqual(conflicts)
    expect(await seen.until(list => list.length === 2)).toEqual(conflicts)
    await resolve(s, conflicts[0]!, { choice: 'server' })
    expect(await seen.until(list => list.length === 1)).toEqual([conflicts[1]])
    seen.stop()
  })

  describe('conflictHandler', () => {
    it('client wins automatically: the push retries the operation and the server ends with my values', async () => {
      const s = await setup()
      const seen: ConflictRecord[] = []
      const { id, result } = await updateConflict(s, { handler: () => s.push({ conflictHandler: (c) => {
        seen.push(c)
        return { choice: 'client' }
      } }) })
      expect(result).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
      expect(seen).toEqual([expect.objectContaining({ itemId: id, status: 412, clientItem: expect.objectContaining({ text: 'mine' }), serverItem: expect.objectContaining({ text: 'theirs' }) })])
      expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ text: 'mine', n: 2 })
      expect(await s.operations()).toEqual([])
      expect(await listConflicts(s.store)).toEqual([])
    })

    it('merge automatically', async () => {
      const s = await setup()
      const { id, result } = await updateConflict(s, { handler: () => s.push({
        conflictHandler: async c => ({ choice: 'merge', item: { text: `${String(c.clientItem!.text)} & ${String(c.serverItem!.text)}` } }),
      }) })
      expect(result).toMatchObject({ pushed: 1, conflicts: [] })
      expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ text: 'mine & theirs', done: true })
      expect(await s.local('todos', id)).toMatchObject({ text: 'mine & theirs', done: true, version: (await serverItem(suite.h, 'todos', id))!.version })
    })

    it('server wins automatically: nothing is sent again', async () => {
      const s = await setup()
      const { id, theirs, result } = await updateConflict(s, { handler: () => s.push({ conflictHandler: () => ({ choice: 'server' }) }) })
      expect(result).toMatchObject({ pushed: 0, conflicts: [], errors: [] })
      expect(await s.local('todos', id)).toMatchObject({ text: 'theirs', version: theirs.version })
      expect(await s.operations()).toEqual([])
    })

    it('a handler that answers nothing or throws leaves the conflict for the user', async () => {
      const s = await setup()
      const first = await updateConflict(s, { handler: () => s.push({ conflictHandler: () => undefined }) })
      expect(first.result.conflicts).toHaveLength(1)
      const second = await updateConflict(s, { handler: () => s.push({ conflictHandler: () => {
        throw new Error('handler bug')
      } }) })
      expect(second.result.conflicts).toHaveLength(1)
      expect((await listConflicts(s.store)).map(c => c.itemId)).toEqual([first.id, second.id])
      expect((await s.operations()).map(op => op.state)).toEqual(['conflict', 'conflict'])
    })

    it(`is asked at most ${MAX_HANDLER_RETRIES} times per operation in one push`, async () => {
      const s = await setup()
      let calls = 0
      let latest: ServerItem | undefined
      const { id, result } = await updateConflict(s, { handler: () => s.push({
        conflictHandler: async (c) => {
          calls += 1
          // another device keeps changing the row, so every retry meets a new version
          latest = await changeOnServer(suite.h, 'todos', c.itemId, { text: `theirs ${calls}` })
          return { choice: 'client' }
        },
      }) })
      expect(calls).toBe(MAX_HANDLER_RETRIES)
      expect(result.conflicts).toHaveLength(1)
      expect(result.conflicts[0]).toMatchObject({ itemId: id, serverItem: { text: `theirs ${MAX_HANDLER_RETRIES}` } })
      expect(await s.operations()).toEqual([expect.objectContaining({ state: 'conflict', attempts: MAX_HANDLER_RETRIES + 1 })])
      expect(await serverItem(suite.h, 'todos', id)).toEqual(latest)
    })
  })
})
