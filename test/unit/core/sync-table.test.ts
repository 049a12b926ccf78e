import { afterEach, describe, expect, it } from 'vitest'
import { DuplicateIdError, InvalidIdError, ItemNotFoundError, QueueStateError, StorageError, UnknownTableError, ValidationError } from '../../../src/runtime/core/errors'
import type { QueuedOperation } from '../../../src/runtime/core/operation'
import { enqueue } from '../../../src/runtime/core/queue'
import type { TablesDefinition } from '../../../src/runtime/core/schema'
import type { LocalStore, Row, StoreTx } from '../../../src/runtime/core/store'
import { createSyncClient, type SyncClient } from '../../../src/runtime/core/sync-client'
import type { ConflictRecord } from '../../../src/runtime/core/sync/contract'
import { storeFactories, watch } from './stores'

interface Todo { text?: string | null, done?: boolean | null, due?: string | null }

const tables: TablesDefinition = {
  todos: { columns: { text: 'string', done: 'boolean', due: 'date' }, indexes: ['done'] },
  notes: { columns: { body: 'string' } },
}

describe.each(storeFactories)('SyncTable: $kind', ({ create }) => {
  let store: LocalStore
  let client: SyncClient
  let nextId = 0
  afterEach(() => store?.close())

  function setup(wrap?: (store: LocalStore) => LocalStore) {
    store = create(tables)
    nextId = 0
    client = createSyncClient({ store: wrap ? wrap(store) : store, generateId: () => `id${++nextId}`, now: () => 1000 })
    return client.table<Todo>('todos')
  }
  const ops = () => client.operations()
  const summary = async () => (await ops()).map(op => `${op.kind}:${op.itemId}${op.version ? `@${op.version}` : ''}`)
  /** A row as a pull would store it: with a server version, no queued operation. */
  const pulled = (row: Row) => store.transaction('readwrite', ['todos'], tx => tx.put('todos', row))
  const setState = (seq: number, state: QueuedOperation['state'], attempts = 1) => store.transaction('readwrite', ['_operations'], async (tx) => {
    const op = await tx.get<QueuedOperation>('_operations', seq)
    await tx.put('_operations', { ...op!, state, attempts })
  })
  async function nothingChanged(expectedOps: string[], expectedRows: number) {
    expect(await summary()).toEqual(expectedOps)
    expect(await store.transaction('readonly', ['todos'], tx => tx.count('todos'))).toBe(expectedRows)
  }

  describe('writes', () => {
    it('inserts with a generated id, a given id, and normalised values; queues one insert each', async () => {
      const todos = setup()
      const a = await todos.insert({ text: 'a', due: new Date(Date.UTC(2024, 0, 2)) as unknown as string })
      const b = await todos.insert({ id: 'mine', text: 'b', done: true })
      expect(a).toEqual({ id: 'id1', text: 'a', due: '2024-01-02T00:00:00.000Z' })
      expect(b).toEqual({ id: 'mine', text: 'b', done: true })
      expect(await todos.get('id1')).toEqual(a)
      expect(await ops()).toEqual([
        { seq: 1, table: 'todos', itemId: 'id1', kind: 'insert', state: 'pending', attempts: 0, createdAt: 1000, updatedAt: 1000 },
        { seq: 2, table: 'todos', itemId: 'mine', kind: 'insert', state: 'pending', attempts: 0, createdAt: 1000, updatedAt: 1000 },
      ])
    })

    it('uses crypto.randomUUID() without generateId', async () => {
      store = create(tables)
      const row = await createSyncClient({ store }).table('todos').insert({ text: 'x' })
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    })

    it('update merges onto the stored row and keeps its system columns', async () => {
      const todos = setup()
      await pulled({ id: 'p', text: 'old', done: false, version: 'v1', updatedAt: '2024-01-01T00:00:00.000Z', deleted: false })
      const row = await todos.update({ id: 'p', done: true, version: 'ignored' } as Todo & { id: string })
      expect(row).toEqual({ id: 'p', text: 'old', done: true, version: 'v1', updatedAt: '2024-01-01T00:00:00.000Z', deleted: false })
      expect(await summary()).toEqual(['update:p@v1'])
    })

    it('remove deletes the row and queues a delete with the version and a snapshot', async () => {
      const todos = setup()
      await pulled({ id: 'p', text: 'old', version: 'v1' })
      await todos.remove('p')
      expect(await todos.get('p')).toBeUndefined()
      const [op] = await ops()
      expect(op).toMatchObject({ kind: 'delete', itemId: 'p', version: 'v1', item: { id: 'p', text: 'old', version: 'v1' } })
    })

    it('treats rows marked deleted as absent', async () => {
      const todos = setup()
      await pulled({ id: 'gone', text: 'x', deleted: true })
      await pulled({ id: 'here', text: 'y', deleted: false })
      expect(await todos.get('gone')).toBeUndefined()
      expect((await todos.list()).map(r => r.id)).toEqual(['here'])
      expect(await todos.count()).toBe(1)
      await expect(todos.update({ id: 'gone', text: 'z' })).rejects.toBeInstanceOf(ItemNotFoundError)
    })

    it('lists and counts with where/orderBy, refusing unknown query fields', async () => {
      const todos = setup()
      await todos.insert({ id: 'b', text: 'b', done: true })
      await todos.insert({ id: 'a', text: 'a', done: false })
      await todos.insert({ id: 'c', text: 'c', done: true })
      expect((await todos.list({ where: { done: true }, orderBy: 'text', reverse: true })).map(r => r.id)).toEqual(['c', 'b'])
      expect(await todos.count({ where: { done: true } })).toBe(2)
      await expect(todos.list({ where: { dne: true } })).rejects.toMatchObject({ constructor: ValidationError, field: 'dne' })
      await expect(todos.list({ orderBy: 'txt' })).rejects.toMatchObject({ constructor: ValidationError, field: 'txt' })
    })

    it('throws UnknownTableError for an undeclared table', () => {
      setup()
      expect(() => client.table('nope')).toThrow(UnknownTableError)
      expect(() => client.table('_operations')).toThrow(UnknownTableError)
      return expect(client.pendingCount('nope')).rejects.toBeInstanceOf(UnknownTableError)
    })
  })

  describe('collapse rules through SyncTable', () => {
    it('insert + update → one insert, the row has the new values', async () => {
      const todos = setup()
      await todos.insert({ id: 'a', text: 'one' })
      await todos.update({ id: 'a', text: 'two' })
      expect(await summary()).toEqual(['insert:a'])
      expect(await todos.get('a')).toEqual({ id: 'a', text: 'two' })
    })

    it('insert + delete → nothing left', async () => {
      const todos = setup()
      await todos.insert({ id: 'a', text: 'one' })
      await todos.update({ id: 'a', text: 'two' })
      await todos.remove('a')
      await nothingChanged([], 0)
    })

    it.each(['inflight', 'failed', 'pending'] as const)('insert sent before (%s) + delete → the delete is appended', async (state) => {
      const todos = setup()
      await todos.insert({ id: 'a', text: 'one' })
      await setState(1, state, 1)
      await todos.remove('a')
      expect((await ops()).map(op => [op.kind, op.state])).toEqual([['insert', state], ['delete', 'pending']])
      expect((await ops())[1]!.item).toEqual({ id: 'a', text: 'one' })
    })

    it('update + update → one update with the version captured first', async () => {
      const todos = setup()
      await pulled({ id: 'p', text: 'x', version: 'v1' })
      await todos.update({ id: 'p', text: 'y' })
      await todos.update({ id: 'p', text: 'z' })
      expect(await summary()).toEqual(['update:p@v1'])
      expect((await todos.get('p'))!.text).toBe('z')
    })

    it('update + delete → one delete keeping the version captured earlier', async () => {
      const todos = setup()
      await pulled({ id: 'p', text: 'x', version: 'v1' })
      await todos.update({ id: 'p', text: 'y' })
      await todos.remove('p')
      const all = await ops()
      expect(all).toHaveLength(1)
      expect(all[0]).toMatchObject({ seq: 1, kind: 'delete', version: 'v1', item: { id: 'p', text: 'y', version: 'v1' }, state: 'pending' })
    })

    it.each(['failed', 'pending'] as const)('update sent before (%s) + delete → the delete is appended, the update is left as it is', async (state) => {
      const todos = setup()
      await pulled({ id: 'p', text: 'x', version: 'v1' })
      await todos.update({ id: 'p', text: 'y' })
      await setState(1, state, 1)
      await todos.remove('p')
      expect((await ops()).map(op => [op.seq, op.kind, op.state, op.attempts])).toEqual([[1, 'update', state, 1], [2, 'delete', 'pending', 0]])
      expect((await ops())[1]).toMatchObject({ version: 'v1', item: { id: 'p', text: 'y', version: 'v1' } })
    })

    describe('an item waiting for a conflict resolution', () => {
      /** Puts operation 1 in conflict with its record, as a push that met a 409/412 leaves them. */
      async function conflictOn(kind: 'insert' | 'update') {
        await setState(1, 'conflict', 1)
        const record: ConflictRecord = {
          id: '1', table: 'todos', itemId: 'p', operationSeq: 1, kind, status: kind === 'insert' ? 409 : 412,
          clientItem: { id: 'p', text: 'as recorded' }, serverItem: { id: 'p', text: 'theirs', version: 'v2', updatedAt: '2024-01-02T00:00:00.000Z', deleted: false }, createdAt: 5,
        }
        await store.transaction('readwrite', ['_conflicts'], tx => tx.put('_conflicts', record))
      }
      const records = () => store.transaction('readonly', ['_conflicts'], tx => tx.query<ConflictRecord>('_conflicts'))

      it('update: the operation stays in conflict and the record shows the row as it is now', async () => {
        const todos = setup()
        await pulled({ id: 'p', text: 'x', version: 'v1' })
        await todos.update({ id: 'p', text: 'mine' })
        await conflictOn('update')
        await todos.update({ id: 'p', text: 'mine, edited' })
        expect((await ops()).map(op => [op.seq, op.kind, op.state])).toEqual([[1, 'update', 'conflict']])
        expect(await records()).toEqual([expect.objectContaining({ id: '1', kind: 'update', clientItem: { id: 'p', text: 'mine, edited', version: 'v1' }, serverItem: expect.objectContaining({ text: 'theirs' }) })])
      })

      it.each(['insert', 'update'] as const)('delete after an %s in conflict: one delete, still in conflict; the record is a delete with the snapshot', async (kind) => {
        const todos = setup()
        if (kind === 'insert') await todos.insert({ id: 'p', text: 'mine' })
        else {
          await pulled({ id: 'p', text: 'x', version: 'v1' })
          await todos.update({ id: 'p', text: 'mine' })
        }
        await conflictOn(kind)
        await todos.remove('p')
        const all = await ops()
        expect(all.map(op => [op.seq, op.kind, op.state, op.attempts])).toEqual([[1, 'delete', 'conflict', 1]])
        expect(all[0]!.item).toMatchObject({ id: 'p', text: 'mine' })
        expect(all[0]!.version).toBe(kind === 'insert' ? undefined : 'v1')
        expect(await records()).toEqual([expect.objectContaining({ id: '1', kind: 'delete', clientItem: all[0]!.item })])
      })

      it('a later operation appended behind the conflict keeps the record of the conflict in step too', async () => {
        const todos = setup()
        await pulled({ id: 'p', text: 'x', version: 'v1' })
        await todos.update({ id: 'p', text: 'mine' })
        // a change made while the update was in flight was appended; then the update met the conflict
        await setState(1, 'inflight', 1)
        await todos.update({ id: 'p', text: 'later' })
        await conflictOn('update')
        await todos.remove('p')
        expect((await ops()).map(op => [op.seq, op.kind, op.state])).toEqual([[1, 'update', 'conflict'], [2, 'delete', 'pending']])
        expect(await records()).toEqual([expect.objectContaining({ id: '1', kind: 'update', clientItem: { id: 'p', text: 'later', version: 'v1' } })])
      })
    })

    it('an operation in flight is never collapsed into: update after an in-flight update is appended', async () => {
      const todos = setup()
      await pulled({ id: 'p', text: 'x', version: 'v1' })
      await todos.update({ id: 'p', text: 'y' })
      await setState(1, 'inflight')
      await todos.update({ id: 'p', text: 'z' })
      await todos.update({ id: 'p', text: 'zz' })
      expect(await summary()).toEqual(['update:p@v1', 'update:p@v1'])
    })

    it('delete + anything → QueueStateError, nothing written', async () => {
      const todos = setup()
      await pulled({ id: 'p', text: 'x', version: 'v1' })
      await todos.remove('p')
      await expect(todos.insert({ id: 'p', text: 'again' })).rejects.toBeInstanceOf(QueueStateError)
      await expect(todos.update({ id: 'p', text: 'again' })).rejects.toBeInstanceOf(QueueStateError)
      await expect(todos.remove('p')).rejects.toBeInstanceOf(QueueStateError)
      await nothingChanged(['delete:p@v1'], 0)
    })

    it('insert of an existing id → DuplicateIdError (queued or pulled), nothing written', async () => {
      const todos = setup()
      await todos.insert({ id: 'a', text: 'one' })
      await pulled({ id: 'p', text: 'x', version: 'v1' })
      await expect(todos.insert({ id: 'a', text: 'two' })).rejects.toBeInstanceOf(DuplicateIdError)
      await expect(todos.insert({ id: 'p', text: 'two' })).rejects.toBeInstanceOf(DuplicateIdError)
      await nothingChanged(['insert:a'], 2)
      expect((await todos.get('a'))!.text).toBe('one')
    })

    it('update/remove of a missing row → ItemNotFoundError', async () => {
      const todos = setup()
      await expect(todos.update({ id: 'x', text: 'a' })).rejects.toBeInstanceOf(ItemNotFoundError)
      await expect(todos.remove('x')).rejects.toMatchObject({ code: 'ITEM_NOT_FOUND', table: 'todos', id: 'x' })
      await nothingChanged([], 0)
    })

    it('collapses per table: the same id in two tables has two queues', async () => {
      const todos = setup()
      await todos.insert({ id: 'same', text: 'x' })
      await client.table('notes').insert({ id: 'same', body: 'y' })
      await todos.remove('same')
      expect((await ops()).map(op => `${op.table}:${op.kind}`)).toEqual(['notes:insert'])
      expect(await client.pendingCount('notes')).toBe(1)
      expect(await client.pendingCount('todos')).toBe(0)
    })
  })

  describe('a failing write leaves neither the row nor the operation', () => {
    it.each<[string, Record<string, unknown>, new (...args: never[]) => Error]>([
      ['unknown column', { text: 'x', colour: 'red' }, ValidationError],
      ['wrong type', { text: 42 }, ValidationError],
      ['invalid date', { due: '2024-02-30' }, ValidationError],
      ['NUL character in a string', { text: 'a\u0000b' }, ValidationError],
      ['bad id', { id: 'a/b', text: 'x' }, InvalidIdError],
    ])('insert with %s', async (_name, input, error) => {
      const todos = setup()
      await expect(todos.insert(input as Todo)).rejects.toBeInstanceOf(error)
      await nothingChanged([], 0)
    })

    it('update with a wrong type keeps the stored row and the queue as they were', async () => {
      const todos = setup()
      await todos.insert({ id: 'a', text: 'one' })
      await expect(todos.update({ id: 'a', done: 'yes' as unknown as boolean })).rejects.toBeInstanceOf(ValidationError)
      await expect(todos.remove('a/b')).rejects.toBeInstanceOf(InvalidIdError)
      await nothingChanged(['insert:a'], 1)
      expect(await todos.get('a')).toEqual({ id: 'a', text: 'one' })
    })

    it('a transaction aborted midway (storage fails after the operation was queued)', async () => {
      const failingRowWrites = (inner: LocalStore): LocalStore => ({
        ...inner,
        tables: inner.tables,
        transaction: (mode, names, fn) => inner.transaction(mode, names, tx => fn(new Proxy(tx, {
          get(target, property: keyof StoreTx) {
            if (property === 'put') {
              return (table: string, record: object) => table === 'todos' ? Promise.reject(new StorageError('QuotaExceededError', 'disk full')) : target.put(table, record)
            }
            return (target[property] as (...args: unknown[]) => unknown).bind(target)
          },
        }))),
      })
      const todos = setup(failingRowWrites)
      await expect(todos.insert({ id: 'a', text: 'x' })).rejects.toMatchObject({ code: 'STORAGE', quotaExceeded: true })
      await nothingChanged([], 0)
    })

    it('a transaction aborted by an error thrown after both writes', async () => {
      setup()
      await expect(store.transaction('readwrite', ['todos', '_operations'], async (tx) => {
        await tx.put('todos', { id: 'a', text: 'x' })
        await enqueue(tx, 'todos', 'a', { kind: 'insert' })
        throw new Error('midway')
      })).rejects.toThrow('midway')
      await nothingChanged([], 0)
    })
  })

  describe('live queries', () => {
    it('observeList and observe emit after inserts, updates and deletes', async () => {
      const todos = setup()
      const list = watch(todos.observeList({ where: { done: false } }))
      const one = watch(todos.observe(t => t.get('a')))
      await list.until(v => v.length === 0)
      await todos.insert({ id: 'a', text: 'one', done: false })
      await list.until(v => v.length === 1 && v[0]!.text === 'one')
      await one.until(v => v?.text === 'one')
      await todos.update({ id: 'a', text: 'two' })
      await list.until(v => v[0]?.text === 'two')
      await todos.update({ id: 'a', done: true })
      await list.until(v => v.length === 0)
      await todos.remove('a')
      await one.until(v => v === undefined)
      list.stop()
      one.stop()
      expect([...list.errors, ...one.errors]).toEqual([])
    })

    it('observeQueue emits the count and the head of the queue after each change', async () => {
      const todos = setup()
      const queue = watch(client.observeQueue())
      await queue.until(q => q.count === 0 && q.head.length === 0)
      await todos.insert({ id: 'a', text: 'one' })
      await queue.until(q => q.count === 1 && q.head[0]!.kind === 'insert')
      await client.table('notes').insert({ id: 'n', body: 'x' })
      await queue.until(q => q.count === 2 && q.head.map(op => op.itemId).join() === 'a,n')
      await todos.remove('a')
      await queue.until(q => q.count === 1 && q.head.map(op => op.itemId).join() === 'n')
      queue.stop()
    })

    it('observeQueue shows only the first operations of a long queue, with the full count', async () => {
      const todos = setup()
      for (let i = 0; i < 7; i++) await todos.insert({ id: `t${i}`, text: String(i) })
      const queue = watch(client.observeQueue({ limit: 3 }))
      await queue.until(q => q.count === 7 && q.head.map(op => op.itemId).join() === 't0,t1,t2')
      await todos.remove('t1')
      await queue.until(q => q.count === 6 && q.head.map(op => op.itemId).join() === 't0,t2,t3')
      queue.stop()
      expect((await client.operations({ offset: 4, limit: 5 })).map(op => op.itemId)).toEqual(['t5', 't6'])
    })
  })
})
