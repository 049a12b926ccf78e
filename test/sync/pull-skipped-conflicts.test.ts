import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryStore } from '../../src/runtime/core/memory-store'
import { CONFLICTS_TABLE, type LocalStore } from '../../src/runtime/core/store'
import { createSyncClient } from '../../src/runtime/core/sync-client'
import { listConflicts, resolveConflict } from '../../src/runtime/core/sync/conflicts'
import type { ConflictRecord, ServerItem } from '../../src/runtime/core/sync/contract'
import { pull } from '../../src/runtime/core/sync/pull'
import { preparePage, writePage } from '../../src/runtime/core/sync/pull-page'
import { push } from '../../src/runtime/core/sync/push'
import { newId, startHarness, type Harness } from '../conformance/support/harness'
import { changeOnServer, insertOnServer, pushSetup, PUSH_TABLES, serverItem, type PushSetup } from './push-support'

/**
 * A pull skips a row with queued operations, and its watermark moves past it: the row is not fetched again. When
 * that row waits for a conflict resolution, the skipped row (newer than what the conflict saw) becomes the
 * conflict's server item, so "server wins" stores the server's row as it is now and "client wins" sends against
 * its current version.
 */
describe('pull: a skipped row refreshes the server item of its conflict', () => {
  let h: Harness
  const stores: LocalStore[] = []
  beforeAll(async () => {
    h = await startHarness('embedded', { tables: PUSH_TABLES, maxBatchSize: 0 })
  })
  afterAll(async () => {
    await h?.close()
  })
  afterEach(async () => {
    await Promise.all(stores.splice(0).map(store => store.close()))
  })

  /** A row pushed, changed on the server (v2), changed here, pushed: a 412 conflict that saw v2. */
  async function conflicted() {
    const s: PushSetup = await pushSetup(h, { name: 'memory', store: 'memory', batch: false })
    stores.push(s.store)
    const id = newId('stale')
    await s.client.table('todos').insert({ id, text: 'base', n: 1 })
    await s.push()
    const seen = await changeOnServer(h, 'todos', id, { text: 'theirs v2' })
    await s.client.table('todos').update({ id, text: 'mine' })
    const { conflicts: [conflict] } = await s.push()
    expect(conflict).toMatchObject({ status: 412, serverItem: { text: 'theirs v2', version: seen.version } })
    const deps = { client: s.client, tableClient: s.tableClient, pushFirst: () => push({ client: s.client, tableClient: s.tableClient }) }
    return { s, id, conflict: conflict!, pullAll: () => pull(deps, 'todos', { name: 'all' }) }
  }

  it('server wins after a pull skipped the conflicted row: the local row ends as the server has it now', async () => {
    const { s, id, conflict, pullAll } = await conflicted()
    // another device changes the row again, then writes another row (the pull's watermark goes past our row)
    const latest = await changeOnServer(h, 'todos', id, { text: 'theirs v3' })
    await insertOnServer(h, 'todos', { id: newId('later'), text: 'later' })
    const first = await pullAll()
    expect(first.skipped).toBeGreaterThanOrEqual(1)
    expect(await s.local('todos', id)).toMatchObject({ text: 'mine' })
    expect(await listConflicts(s.store)).toEqual([expect.objectContaining({ id: conflict.id, serverItem: expect.objectContaining({ text: 'theirs v3', version: latest.version }) })])
    await resolveConflict({ client: s.client }, conflict.id, { choice: 'server' })
    await pullAll()
    expect(await s.local('todos', id)).toMatchObject({ text: 'theirs v3', version: latest.version })
  })

  it('server wins after a pull skipped the row the server deleted meanwhile: the local row is removed', async () => {
    const { s, id, conflict, pullAll } = await conflicted()
    expect((await h.request('DELETE', `/tables/todos/${encodeURIComponent(id)}`)).status).toBe(200)
    await insertOnServer(h, 'todos', { id: newId('later'), text: 'later' })
    expect((await pullAll()).skipped).toBeGreaterThanOrEqual(1)
    expect((await listConflicts(s.store))[0]!.serverItem).toMatchObject({ id, deleted: true })
    await resolveConflict({ client: s.client }, conflict.id, { choice: 'server' })
    await pullAll()
    expect(await s.local('todos', id)).toBeUndefined()
  })

  it('client wins after a pull skipped the row: the push goes against the current version, no second conflict', async () => {
    const { s, id, conflict, pullAll } = await conflicted()
    await changeOnServer(h, 'todos', id, { text: 'theirs v3' })
    expect((await pullAll()).skipped).toBeGreaterThanOrEqual(1)
    await resolveConflict({ client: s.client }, conflict.id, { choice: 'client' })
    expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(await serverItem(h, 'todos', id)).toMatchObject({ text: 'mine' })
    expect(await s.operations()).toEqual([])
  })
})

describe('writePage: which skipped row replaces a conflict\'s server item', () => {
  const tables = { todos: { columns: { text: 'string' } } } as const
  const item = (id: string, text: string, updatedAt: string, deleted = false): ServerItem => ({ id, text, updatedAt, version: text, deleted })

  async function withConflict(serverItem: ServerItem | undefined) {
    const store = createMemoryStore({ tables })
    const client = createSyncClient({ store })
    await client.table('todos').insert({ id: 'a', text: 'mine' })
    const record: ConflictRecord = { id: '1', table: 'todos', itemId: 'a', operationSeq: 1, kind: 'insert', status: 409, clientItem: { id: 'a', text: 'mine' }, serverItem, createdAt: 1 }
    await store.transaction('readwrite', [CONFLICTS_TABLE], tx => tx.put(CONFLICTS_TABLE, record))
    const write = (items: ServerItem[]) => writePage(store, 'todos', preparePage('test', tables.todos, items, undefined), undefined)
    const stored = async () => (await listConflicts(store))[0]!.serverItem
    return { store, write, stored }
  }

  it('a newer row replaces it, an older or equal one does not; the local row is never touched', async () => {
    const { store, write, stored } = await withConflict(item('a', 'v2', '2030-01-02T00:00:00.000Z'))
    expect(await write([item('a', 'v1', '2030-01-01T00:00:00.000Z')])).toMatchObject({ skipped: 1 })
    expect(await stored()).toMatchObject({ text: 'v2' })
    await write([item('a', 'v2 again', '2030-01-02T00:00:00.000Z')])
    expect(await stored()).toMatchObject({ text: 'v2' })
    await write([item('a', 'v3', '2030-01-03T00:00:00.000Z', true)])
    expect(await stored()).toEqual(item('a', 'v3', '2030-01-03T00:00:00.000Z', true))
    expect(await store.transaction('readonly', ['todos'], tx => tx.get('todos', 'a'))).toEqual({ id: 'a', text: 'mine' })
    await store.close()
  })

  it('any row replaces a conflict that had no server item; conflicts of other ids stay as they are', async () => {
    const { store, write, stored } = await withConflict(undefined)
    await write([item('b', 'other', '2030-01-01T00:00:00.000Z'), item('a', 'v1', '2030-01-01T00:00:00.000Z')])
    expect(await stored()).toMatchObject({ id: 'a', text: 'v1' })
    expect(await store.transaction('readonly', ['todos'], tx => tx.get('todos', 'b'))).toMatchObject({ text: 'other' })
    await store.close()
  })
})
