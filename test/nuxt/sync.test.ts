// The sync store and useSyncTable against a REAL table server of this package (`startHarness`: h3 + PGlite on
// 127.0.0.1), started while this file loads, before the Nuxt app starts: the client plugin then builds its sync
// context on that backend, starts it (`sync.auto` on) and pulls the fixture's named queries.
import 'fake-indexeddb/auto'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { nextTick, watch } from 'vue'
import { useNuxtApp } from '#imports'
import { useSyncTable } from '../../src/runtime/composables/useSyncTable'
import { useSyncStore } from '../../src/runtime/stores/useSyncStore'
import { startHarness } from '../conformance/support/harness'
import { clearLocalStore, FIXTURE_TABLES, useBackend } from './helpers'

const harness = await startHarness('embedded', { tables: FIXTURE_TABLES })
afterAll(() => harness.close())
// on the server before the app starts: the start-up sync brings it
const seeded = await harness.request('POST', '/tables/todos', { body: { id: 'seed-open', text: 'from the server', done: false } })
await harness.request('POST', '/tables/todos', { body: { id: 'seed-done', text: 'done on the server', done: true } })
useBackend(`${harness.url}/tables`, { auto: true })

/** The server's copy of a todo (`undefined` when it has none). */
async function serverTodo(id: string): Promise<Record<string, unknown> | undefined> {
  const reply = await harness.request('GET', `/tables/todos/${id}`)
  return reply.status === 200 ? reply.json : undefined
}

function freshStore() {
  useSyncStore().$dispose()
  delete useNuxtApp().$pinia.state.value['offline-sync']
  return useSyncStore()
}

describe('at start', () => {
  it('pulls the named queries of the options without any call from the page', async () => {
    expect(seeded.status).toBe(201)
    const sync = useSyncStore()
    const todos = useSyncTable('todos')
    await expect.poll(() => sync.lastPull?.results.map(r => [r.table, r.queryName])).toEqual([['todos', 'openTodos'], ['notes', 'notes']])
    expect(await todos.get('seed-open')).toMatchObject({ text: 'from the server', done: false })
    // the query's filter applies: a done todo is not kept on this device
    expect(await todos.get('seed-done')).toBeUndefined()
    expect(sync.watermarks.map(w => [w.id, w.filter])).toEqual([['notes/notes', undefined], ['todos/openTodos', 'done eq false']])
    expect(sync.queries).toEqual({ openTodos: { table: 'todos', filter: 'done eq false' }, notes: { table: 'notes' } })
    expect(sync.syncing).toBe(false)
    expect(sync.lastError).toBeUndefined()
  })
})

describe('sync against the server', () => {
  beforeEach(async () => {
    await clearLocalStore()
  })

  it('push sends the queue; the store follows and keeps serialisable state', async () => {
    const sync = freshStore()
    const todos = useSyncTable('todos')
    const row = await todos.insert({ text: 'pushed', done: false })
    await expect.poll(() => sync.pendingCount).toBe(1)

    const result = await sync.push()
    expect(result).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(await serverTodo(row.id)).toMatchObject({ id: row.id, text: 'pushed', done: false })
    await expect.poll(() => sync.pendingCount).toBe(0)
    expect(sync.lastPush?.result.pushed).toBe(1)
    // the server's system columns are stored locally
    expect((await todos.get(row.id))?.version).toBe((await serverTodo(row.id))?.version)

    const state = useNuxtApp().$pinia.state.value['offline-sync']
    expect(JSON.parse(JSON.stringify(state))).toEqual(state)
  })

  it('a named pull is incremental, a pull without a name fetches every row', async () => {
    const sync = freshStore()
    const todos = useSyncTable('todos')
    for (const text of ['a', 'b', 'c']) await harness.request('POST', '/tables/todos', { body: { text, done: false } })
    const total = (await harness.request('GET', '/tables/todos?$filter=done eq false&$top=1000')).json.length as number

    const first = await todos.pull('openTodos')
    expect(first).toMatchObject({ table: 'todos', queryName: 'openTodos' })
    expect(await todos.count()).toBe(total)
    const watermark = sync.watermarks.find(w => w.id === 'todos/openTodos')
    expect(watermark?.updatedAt).toBe(first.watermark)

    // nothing changed: the incremental pull only re-reads the rows at the watermark itself
    const again = await todos.pull('openTodos')
    expect(again.upserted).toBeLessThan(total)
    const changed = await harness.request('POST', '/tables/todos', { body: { text: 'd', done: false } })
    const next = await sync.pull('todos', 'openTodos')
    expect(next.upserted).toBeLessThan(total)
    expect(await todos.get(changed.json.id)).toMatchObject({ text: 'd' })

    // a full pull: every row (its filter given explicitly), and no watermark of its own
    const full = await todos.pull(undefined, 'done eq false')
    expect(full.upserted).toBe(total + 1)
    expect(full.watermark).toBeUndefined()
  })

  it('activity, syncing and progress follow a running push and pull', async () => {
    const sync = freshStore()
    const todos = useSyncTable('todos')
    const seen: unknown[] = []
    const stop = watch(() => sync.activity, activity => seen.push([activity.kind, sync.syncing, sync.progress]), { flush: 'sync' })
    try {
      await todos.insert({ text: 'one', done: false })
      await todos.insert({ text: 'two', done: false })
      await sync.push()
      expect(seen).toContainEqual(['push', true, { kind: 'push', done: 2, total: 2 }])
      expect(seen.at(-1)).toEqual(['idle', false, undefined])

      seen.length = 0
      const pulled = await todos.pull()
      expect(seen).toContainEqual(['pull', true, { kind: 'pull', table: 'todos', queryName: undefined, rows: pulled.upserted + pulled.deleted + pulled.skipped, pages: pulled.pages }])
      expect(seen.at(-1)).toEqual(['idle', false, undefined])
    }
    finally {
      stop()
    }
  })

  it('purge refuses while changes are queued, and force drops them with the rows and the watermarks', async () => {
    const sync = freshStore()
    const todos = useSyncTable('todos')
    await todos.pull('openTodos')
    await expect.poll(() => sync.watermarks.some(w => w.table === 'todos')).toBe(true)
    const local = await todos.insert({ text: 'not pushed' })

    await expect(todos.purge()).rejects.toMatchObject({ code: 'PENDING_OPERATIONS', table: 'todos', count: 1 })
    expect(await todos.get(local.id)).toBeDefined()

    await sync.purge('todos', { force: true })
    expect(await todos.count()).toBe(0)
    await expect.poll(() => sync.pendingCount).toBe(0)
    await expect.poll(() => sync.watermarks.some(w => w.table === 'todos')).toBe(false)
    expect(await serverTodo(local.id)).toBeUndefined()
  })

  it('a conflict shows in the store until resolved: server wins, then client wins', async () => {
    const sync = freshStore()
    const todos = useSyncTable('todos')
    const row = await todos.insert({ text: 'mine', done: false })
    await sync.push()
    // someone else changes it on the server
    await harness.request('PATCH', `/tables/todos/${row.id}`, { body: { text: 'theirs' } })
    await todos.update({ id: row.id, text: 'mine again' })

    const pushed = await sync.push()
    expect(pushed.conflicts).toHaveLength(1)
    await expect.poll(() => sync.conflicts.map(c => [c.itemId, c.serverItem?.text, c.clientItem?.text])).toEqual([[row.id, 'theirs', 'mine again']])
    await sync.resolve(sync.conflicts[0]!, { choice: 'server' })
    await expect.poll(() => sync.conflicts).toEqual([])
    expect(await todos.get(row.id)).toMatchObject({ text: 'theirs' })
    await expect.poll(() => sync.pendingCount).toBe(0)

    // again, and this time this device wins
    await harness.request('PATCH', `/tables/todos/${row.id}`, { body: { text: 'theirs 2' } })
    await todos.update({ id: row.id, text: 'mine 2' })
    await sync.push()
    await expect.poll(() => sync.conflicts).toHaveLength(1)
    await sync.resolve(sync.conflicts[0]!.id, { choice: 'client' })
    expect((await sync.push()).pushed).toBe(1)
    expect(await serverTodo(row.id)).toMatchObject({ text: 'mine 2' })
  })

  it('offline, sync calls fail at once and nothing is lost; back online, the queue is pushed without a call', async () => {
    const sync = freshStore()
    const todos = useSyncTable('todos')
    window.dispatchEvent(new Event('offline'))
    await nextTick()
    try {
      const row = await todos.insert({ text: 'written offline', done: false })
      await expect(sync.push()).rejects.toMatchObject({ code: 'OFFLINE' })
      await expect(todos.pull('openTodos')).rejects.toMatchObject({ code: 'OFFLINE' })
      await expect(sync.sync()).rejects.toMatchObject({ code: 'OFFLINE' })
      expect(await serverTodo(row.id)).toBeUndefined()
      await expect.poll(() => sync.pendingCount).toBe(1)

      window.dispatchEvent(new Event('online'))
      await expect.poll(() => serverTodo(row.id)).toMatchObject({ text: 'written offline' })
      await expect.poll(() => sync.pendingCount).toBe(0)
      await expect.poll(() => sync.lastPull?.results.map(r => r.queryName)).toEqual(['openTodos', 'notes'])
    }
    finally {
      window.dispatchEvent(new Event('online'))
    }
  })
})
