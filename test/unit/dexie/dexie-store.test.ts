import Dexie from 'dexie'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { StorageError } from '../../../src/runtime/core/errors'
import type { TablesDefinition } from '../../../src/runtime/core/schema'
import { createSyncClient } from '../../../src/runtime/core/sync-client'
import { createDexieStore, type DexieStore, type DexieStoreOptions } from '../../../src/runtime/dexie/dexie-store'
import { watch } from '../core/stores'

const v1: TablesDefinition = { todos: { columns: { text: 'string', listId: 'string', done: 'boolean' } } }
const v2: TablesDefinition = {
  todos: { columns: { text: 'string', listId: 'string', done: 'boolean' }, indexes: ['listId', 'listId+text'] },
  lists: { columns: { title: 'string' } },
}

describe('Dexie store: persistence and schema versions', () => {
  let indexedDB: IDBFactory
  const open: DexieStore[] = []
  function openStore(tables: TablesDefinition): DexieStore {
    const store = createDexieStore({ name: 'app', tables, indexedDB, IDBKeyRange })
    open.push(store)
    return store
  }
  async function installed(): Promise<{ version: number, indexes: Record<string, string[]> }> {
    const db = new Dexie('app', { indexedDB, IDBKeyRange })
    await db.open()
    const indexes = Object.fromEntries(db.tables.map(t => [t.name, t.schema.indexes.map(i => i.name).sort()]))
    const version = db.verno
    db.close()
    return { version, indexes }
  }
  afterEach(async () => {
    await Promise.all(open.splice(0).map(store => store.close()))
  })

  it('keeps queue order across closing and reopening, and never reuses a sequence number', async () => {
    indexedDB = new IDBFactory()
    const first = openStore(v1)
    const client = createSyncClient({ store: first })
    const todos = client.table('todos')
    for (const id of ['c', 'a', 'b']) await todos.insert({ id, text: id })
    await todos.insert({ id: 'z', text: 'dropped' })
    await todos.remove('z') // insert + delete: the op with seq 4 disappears
    const before = await client.operations()
    expect(before.map(op => [op.seq, op.itemId])).toEqual([[1, 'c'], [2, 'a'], [3, 'b']])
    await first.close()

    const second = openStore(v1)
    const reopened = createSyncClient({ store: second })
    expect(await reopened.operations()).toEqual(before)
    await reopened.table('todos').update({ id: 'a', text: 'A' })
    await reopened.table('todos').insert({ id: 'd', text: 'd' })
    expect((await reopened.operations()).map(op => [op.seq, op.itemId, op.kind])).toEqual([[1, 'c', 'insert'], [2, 'a', 'insert'], [3, 'b', 'insert'], [5, 'd', 'insert']])
  })

  it('upgrades to a new table and new indexes without losing rows or operations, and only when needed', async () => {
    indexedDB = new IDBFactory()
    const first = openStore(v1)
    const client = createSyncClient({ store: first })
    await client.table('todos').insert({ id: 'a', text: 'x', listId: 'L1' })
    await client.table('todos').insert({ id: 'b', text: 'y', listId: 'L2' })
    await first.close()
    const before = await installed()

    const second = openStore(v2)
    const upgraded = createSyncClient({ store: second })
    expect((await upgraded.table('todos').list({ where: { listId: 'L2' } })).map(r => r.id)).toEqual(['b'])
    expect((await upgraded.operations()).map(op => op.itemId)).toEqual(['a', 'b'])
    await upgraded.table('lists').insert({ id: 'L1', title: 'Groceries' })
    await second.close()
    const after = await installed()
    expect(after.version).toBe(before.version + 1)
    expect(after.indexes.todos).toEqual(['[listId+text]', 'listId'])

    // same options again: same version
    const third = openStore(v2)
    expect(await createSyncClient({ store: third }).pendingCount()).toBe(3)
    await third.close()
    expect((await installed()).version).toBe(after.version)

    // a table dropped from the options keeps its rows (and comes back with them); its index is removed
    const fourth = openStore(v1)
    expect(await createSyncClient({ store: fourth }).table('todos').count()).toBe(2)
    await fourth.close()
    const downgraded = await installed()
    expect(downgraded.indexes).toMatchObject({ todos: [], lists: [] })
    const fifth = openStore(v2)
    expect(await createSyncClient({ store: fifth }).table('lists').get('L1')).toEqual({ id: 'L1', title: 'Groceries' })
  })

  it('upgrades while another connection (another tab) has the old schema open, which keeps working', async () => {
    indexedDB = new IDBFactory()
    const oldTab = openStore(v1)
    const oldClient = createSyncClient({ store: oldTab })
    await oldClient.table('todos').insert({ id: 'a', text: 'x', listId: 'L1' })
    const newTab = openStore(v2)
    const newClient = createSyncClient({ store: newTab })
    await newClient.table('lists').insert({ id: 'L1', title: 'Groceries' })
    expect(await newClient.pendingCount()).toBe(2)
    await oldClient.table('todos').insert({ id: 'b', text: 'y' })
    expect((await newClient.operations()).map(op => op.itemId)).toEqual(['a', 'L1', 'b'])
  })

  it('reports an upgrade blocked by a connection that never closes as StorageError, and opens once it closes', async () => {
    indexedDB = new IDBFactory()
    await openStore(v1).open()
    await open.pop()!.close()
    // a connection that ignores versionchange (a frozen tab, an older app without Dexie)
    const holder = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('app')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    const client = createSyncClient({ store: openStore(v2) })
    const queue = watch(client.observeQueue())
    const error = await client.pendingCount().catch(e => e)
    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ code: 'STORAGE', reason: 'UpgradeBlocked' })
    expect(error.message).toContain('another tab')
    await vi.waitFor(() => expect(queue.errors).toEqual([error]))

    holder.close()
    // the live query subscribed while blocked follows the data once the upgrade went through
    await queue.until(q => q.count === 0)
    await client.table('lists').insert({ id: 'L1', title: 'Groceries' })
    expect(await client.pendingCount()).toBe(1)
    await queue.until(q => q.count === 1 && q.head.length === 1)
    queue.stop()
  })

  it('reports a database it cannot open as StorageError', async () => {
    indexedDB = new IDBFactory()
    const newer = new Dexie('app', { indexedDB, IDBKeyRange })
    newer.version(1).stores({ todos: '++id' }) // primary key Dexie cannot migrate
    await newer.open()
    newer.close()
    const store = openStore(v1)
    const error = await store.open().catch(e => e)
    expect(error).toBeInstanceOf(StorageError)
    await expect(store.transaction('readonly', ['todos'], tx => tx.count('todos'))).rejects.toBeInstanceOf(StorageError)
  })
})

describe('Dexie store: IndexedDB unavailable (a sandboxed frame, some privacy modes)', () => {
  const securityError = () => new DOMException('The operation is insecure.', 'SecurityError')
  const throwingGetter = (): DexieStoreOptions => ({
    name: 'app',
    tables: v1,
    get indexedDB(): IDBFactory {
      throw securityError()
    },
    IDBKeyRange,
  })
  const throwingOpen = (): DexieStoreOptions => {
    const indexedDB = new IDBFactory()
    indexedDB.open = () => {
      throw securityError()
    }
    return { name: 'app', tables: v1, indexedDB, IDBKeyRange }
  }

  it.each([
    ['reading indexedDB throws', throwingGetter],
    ['indexedDB.open throws', throwingOpen],
  ])('when %s, the store is created and every call and live query fails with StorageError', async (_name, options) => {
    const store = createDexieStore(options())
    const client = createSyncClient({ store })
    const queue = watch(client.observeQueue())
    const error = await store.open().catch(e => e)
    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ code: 'STORAGE', reason: 'SecurityError' })
    expect(error.message).toMatch(/IndexedDB is unavailable/)
    await expect(client.table('todos').insert({ text: 'x' })).rejects.toMatchObject({ constructor: StorageError, reason: 'SecurityError' })
    await expect(client.pendingCount()).rejects.toMatchObject({ constructor: StorageError, reason: 'SecurityError' })
    await vi.waitFor(() => expect(queue.errors).toMatchObject([{ constructor: StorageError, reason: 'SecurityError' }]))
    queue.stop()
    await store.close()
  })
})
