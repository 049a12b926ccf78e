import { describe, expect, it, vi } from 'vitest'
import { QueueStateError } from '../../src/runtime/core/errors'
import { createMemoryStore } from '../../src/runtime/core/memory-store'
import type { QueuedOperation } from '../../src/runtime/core/operation'
import { OPERATIONS_TABLE, type LocalStore } from '../../src/runtime/core/store'
import { createSyncClient } from '../../src/runtime/core/sync-client'
import { createSyncContext, createTableClient, type SyncContextOptions, type TryLock } from '../../src/runtime/core/sync'
import { newId } from '../conformance/support/harness'
import { CONTEXT_TABLES, contextSuite, manualTimers, networkFetch, recordingLock, settled } from './context-support'

/**
 * The syncs the context starts on its own (start-up, reconnect, interval, backoff retry) against those the app asks
 * for: only the app's push/sync send every failed operation again; the context's own ones skip when another tab
 * holds the lock (`tryLock`). Over the REAL parts and this package's server.
 */
const suite = contextSuite()
const { opened } = suite

function setup(options: Partial<SyncContextOptions> = {}) {
  const tag = newId('tag')
  const store = createMemoryStore({ tables: CONTEXT_TABLES })
  const net = networkFetch()
  const manual = manualTimers()
  const clock = { now: 1_700_000_000_000 }
  const client = createSyncClient({ store })
  const tableClient = createTableClient({ baseUrl: `${suite.h.url}/tables`, fetch: net.fetch })
  const ctx = createSyncContext({ client, tableClient, timers: manual.timers, now: () => clock.now, random: () => 0.5, auto: false, ...options })
  opened.push({ ctx, store })
  return { ctx, client, store, net, manual, clock, tag, todos: client.table<{ id: string, text: string, tag: string }>('todos') }
}

const operations = (store: LocalStore) => store.transaction('readonly', [OPERATIONS_TABLE], tx => tx.query<QueuedOperation>(OPERATIONS_TABLE))

/** A `tryLock` that another tab holds while `busy`; `calls` holds every call's promise. */
function fakeTryLock() {
  const state = { busy: false, calls: [] as Promise<unknown>[], ran: 0, skipped: 0 }
  const tryLock: TryLock = (fn) => {
    const call = (async () => {
      if (state.busy) {
        state.skipped += 1
        return { ran: false as const }
      }
      state.ran += 1
      return { ran: true as const, value: await fn() }
    })()
    state.calls.push(call)
    return call
  }
  return {
    tryLock,
    state,
    /** Waits until `count` calls were made, and for all of them to settle. */
    async done(count: number) {
      await vi.waitFor(() => expect(state.calls.length).toBeGreaterThanOrEqual(count))
      await Promise.allSettled(state.calls)
    },
  }
}

describe('sync context: failed operations', () => {
  it('the context\'s own syncs send a failed operation again only once its delay has passed; the app\'s push at once', async () => {
    const { ctx, net, manual, clock, tag, todos, store } = setup({ interval: 10_000 })
    await ctx.start()
    const id = `${tag}-1`
    await todos.insert({ id, text: 'a', tag })
    net.state.status = 400
    expect((await ctx.push()).errors).toHaveLength(1)
    net.state.status = undefined
    const inserts = () => net.sent().filter(op => op === `insert:${id}`).length
    expect(inserts()).toBe(1)

    clock.now += 59_999
    manual.tick()
    await settled(ctx, status => status.lastPush?.result.errors.length === 0)
    expect(inserts()).toBe(1)
    expect(await operations(store)).toEqual([expect.objectContaining({ state: 'failed', attempts: 1 })])
    ctx.setOnline(false)
    ctx.setOnline(true)
    await settled(ctx)
    expect(inserts()).toBe(1)

    // an explicit sync() (or push()) of the app sends it at once
    net.state.status = 400
    expect((await ctx.sync()).push.errors).toHaveLength(1)
    net.state.status = undefined
    expect(inserts()).toBe(2)

    // its delay doubled (attempt 2: 2 min from the last refusal)
    clock.now += 119_999
    manual.tick()
    await settled(ctx)
    expect(inserts()).toBe(2)
    clock.now += 1
    manual.tick()
    await settled(ctx, status => status.lastPush?.result.pushed === 1)
    expect(inserts()).toBe(3)
    expect(await operations(store)).toEqual([])
  })

  it('retryOperation makes one pending for the next sync; discardOperation drops one (insert: the row goes)', async () => {
    const { ctx, net, manual, tag, todos, store, client } = setup({ interval: 10_000 })
    await ctx.start()
    const [kept, dropped] = [`${tag}-kept`, `${tag}-dropped`]
    await todos.insert({ id: kept, text: 'a', tag })
    await todos.insert({ id: dropped, text: 'b', tag })
    net.state.status = 400
    expect((await ctx.push()).errors).toHaveLength(2)
    net.state.status = undefined
    const [first, second] = await operations(store)

    await ctx.retryOperation(first!.seq)
    await ctx.discardOperation(second!.seq)
    expect(await operations(store)).toEqual([expect.objectContaining({ seq: first!.seq, state: 'pending' })])
    expect(await todos.get(dropped)).toBeUndefined()
    expect(await ctx.retryOperation(first!.seq).catch(error => error)).toBeInstanceOf(QueueStateError)

    manual.tick()
    await settled(ctx, status => status.lastPush?.result.pushed === 1)
    expect(net.sent().filter(op => op === `insert:${kept}`)).toHaveLength(2)
    expect(net.sent().filter(op => op === `insert:${dropped}`)).toHaveLength(1)
    expect(await client.pendingCount()).toBe(0)
  })
})

describe('sync context: tryLock', () => {
  it('the context\'s own syncs skip without a trace while another tab holds the lock; the app\'s calls wait for lock', async () => {
    const fake = fakeTryLock()
    const rec = recordingLock()
    const { ctx, net, manual, tag, todos, client } = setup({ interval: 10_000, auto: true, lock: rec.lock, tryLock: fake.tryLock })
    fake.state.busy = true
    await todos.insert({ id: `${tag}-1`, text: 'a', tag })
    await ctx.start()
    await fake.done(1)
    const quiet = ctx.status()
    expect(fake.state).toMatchObject({ skipped: 1, ran: 0 })
    expect(quiet).toEqual({ online: true, activity: { kind: 'idle' }, retryAttempt: 0 })

    manual.tick()
    await fake.done(2)
    ctx.setOnline(false)
    ctx.setOnline(true)
    await fake.done(3)
    expect(fake.state).toMatchObject({ skipped: 3, ran: 0 })
    expect(net.requests).toEqual([])
    expect(await client.pendingCount()).toBe(1)
    expect(ctx.status()).toMatchObject({ activity: { kind: 'idle' }, retryAttempt: 0, online: true })
    expect(ctx.status().lastPush).toBeUndefined()
    expect(ctx.status().lastError).toBeUndefined()

    // the app's push does not skip: it waits for the lock
    const locked = rec.log.length
    expect((await ctx.push()).pushed).toBe(1)
    expect(rec.log.length).toBeGreaterThan(locked)
    expect(fake.state.ran).toBe(0)

    fake.state.busy = false
    await todos.insert({ id: `${tag}-2`, text: 'b', tag })
    manual.tick()
    await fake.done(4)
    await settled(ctx, status => status.lastPush?.result.pushed === 1 && status.activity.kind === 'idle')
    expect(fake.state.ran).toBe(1)
    expect(await client.pendingCount()).toBe(0)
  })

  it('a backoff retry that finds the lock held is scheduled again at the same attempt', async () => {
    const fake = fakeTryLock()
    const { ctx, net, manual, clock, tag, todos, client } = setup({ retry: { baseMs: 1000, maxMs: 60_000 }, tryLock: fake.tryLock })
    await todos.insert({ id: `${tag}-1`, text: 'a', tag })
    net.state.down = true
    expect((await ctx.push()).stopped?.reason).toBe('network')
    manual.fireTimeouts()
    await settled(ctx, status => status.retryAttempt === 2)
    expect(manual.delays()).toEqual([0.5 * 2000])
    net.state.down = false

    fake.state.busy = true
    clock.now += 5000
    manual.fireTimeouts()
    await fake.done(2)
    expect(fake.state.skipped).toBe(1)
    // the same attempt: the delay range of the retry it replaces, not the next one's
    expect(ctx.status()).toMatchObject({ retryAttempt: 2, nextRetryAt: clock.now + 0.5 * 2000 })
    expect(manual.delays()).toEqual([0.5 * 2000])
    expect(ctx.status().lastPush?.result.stopped?.reason).toBe('network')

    fake.state.busy = false
    manual.fireTimeouts()
    await settled(ctx, status => status.retryAttempt === 0)
    expect(ctx.status().lastPush?.result.pushed).toBe(1)
    expect(await client.pendingCount()).toBe(0)
    expect(manual.timeouts.size).toBe(0)
  })
})
