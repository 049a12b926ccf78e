import { describe, expect, it } from 'vitest'
import { NetworkError, ReentrantCallError, ValidationError } from '../../src/runtime/core/errors'
import { createMemoryStore } from '../../src/runtime/core/memory-store'
import { createSyncClient } from '../../src/runtime/core/sync-client'
import { createSyncContext, createTableClient, listConflicts, listWatermarks, type SyncContextOptions } from '../../src/runtime/core/sync'
import type { ConflictRecord } from '../../src/runtime/core/sync/contract'
import { newId } from '../conformance/support/harness'
import { caught, CONTEXT_TABLES, contextSuite, manualTimers, networkFetch, settled } from './context-support'

/** Guards of the sync context: no deadlock from inside the conflict handler, no retry while offline, no silent watermark restart. */
const suite = contextSuite()
const { opened } = suite

function setup(options: Partial<SyncContextOptions> = {}) {
  const tag = newId('tag')
  const store = createMemoryStore({ tables: CONTEXT_TABLES })
  const net = networkFetch()
  const manual = manualTimers()
  const client = createSyncClient({ store })
  const tableClient = createTableClient({ baseUrl: `${suite.h.url}/tables`, fetch: net.fetch })
  const ctx = createSyncContext({ client, tableClient, timers: manual.timers, random: () => 0.5, auto: false, ...options })
  opened.push({ ctx, store })
  return { ctx, client, store, net, manual, tag, todos: client.table<{ id: string, text: string, tag: string }>('todos') }
}

/** A row pushed, changed on the server by another device, and changed here: the next push meets a 412. */
async function conflicting(s: ReturnType<typeof setup>): Promise<string> {
  const id = `${s.tag}-c`
  await s.todos.insert({ id, text: 'base', tag: s.tag })
  expect(await s.ctx.push()).toMatchObject({ pushed: 1 })
  expect((await suite.h.request('PATCH', `/tables/todos/${id}`, { body: { text: 'theirs' } })).status).toBe(200)
  await s.todos.update({ id, text: 'mine' })
  return id
}

describe('sync context: a conflict handler that calls the context', () => {
  it('ctx.resolve from inside the handler is refused with ReentrantCallError instead of deadlocking; the conflict waits', { timeout: 20_000 }, async () => {
    const refused: unknown[] = []
    const s = setup({
      conflictHandler: async (conflict: ConflictRecord) => {
        refused.push(await caught(s.ctx.resolve(conflict.id, { choice: 'server' })))
        return undefined
      },
    })
    const { ctx } = s
    const id = await conflicting(s)
    const result = await ctx.push()
    expect(refused).toHaveLength(1)
    expect(refused[0]).toBeInstanceOf(ReentrantCallError)
    expect(refused[0]).toMatchObject({ code: 'REENTRANT_CALL', action: 'resolve' })
    expect(result.conflicts).toEqual([expect.objectContaining({ itemId: id, status: 412 })])
    // once the push is over, the same call works
    await ctx.resolve(result.conflicts[0]!.id, { choice: 'server' })
    expect(await listConflicts(s.store)).toEqual([])
    expect(await s.todos.get(id)).toMatchObject({ text: 'theirs' })
  })

  it('push, pull, sync and purge from inside the handler are refused too; a returned resolution still applies', { timeout: 20_000 }, async () => {
    const refused: unknown[] = []
    const s = setup({
      conflictHandler: async () => {
        const { ctx } = s
        for (const call of [ctx.push(), ctx.pull('todos'), ctx.pullAll(), ctx.sync(), ctx.purge('notes')]) refused.push(await caught(call))
        return { choice: 'client' }
      },
    })
    const { ctx } = s
    const id = await conflicting(s)
    expect(await ctx.push()).toMatchObject({ pushed: 1, conflicts: [] })
    expect(refused.map(error => (error as ReentrantCallError).action)).toEqual(['push', 'pull', 'pull', 'sync', 'purge'])
    expect(refused.every(error => error instanceof ReentrantCallError)).toBe(true)
    expect((await suite.h.request('GET', `/tables/todos/${id}`)).json).toMatchObject({ text: 'mine' })
  })
})

describe('sync context: offline', () => {
  it('a push that stops after going offline schedules no retry; going online syncs at once', async () => {
    const s = setup({ auto: true })
    await s.todos.insert({ id: `${s.tag}-1`, text: 'a', tag: s.tag })
    s.net.state.onRequest = () => {
      // the browser goes offline while the request is on its way
      s.ctx.setOnline(false)
      s.net.state.down = true
    }
    const result = await s.ctx.push()
    expect(result.stopped?.error).toBeInstanceOf(NetworkError)
    expect(s.manual.timeouts.size).toBe(0)
    expect(s.ctx.status()).toMatchObject({ online: false, retryAttempt: 0 })
    expect(s.ctx.status().nextRetryAt).toBeUndefined()

    s.net.state.onRequest = undefined
    s.net.state.down = false
    s.ctx.setOnline(true)
    await settled(s.ctx, status => status.lastPush?.result.pushed === 1)
    expect(await s.client.pendingCount()).toBe(0)
  })
})

describe('sync context: pull under a named query\'s name', () => {
  it('refuses another filter with ValidationError naming the query; the watermark stays, nothing is sent', async () => {
    const s = setup({ queries: { mine: { table: 'todos', filter: `tag eq 'x'` } } })
    await s.ctx.pull('todos', 'mine')
    const before = await listWatermarks(s.store)
    const requests = s.net.requests.length
    const error = await caught(s.ctx.pull('todos', 'mine', `text eq 'other'`))
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as Error).message).toContain('"mine"')
    expect(s.net.requests).toHaveLength(requests)
    expect(await listWatermarks(s.store)).toEqual(before)
    // the same filter (spacing aside) is the query itself; another table's query of that name is not this one
    await s.ctx.pull('todos', 'mine', `  tag eq 'x' `)
    await s.ctx.pull('notes', 'mine', `text eq 'other'`)
    expect((await listWatermarks(s.store)).map(record => [record.id, record.filter])).toEqual([['notes/mine', `text eq 'other'`], ['todos/mine', `tag eq 'x'`]])
  })
})
