// The client plugin runs its real Dexie store here: happy-dom has no IndexedDB, so fake-indexeddb provides one.
// It must load before the Nuxt app starts (the environment's beforeAll); the plugin reads the globals then.
import 'fake-indexeddb/auto'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { useNuxtApp } from '#imports'
import { useSyncTable } from '../../src/runtime/composables/useSyncTable'
import { useSyncStore } from '../../src/runtime/stores/useSyncStore'
import { useSyncContext } from '../../src/runtime/composables/useSyncContext'
import { QueueStateError, StorageError, UnknownTableError } from '../../src/runtime/core/errors'
import { OPERATIONS_TABLE } from '../../src/runtime/core/store'
import { clearLocalStore, syncClient } from './helpers'

beforeEach(async () => {
  await clearLocalStore()
  // a fresh store each time, without the state the previous one left in Pinia
  useSyncStore().$dispose()
  delete useNuxtApp().$pinia.state.value['offline-sync']
})

describe('useSyncStore', () => {
  it('follows the operation queue through inserts, updates and deletes', async () => {
    const sync = useSyncStore()
    const todos = useSyncTable('todos')
    const notes = useSyncTable('notes')
    await expect.poll(() => sync.pendingCount).toBe(0)

    const a = await todos.insert({ text: 'a' })
    const b = await notes.insert({ body: 'b' })
    await expect.poll(() => sync.operations.map(o => [o.table, o.itemId, o.kind])).toEqual([['todos', a.id, 'insert'], ['notes', b.id, 'insert']])
    expect(sync.pendingCount).toBe(2)

    // insert + update collapse into the insert
    await todos.update({ id: a.id, done: true })
    await expect.poll(() => sync.operations.map(o => o.kind)).toEqual(['insert', 'insert'])
    expect(sync.pendingCount).toBe(2)

    // insert + delete: both gone
    await todos.remove(a.id)
    await expect.poll(() => sync.pendingCount).toBe(1)
    expect(sync.operations[0]).toMatchObject({ table: 'notes', itemId: b.id, kind: 'insert', state: 'pending' })
  })

  it('holds the first 100 operations of a long queue and counts them all', async () => {
    const sync = useSyncStore()
    const todos = useSyncTable('todos')
    const ids: string[] = []
    for (let i = 0; i < 120; i++) ids.push((await todos.insert({ text: String(i) })).id)
    await expect.poll(() => sync.pendingCount).toBe(120)
    await expect.poll(() => sync.operations.map(o => o.itemId)).toEqual(ids.slice(0, 100))
  })

  it('keeps serialisable state', async () => {
    const sync = useSyncStore()
    await useSyncTable('todos').insert({ text: 'a', meta: { n: 1 } })
    await expect.poll(() => sync.pendingCount).toBe(1)
    const state = useNuxtApp().$pinia.state.value['offline-sync']
    expect(JSON.parse(JSON.stringify(state))).toEqual(state)
    expect(Object.keys(state!).sort()).toEqual([
      'activity', 'conflicts', 'error', 'lastError', 'lastPull', 'lastPush', 'nextRetryAt', 'online', 'operations', 'pendingCount', 'queries', 'storage', 'watermarks',
    ])
  })

  it('follows the named queries of the context, whoever adds or removes them', () => {
    const sync = useSyncStore()
    const context = useSyncContext()
    const fixture = { openTodos: { table: 'todos', filter: 'done eq false' }, notes: { table: 'notes' } }
    expect(sync.queries).toEqual(fixture)
    try {
      context.addQuery('mine', { table: 'todos', filter: `text eq 'mine'` })
      expect(sync.queries).toEqual({ ...fixture, mine: { table: 'todos', filter: `text eq 'mine'` } })
      sync.addQuery('lists', { table: 'notes' })
      expect(Object.keys(sync.queries)).toEqual(['openTodos', 'notes', 'mine', 'lists'])
      context.removeQuery('mine')
      expect(Object.keys(sync.queries)).toEqual(['openTodos', 'notes', 'lists'])
      // only the context changes it: a write (Pinia's hydration from the server's payload, $patch) is ignored
      sync.$patch({ queries: {} })
      expect(Object.keys(sync.queries)).toEqual(['openTodos', 'notes', 'lists'])
      // a refused query changes nothing
      expect(() => context.addQuery('bad', { table: 'nope' })).toThrow(UnknownTableError)
      expect(Object.keys(sync.queries)).toEqual(['openTodos', 'notes', 'lists'])
      // a disposed store stops following
      sync.$dispose()
      context.removeQuery('lists')
      expect(Object.keys(sync.queries)).toEqual(['openTodos', 'notes', 'lists'])
      expect(Object.keys(useSyncStore().queries)).toEqual(['openTodos', 'notes'])
    }
    finally {
      context.removeQuery('mine')
      context.removeQuery('lists')
    }
  })

  it('follows the browser going offline and online', async () => {
    const sync = useSyncStore()
    expect(sync.online).toBe(true)
    window.dispatchEvent(new Event('offline'))
    await nextTick()
    expect(sync.online).toBe(false)
    window.dispatchEvent(new Event('online'))
    await nextTick()
    expect(sync.online).toBe(true)
  })

  it('stops following the queue when the store is disposed', async () => {
    const first = useSyncStore()
    await expect.poll(() => first.pendingCount).toBe(0)
    first.$dispose()
    await useSyncTable('todos').insert({ text: 'a' })
    const second = useSyncStore()
    await expect.poll(() => second.pendingCount).toBe(1)
    expect(first.pendingCount).toBe(0)
  })

  it('retryOperation makes a failed operation pending; discardOperation drops one (an insert with its row)', async () => {
    const sync = useSyncStore()
    const todos = useSyncTable('todos')
    await todos.insert({ text: 'a' })
    const b = await todos.insert({ text: 'b' })
    await expect.poll(() => sync.pendingCount).toBe(2)
    const [first, second] = sync.operations
    // as a push leaves an operation the server refused with an item error
    await syncClient().store.transaction('readwrite', [OPERATIONS_TABLE], tx => tx.put(OPERATIONS_TABLE, { ...first!, state: 'failed', attempts: 1, lastError: { status: 400, message: 'refused' } }))
    await expect.poll(() => sync.operations[0]?.state).toBe('failed')

    await sync.retryOperation(first!)
    await expect.poll(() => sync.operations[0]?.state).toBe('pending')
    await expect(sync.retryOperation(first!.seq)).rejects.toBeInstanceOf(QueueStateError)
    await sync.discardOperation(second!.seq)
    await expect.poll(() => sync.pendingCount).toBe(1)
    expect(sync.operations.map(o => o.seq)).toEqual([first!.seq])
    expect(await todos.get(b.id)).toBeUndefined()
  })

  it('shows why the queue cannot be read', async () => {
    const spy = vi.spyOn(syncClient(), 'observeQueue').mockReturnValue({
      subscribe(_next, error) {
        queueMicrotask(() => error?.(new StorageError('QuotaExceededError', 'disk full')))
        return () => {}
      },
    })
    try {
      const sync = useSyncStore()
      await expect.poll(() => sync.error).toContain('disk full')
      expect(sync.pendingCount).toBe(0)
    }
    finally {
      spy.mockRestore()
    }
  })

  it('reads the network and the queue only after hydration', async () => {
    const nuxtApp = useNuxtApp()
    await useSyncTable('todos').insert({ text: 'queued' })
    nuxtApp.isHydrating = true
    try {
      const sync = useSyncStore()
      window.dispatchEvent(new Event('offline'))
      // what the server rendered: online, nothing queued
      await new Promise(resolve => setTimeout(resolve, 0))
      expect(sync.online).toBe(true)
      expect(sync.pendingCount).toBe(0)
      nuxtApp.isHydrating = false
      await nuxtApp.callHook('app:suspense:resolve')
      expect(sync.online).toBe(false)
      await expect.poll(() => sync.pendingCount).toBe(1)
    }
    finally {
      nuxtApp.isHydrating = false
      window.dispatchEvent(new Event('online'))
    }
  })
})
