// The DevTools bridge (`$offlineSyncDevtools`) over the app's own sync client and context, against a REAL table server
// of this package (`startHarness`). The `nuxt` environment builds the fixture with `dev: false`, so the module does not
// add the development-only plugin there: the test calls that plugin itself on the running app.
import 'fake-indexeddb/auto'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { useNuxtApp } from '#imports'
import devtoolsPlugin from '../../src/runtime/plugins/devtools.client'
import { useSyncTable } from '../../src/runtime/composables/useSyncTable'
import type { AppSyncContext } from '../../src/runtime/app-context'
import { listWatermarks } from '../../src/runtime/core/sync/watermarks'
import { readStorageInfo } from '../../src/runtime/browser/storage-manager'
import { createDevtoolsBridge } from '../../src/runtime/devtools/bridge'
import { DEVTOOLS_BRIDGE_VERSION, type OfflineSyncDevtoolsBridge } from '../../src/runtime/devtools/contract'
import type { LockQuery } from '../../src/runtime/devtools/lock-holder'
import { startHarness } from '../conformance/support/harness'
import { clearLocalStore, FIXTURE_TABLES, syncClient, useBackend } from './helpers'

const harness = await startHarness('embedded', { tables: FIXTURE_TABLES })
afterAll(() => harness.close())
useBackend(`${harness.url}/tables`)

let provided: Promise<OfflineSyncDevtoolsBridge> | undefined

/** The bridge as the development-only plugin provides it on this app (set up once, like the plugin). */
function pluginBridge(): Promise<OfflineSyncDevtoolsBridge> {
  const nuxtApp = useNuxtApp()
  provided ??= Promise.resolve(nuxtApp.runWithContext(() => devtoolsPlugin(nuxtApp)))
    .then(result => (result as { provide: { offlineSyncDevtools: OfflineSyncDevtoolsBridge } }).provide.offlineSyncDevtools)
  return provided
}

function appContext(): AppSyncContext {
  return useNuxtApp().$offlineSyncContext as AppSyncContext
}

/** Counts the calls of the runtime hook `offline-sync:devtools:changed` from now on. */
function countChanges(): { readonly calls: number, stop: () => void } {
  const counter = { calls: 0, stop: () => {} }
  counter.stop = useNuxtApp().hook('offline-sync:devtools:changed', () => {
    counter.calls++
  })
  return counter
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

beforeEach(async () => {
  await clearLocalStore()
})

describe('snapshot()', () => {
  it('shows the whole queue in order, the status, and each table\'s rows and pending operations', async () => {
    const bridge = await pluginBridge()
    expect(bridge.version).toBe(DEVTOOLS_BRIDGE_VERSION)
    const todos = useSyncTable('todos')
    const first = await todos.insert({ text: 'one', done: false })
    await todos.insert({ text: 'two', done: true })
    const note = await useSyncTable('notes').insert({ body: 'a note' })
    await todos.update({ id: first.id, text: 'one, changed' })

    const snapshot = await bridge.snapshot()
    expect(snapshot.operations).toEqual(await syncClient().operations())
    expect(snapshot.operations.map(o => [o.table, o.kind])).toEqual([['todos', 'insert'], ['todos', 'insert'], ['notes', 'insert']])
    expect(snapshot.operations[2]!.itemId).toBe(note.id)
    expect(snapshot.tables).toEqual([
      { name: 'todos', rows: await todos.count(), pending: await syncClient().pendingCount('todos') },
      { name: 'notes', rows: 1, pending: 1 },
    ])
    expect(snapshot.tables[0]).toMatchObject({ rows: 2, pending: 2 })
    expect(snapshot).toMatchObject({ databaseName: 'offline-sync-basic', backend: `${harness.url}/tables`, online: true, activity: { kind: 'idle' }, conflicts: [] })
    expect(snapshot.lock).toBe('unknown') // happy-dom has no Web Locks
    expect(snapshot.error).toBeUndefined()
    // plain data: the panel copies it across the frame
    expect(structuredClone(snapshot)).toEqual(snapshot)
  })

  it('each named query with its watermark, last pull time and rows pulled, after a pull through the bridge', async () => {
    await harness.request('POST', '/tables/todos', { body: { text: 'open on the server', done: false } })
    const bridge = await pluginBridge()
    const before = await bridge.snapshot()
    expect(before.queries).toEqual([{ name: 'openTodos', table: 'todos', filter: 'done eq false' }, { name: 'notes', table: 'notes' }])

    await bridge.pullQuery('openTodos')
    const record = (await listWatermarks(syncClient().store)).find(w => w.id === 'todos/openTodos')!
    const after = await bridge.snapshot()
    expect(after.queries[0]).toEqual({ name: 'openTodos', table: 'todos', filter: 'done eq false', watermark: record.updatedAt, lastPullAt: record.pulledAt, rowsPulled: record.rows })
    const open = (await harness.request('GET', '/tables/todos?$filter=done eq false&$top=1000')).json as unknown[]
    expect(open.length).toBeGreaterThan(0)
    expect(record.rows).toBe(open.length)
    expect(after.tables.find(t => t.name === 'todos')?.rows).toBe(open.length)
    expect(after.lastPull?.results).toMatchObject([{ table: 'todos', queryName: 'openTodos', upserted: open.length }])
    await expect(bridge.pullQuery('nope')).rejects.toMatchObject({ code: 'VALIDATION' })
  })
})

describe('offline-sync:devtools:changed', () => {
  it('the plugin calls it once the panel has taken a snapshot, when the queue changes', async () => {
    const bridge = await pluginBridge()
    await bridge.snapshot()
    await sleep(300)
    const changes = countChanges()
    try {
      await useSyncTable('todos').insert({ text: 'seen by the panel', done: false })
      await expect.poll(() => changes.calls).toBeGreaterThan(0)
    }
    finally {
      changes.stop()
    }
  })

  it('follows nothing before the first snapshot and nothing after dispose, and coalesces a burst of writes', async () => {
    let calls = 0
    const { bridge, dispose } = createDevtoolsBridge({
      client: syncClient(),
      context: appContext(),
      databaseName: 'offline-sync-basic',
      backend: '/tables',
      onChange: () => calls++,
      throttleMs: 200,
    })
    try {
      await useSyncTable('todos').insert({ text: 'before the panel', done: false })
      await sleep(400)
      expect(calls).toBe(0)

      await bridge.snapshot()
      await expect.poll(() => calls).toBeGreaterThan(0)
      await sleep(400)
      const settled = calls
      const started = Date.now()
      const writes = 20
      for (let i = 0; i < writes; i++) await useSyncTable('notes').insert({ body: `note ${i}` })
      await expect.poll(() => calls).toBeGreaterThan(settled)
      await sleep(400)
      // at most one call per 200 ms of writing (plus the trailing one), however many writes there were
      expect(calls - settled).toBeLessThanOrEqual(Math.floor((Date.now() - started) / 200) + 1)
      expect((await bridge.snapshot()).tables.find(t => t.name === 'notes')).toMatchObject({ rows: writes, pending: writes })

      dispose()
      const last = calls
      await useSyncTable('notes').insert({ body: 'after dispose' })
      await sleep(400)
      expect(calls).toBe(last)
    }
    finally {
      dispose()
    }
  })
})

describe('actions', () => {
  it('a conflict shows with both sides, and the panel resolves it: keep theirs', async () => {
    const bridge = await pluginBridge()
    const todos = useSyncTable('todos')
    const row = await todos.insert({ text: 'mine', done: false })
    await bridge.push()
    expect((await bridge.snapshot()).operations).toEqual([])
    await harness.request('PATCH', `/tables/todos/${row.id}`, { body: { text: 'theirs' } })
    await todos.update({ id: row.id, text: 'mine again' })
    await bridge.push()

    const { conflicts, operations } = await bridge.snapshot()
    expect(conflicts.map(c => [c.itemId, c.clientItem?.text, c.serverItem?.text])).toEqual([[row.id, 'mine again', 'theirs']])
    expect(operations.map(o => [o.seq, o.state])).toEqual([[conflicts[0]!.operationSeq, 'conflict']])

    await bridge.resolve(conflicts[0]!.id, { choice: 'server' })
    expect(await todos.get(row.id)).toMatchObject({ text: 'theirs' })
    expect(await bridge.snapshot()).toMatchObject({ conflicts: [], operations: [] })
  })

  it('discard and retry one operation, and purge (force drops the queued operations)', async () => {
    const bridge = await pluginBridge()
    const todos = useSyncTable('todos')
    const kept = await todos.insert({ text: 'kept', done: false })
    await todos.insert({ text: 'discarded', done: false })
    const [, second] = (await bridge.snapshot()).operations
    await bridge.discardOperation(second!.seq)
    // a pending operation is not `failed`: retry refuses it, as the context does
    const [only] = (await bridge.snapshot()).operations
    expect(only).toMatchObject({ itemId: kept.id, state: 'pending' })
    await expect(bridge.retryOperation(only!.seq)).rejects.toMatchObject({ code: 'QUEUE_STATE' })

    await expect(bridge.purge('todos')).rejects.toMatchObject({ code: 'PENDING_OPERATIONS' })
    await bridge.purge('todos', { force: true })
    expect((await bridge.snapshot()).tables.find(t => t.name === 'todos')).toEqual({ name: 'todos', rows: 0, pending: 0 })
  })
})

describe('payload()', () => {
  it('is the body a push sends for an insert or update now: the local row\'s declared columns, as the server receives them', async () => {
    const bridge = await pluginBridge()
    const todos = useSyncTable('todos')
    const row = await todos.insert({ text: 'draft', done: false, rank: 2 })
    await todos.update({ id: row.id, text: 'final', meta: { tags: ['a'] } })
    const body = await bridge.payload!('todos', row.id)
    expect(body).toEqual({ id: row.id, text: 'final', done: false, rank: 2, meta: { tags: ['a'] } })

    // what the server stores is that body
    await bridge.push()
    const stored = (await harness.request('GET', `/tables/todos/${row.id}`)).json as Record<string, unknown>
    expect(stored).toMatchObject(body!)
    // the synced local row has the system columns; the body never carries them
    expect(await todos.get(row.id)).toMatchObject({ version: stored.version })
    const after = await bridge.payload!('todos', row.id)
    expect(after).toMatchObject(body!)
    for (const column of ['version', 'updatedAt', 'createdAt', 'deleted']) expect(after).not.toHaveProperty(column)

    expect(await bridge.payload!('todos', 'no-such-item')).toBeUndefined()
    await expect(bridge.payload!('nope', row.id)).rejects.toMatchObject({ code: 'UNKNOWN_TABLE' })
  })
})

describe('storage', () => {
  it('the snapshot carries the origin\'s storage figures as the browser reports them (navigator.storage)', async () => {
    const figures = { usage: 123_456, quota: 9_000_000_000, persisted: false }
    const { bridge } = createDevtoolsBridge({ client: syncClient(), context: appContext(), databaseName: 'offline-sync-basic', backend: '/tables', onChange: () => {}, storage: async () => figures })
    expect((await bridge.snapshot()).storage).toEqual(figures)
    // the plugin's bridge reads navigator.storage (none in happy-dom: no figures)
    expect((await (await pluginBridge()).snapshot()).storage).toEqual(await readStorageInfo())
  })
})

describe('the lock holder', () => {
  /** Web Locks as `query()` shows them: `held` names and client ids; this tab's own probe lock reports `own`. */
  function fakeLocks(own: string | undefined, held: () => { name: string, clientId?: string }[]): LockQuery {
    let probing: string | undefined
    return {
      query: async () => ({ held: [...held(), ...probing ? [{ name: probing, clientId: own }] : []] }),
      async request(name, callback) {
        probing = name
        try {
          return await callback()
        }
        finally {
          probing = undefined
        }
      },
    }
  }

  it('tells this tab, another tab and a free lock apart by client id', async () => {
    let held: { name: string, clientId?: string }[] = []
    const bridge = (locks: LockQuery) => createDevtoolsBridge({ client: syncClient(), context: appContext(), databaseName: 'offline-sync-basic', backend: '/tables', onChange: () => {}, locks }).bridge
    const probe = bridge(fakeLocks('me', () => held))
    expect((await probe.snapshot()).lock).toBe('free')
    held = [{ name: 'offline-sync:offline-sync-basic', clientId: 'me' }]
    expect((await probe.snapshot()).lock).toBe('this-tab')
    held = [{ name: 'offline-sync:offline-sync-basic', clientId: 'other' }]
    expect((await probe.snapshot()).lock).toBe('other-tab')
    // no client ids: held while this tab's context is idle means another tab
    expect((await bridge(fakeLocks(undefined, () => [{ name: 'offline-sync:offline-sync-basic' }])).snapshot()).lock).toBe('other-tab')
  })
})
