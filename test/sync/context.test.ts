import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { describe, expect, it, vi } from 'vitest'
import { AuthenticationError, DisposedError, HttpError, NetworkError, OfflineError, PendingOperationsError, UnknownTableError, ValidationError } from '../../src/runtime/core/errors'
import { createMemoryStore } from '../../src/runtime/core/memory-store'
import type { QueuedOperation } from '../../src/runtime/core/operation'
import { OPERATIONS_TABLE, type LocalStore, type Row } from '../../src/runtime/core/store'
import { createSyncClient } from '../../src/runtime/core/sync-client'
import { createSyncContext, listConflicts, listWatermarks, createTableClient, type SyncContextOptions, type SyncStatus } from '../../src/runtime/core/sync'
import { createDexieStore } from '../../src/runtime/dexie/dexie-store'
import { newId } from '../conformance/support/harness'
import { caught, CONTEXT_TABLES, contextSuite, gate, manualTimers, networkFetch, recordingLock, settled, sharedLock, until } from './context-support'

/** The sync context over the REAL parts (table client, push, pull, purge, conflicts) and this package's server. */
const suite = contextSuite()
const { opened } = suite

type SetupOptions = Partial<SyncContextOptions> & { tag?: string, store?: LocalStore, net?: ReturnType<typeof networkFetch>, manual?: ReturnType<typeof manualTimers> }

function setup(options: SetupOptions = {}) {
  const { tag = newId('tag'), store = createMemoryStore({ tables: CONTEXT_TABLES }), net = networkFetch(), manual = manualTimers(), ...rest } = options
  const clock = { now: 1_700_000_000_000 }
  const client = createSyncClient({ store })
  const tableClient = createTableClient({ baseUrl: `${suite.h.url}/tables`, fetch: net.fetch })
  const ctx = createSyncContext({ client, tableClient, timers: manual.timers, now: () => clock.now, random: () => 0.5, ...rest })
  opened.push({ ctx, store })
  return { ctx, client, store, net, manual, clock, tag, todos: client.table<{ id: string, text: string, tag: string }>('todos') }
}

async function serverRows(table: string, tag: string) {
  return suite.h.db.selectFrom(table).selectAll().where('tag', '=', tag).where('deleted', '=', false).orderBy('id').execute()
}

async function serverInsert(table: string, item: Record<string, unknown>) {
  const reply = await suite.h.request('POST', `/tables/${table}`, { body: item })
  expect(reply.status).toBe(201)
  return reply.json as Row
}

const operations = (store: LocalStore) => store.transaction('readonly', [OPERATIONS_TABLE], tx => tx.query<QueuedOperation>(OPERATIONS_TABLE))
const localRows = (store: LocalStore, table: string, tag: string) => store.transaction('readonly', [table], tx => tx.query<Row>(table, { where: { tag } }))
const mine = (tag: string) => ({ table: 'todos', filter: `tag eq '${tag}'` })
const delay = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

describe('sync context: one action at a time', () => {
  it('two concurrent pushes never send an operation twice: the second starts after the first ended', async () => {
    const rec = recordingLock()
    const { ctx, client, net, tag, todos } = setup({ lock: rec.lock })
    const ids = Array.from({ length: 6 }, (_, n) => `${tag}-${n}`)
    for (const id of ids) await todos.insert({ id, text: id, tag })

    const [first, second] = await Promise.all([ctx.push(), ctx.push()])

    expect(first.pushed).toBe(6)
    expect(second.pushed).toBe(0)
    expect(net.sent().sort()).toEqual(ids.map(id => `insert:${id}`).sort())
    expect(rec.log).toEqual(['enter 1', 'exit 1', 'enter 2', 'exit 2'])
    expect((await serverRows('todos', tag)).map(row => row.id)).toEqual(ids)
    expect(await client.pendingCount()).toBe(0)
  })

  it('a pull waits for the running push (no request of the pull while the push is on the wire)', async () => {
    const { ctx, net, tag, todos, client } = setup()
    for (let n = 0; n < 3; n++) await todos.insert({ id: `${tag}-${n}`, text: 'x', tag })
    const held = gate()
    net.state.hold = held.promise
    const pushing = ctx.push()
    const pulling = ctx.pull('notes')
    await until(ctx, status => status.activity.kind === 'push')
    await delay(50) // room for an unserialised pull to send its request
    net.state.hold = undefined
    held.release()
    expect((await pushing).pushed).toBe(3)
    await pulling

    const firstGet = net.events.findIndex(event => event.method === 'GET' && event.phase === 'start')
    const lastPushEnd = net.events.findLastIndex(event => event.method !== 'GET' && event.phase === 'end')
    expect(firstGet).toBeGreaterThan(lastPushEnd)
    expect(await client.pendingCount()).toBe(0)
  })

  it('a pull of a table with queued operations pushes first (implicit push) inside the same action, with the named query\'s filter', async () => {
    const rec = recordingLock()
    const tag = newId('tag')
    const { ctx, net, todos, store } = setup({ tag, lock: rec.lock, queries: { mine: mine(tag) } })
    const theirs = await serverInsert('todos', { id: `${tag}-theirs`, text: 'theirs', tag })
    await todos.insert({ id: `${tag}-mine`, text: 'mine', tag })

    const result = await ctx.pull('todos', 'mine')

    expect(result).toMatchObject({ table: 'todos', queryName: 'mine' })
    expect(ctx.status().lastPush?.result.pushed).toBe(1)
    expect(rec.log).toEqual(['enter 1', 'exit 1'])
    const firstGet = net.requests.findIndex(request => request.method === 'GET')
    expect(net.requests.findIndex(request => request.operations.includes(`insert:${tag}-mine`))).toBeLessThan(firstGet)
    expect(new URLSearchParams(net.requests[firstGet]!.search).get('$filter')).toContain(`tag eq '${tag}'`)
    expect((await serverRows('todos', tag)).map(row => row.id)).toEqual([`${tag}-mine`, `${tag}-theirs`])
    const local = await localRows(store, 'todos', tag)
    expect(local.map(row => row.id).sort()).toEqual([`${tag}-mine`, `${tag}-theirs`])
    expect(local.find(row => row.id === theirs.id)?.version).toBe(theirs.version)
    expect(await operations(store)).toEqual([])
  })
})

describe('sync context: online and offline', () => {
  it('offline, every network call rejects at once with OfflineError; nothing is sent, queued or lost', async () => {
    const tag = newId('tag')
    const { ctx, net, todos, client } = setup({ tag, online: false, queries: { mine: mine(tag) } })
    await todos.insert({ id: `${tag}-1`, text: 'offline', tag })

    for (const call of [ctx.push(), ctx.pull('todos', 'mine'), ctx.pullAll(), ctx.sync()]) {
      expect(await caught(call)).toBeInstanceOf(OfflineError)
    }
    expect(net.requests).toEqual([])
    expect(await client.pendingCount()).toBe(1)
    expect(await todos.get(`${tag}-1`)).toMatchObject({ text: 'offline' })
    expect(ctx.status()).toMatchObject({ online: false, activity: { kind: 'idle' }, retryAttempt: 0 })
    expect(ctx.status().lastError).toBeUndefined()
    // purge is local: it runs offline (and still refuses to drop queued operations)
    expect(await caught(ctx.purge('todos'))).toBeInstanceOf(PendingOperationsError)
    expect(await client.pendingCount()).toBe(1)
  })

  it('going offline while a push runs refuses the calls queued behind it; the running push finishes', async () => {
    const { ctx, net, tag, todos } = setup()
    await todos.insert({ id: `${tag}-1`, text: 'a', tag })
    const held = gate()
    net.state.hold = held.promise
    const pushing = ctx.push()
    const pulling = ctx.pull('todos')
    await until(ctx, status => status.activity.kind === 'push')
    ctx.setOnline(false)
    net.state.hold = undefined
    held.release()
    expect((await pushing).pushed).toBe(1)
    expect(await caught(pulling)).toBeInstanceOf(OfflineError)
    expect(net.requests.filter(request => request.method === 'GET')).toEqual([])
  })

  it('setOnline(true) after offline pushes the queue, then pulls every named query in declaration order', async () => {
    const tag = newId('tag')
    const { ctx, net, todos, store } = setup({ tag, online: false, queries: { mine: mine(tag), notes: { table: 'notes', filter: `tag eq '${tag}'` } } })
    await todos.insert({ id: `${tag}-local`, text: 'written offline', tag })
    await serverInsert('todos', { id: `${tag}-server`, text: 'from elsewhere', tag })
    await serverInsert('notes', { id: `${tag}-note`, text: 'note', tag })

    ctx.setOnline(true)
    const status = await settled(ctx, status => status.lastPull !== undefined)

    expect(status.online).toBe(true)
    expect(status.lastPush?.result.pushed).toBe(1)
    expect(status.lastPull?.results.map(result => [result.table, result.queryName])).toEqual([['todos', 'mine'], ['notes', 'notes']])
    expect(net.requests[0]?.operations).toEqual([`insert:${tag}-local`])
    expect((await serverRows('todos', tag)).map(row => row.id)).toEqual([`${tag}-local`, `${tag}-server`])
    expect((await localRows(store, 'todos', tag)).map(row => row.id).sort()).toEqual([`${tag}-local`, `${tag}-server`])
    expect((await localRows(store, 'notes', tag)).map(row => row.id)).toEqual([`${tag}-note`])
    expect((await listWatermarks(store)).map(w => w.id).sort()).toEqual(['notes/notes', 'todos/mine'])

    // already online: nothing happens
    const before = net.requests.length
    ctx.setOnline(true)
    expect(ctx.status().activity.kind).toBe('idle')
    expect(net.requests.length).toBe(before)
  })

  it('auto: false: coming back online does not sync', async () => {
    const { ctx, net, tag, todos, client } = setup({ online: false, auto: false })
    await todos.insert({ id: `${tag}-1`, text: 'a', tag })
    ctx.setOnline(true)
    await Promise.resolve()
    expect(ctx.status().online).toBe(true)
    expect(ctx.status().activity.kind).toBe('idle')
    expect(net.requests).toEqual([])
    expect((await ctx.push()).pushed).toBe(1)
    expect(await client.pendingCount()).toBe(0)
  })
})

describe('sync context: retry with backoff', () => {
  it('a stopped push retries after full-jitter exponential delays, then succeeds when the network is back and resets', async () => {
    const randoms = [0.5, 0.25, 0.999, 0.1, 0.75, 0.6]
    let draw = 0
    const { ctx, net, manual, clock, tag, todos, client } = setup({ retry: { baseMs: 1000, maxMs: 5000 }, random: () => randoms[draw++]! })
    await todos.insert({ id: `${tag}-1`, text: 'a', tag })

    net.state.status = 503
    const first = await ctx.push()
    expect(first.stopped?.reason).toBe('server')
    let status = ctx.status()
    expect(status).toMatchObject({ retryAttempt: 1, nextRetryAt: clock.now + 0.5 * 1000 })
    expect(status.lastError).toBe(first.stopped?.error)
    expect(status.lastError).toBeInstanceOf(HttpError)
    expect(manual.delays()).toEqual([500])

    net.state.status = undefined
    net.state.down = true
    const delays = [500]
    for (let attempt = 1; attempt <= 4; attempt++) {
      clock.now += 60_000
      manual.fireTimeouts() // the retry: a whole sync(), whose push stops again
      status = await settled(ctx, status => status.retryAttempt === attempt + 1)
      const cap = Math.min(5000, 1000 * 2 ** attempt)
      const [scheduled] = manual.delays()
      expect(manual.timeouts.size).toBe(1)
      expect(scheduled).toBe(randoms[attempt]! * cap)
      expect(scheduled).toBeGreaterThanOrEqual(0)
      expect(scheduled).toBeLessThan(cap)
      expect(status.nextRetryAt).toBe(clock.now + scheduled!)
      expect(status.lastError).toBeInstanceOf(NetworkError)
      expect(status.lastPush?.result.stopped?.reason).toBe('network')
      delays.push(scheduled!)
    }
    expect(delays).toEqual([500, 500, 3996, 500, 3750])
    expect(await client.pendingCount()).toBe(1)

    net.state.down = false
    manual.fireTimeouts()
    status = await settled(ctx, status => status.retryAttempt === 0)
    expect(status.nextRetryAt).toBeUndefined()
    expect(status.lastError).toBeUndefined()
    expect(status.lastPush?.result.pushed).toBe(1)
    expect(manual.timeouts.size).toBe(0)
    expect(await client.pendingCount()).toBe(0)
    expect((await serverRows('todos', tag)).map(row => row.id)).toEqual([`${tag}-1`])
    // the 503 never reached the server, and the network failures sent nothing: the server got it once
    expect(net.sent().filter(op => op === `insert:${tag}-1`)).toHaveLength(6)
  })

  it('a 401 stops the push and schedules a retry; an item error (400) does not', async () => {
    const { ctx, net, tag, todos } = setup()
    await todos.insert({ id: `${tag}-1`, text: 'a', tag })
    net.state.status = 401
    const stopped = await ctx.push()
    expect(stopped.stopped?.reason).toBe('authentication')
    expect(ctx.status().lastError).toBeInstanceOf(AuthenticationError)
    expect(ctx.status().retryAttempt).toBe(1)

    net.state.status = 400
    const refused = await ctx.push()
    expect(refused.stopped).toBeUndefined()
    expect(refused.errors).toHaveLength(1)
    // an item error is no reason to retry: the push completed
    expect(ctx.status()).toMatchObject({ retryAttempt: 0 })
    expect(ctx.status().nextRetryAt).toBeUndefined()
  })

  it('a pull that fails with a network error schedules a retry; its success cancels it', async () => {
    const { ctx, net, manual } = setup()
    net.state.down = true
    expect(await caught(ctx.pull('notes'))).toBeInstanceOf(NetworkError)
    expect(ctx.status()).toMatchObject({ retryAttempt: 1, nextRetryAt: expect.any(Number) })
    expect(manual.timeouts.size).toBe(1)
    net.state.down = false
    await ctx.pull('notes')
    expect(ctx.status()).toMatchObject({ retryAttempt: 0 })
    expect(ctx.status().nextRetryAt).toBeUndefined()
    expect(manual.timeouts.size).toBe(0)
  })

  it('a pull\'s success does not cancel the retry of a push that is still stopped', async () => {
    const { ctx, net, manual, tag, todos } = setup()
    await todos.insert({ id: `${tag}-1`, text: 'a', tag })
    net.state.status = 503
    expect((await ctx.push()).stopped?.reason).toBe('server')
    net.state.status = undefined
    await ctx.pull('notes')
    expect(ctx.status().retryAttempt).toBe(1)
    expect(manual.timeouts.size).toBe(1)
  })

  it('retry: false counts the failures and schedules nothing', async () => {
    const { ctx, net, manual, tag, todos } = setup({ retry: false })
    await todos.insert({ id: `${tag}-1`, text: 'a', tag })
    net.state.down = true
    await ctx.push()
    await ctx.push()
    expect(ctx.status().retryAttempt).toBe(2)
    expect(ctx.status().nextRetryAt).toBeUndefined()
    expect(manual.timeouts.size).toBe(0)
  })

  it('going offline cancels the scheduled retry; coming back resets the backoff and syncs at once', async () => {
    const { ctx, net, manual, tag, todos, client } = setup()
    await todos.insert({ id: `${tag}-1`, text: 'a', tag })
    net.state.down = true
    await ctx.push()
    await ctx.push()
    expect(ctx.status().retryAttempt).toBe(2)
    ctx.setOnline(false)
    expect(manual.timeouts.size).toBe(0)
    expect(ctx.status().nextRetryAt).toBeUndefined()

    net.state.down = false
    ctx.setOnline(true)
    expect(ctx.status().retryAttempt).toBe(0)
    const status = await settled(ctx, status => status.lastPush?.result.pushed === 1)
    expect(status.lastError).toBeUndefined()
    expect(await client.pendingCount()).toBe(0)
  })
})

describe('sync context: start, interval, lock, status, queries, dispose', () => {
  it('start() resets inflight operations (auto: false pushes nothing; auto pushes them)', async () => {
    const store = createMemoryStore({ tables: CONTEXT_TABLES })
    const tag = newId('tag')
    const table = createSyncClient({ store }).table('todos')
    await table.insert({ id: `${tag}-1`, text: 'a', tag })
    await table.insert({ id: `${tag}-2`, text: 'b', tag })
    // a page that died while pushing
    await store.transaction('readwrite', [OPERATIONS_TABLE], async (tx) => {
      const all = await tx.query<QueuedOperation>(OPERATIONS_TABLE)
      await tx.bulkPut(OPERATIONS_TABLE, all.map(operation => ({ ...operation, state: 'inflight', attempts: 1 })))
    })

    const quiet = setup({ store, auto: false })
    await quiet.ctx.start()
    expect((await operations(store)).map(operation => [operation.state, operation.attempts])).toEqual([['pending', 1], ['pending', 1]])
    expect(quiet.net.requests).toEqual([])
    quiet.ctx.dispose()

    await store.transaction('readwrite', [OPERATIONS_TABLE], async (tx) => {
      const all = await tx.query<QueuedOperation>(OPERATIONS_TABLE)
      await tx.bulkPut(OPERATIONS_TABLE, all.map(operation => ({ ...operation, state: 'inflight' })))
    })
    const auto = setup({ store })
    await auto.ctx.start()
    expect(await operations(store)).toEqual([])
    expect(auto.ctx.status().lastPush?.result.pushed).toBe(2)
    expect((await serverRows('todos', tag)).map(row => row.id)).toEqual([`${tag}-1`, `${tag}-2`])
  })

  it('with a lock, each push first resets operations a dead context left inflight', async () => {
    const { ctx, store, tag, todos } = setup({ lock: sharedLock().lock })
    await ctx.start()
    await todos.insert({ id: `${tag}-1`, text: 'a', tag })
    await store.transaction('readwrite', [OPERATIONS_TABLE], async (tx) => {
      const [operation] = await tx.query<QueuedOperation>(OPERATIONS_TABLE)
      await tx.put(OPERATIONS_TABLE, { ...operation, state: 'inflight' })
    })
    expect((await ctx.push()).pushed).toBe(1)
    expect(await operations(store)).toEqual([])
  })

  it('start() never throws: a failing sync ends in status.lastError', async () => {
    const { ctx, net, tag, todos } = setup()
    await todos.insert({ id: `${tag}-1`, text: 'a', tag })
    net.state.down = true
    await expect(ctx.start()).resolves.toBeUndefined()
    expect(ctx.status().lastError).toBeInstanceOf(NetworkError)
    expect(ctx.status().retryAttempt).toBe(1)
  })

  it('interval: from start() on, sync() every interval while online; a tick is skipped while an action runs or offline', async () => {
    const rec = recordingLock()
    const tag = newId('tag')
    const { ctx, net, manual, todos } = setup({ tag, interval: 60_000, lock: rec.lock, queries: { mine: mine(tag) } })
    expect(manual.intervals.size).toBe(0)
    await ctx.start()
    expect([...manual.intervals.values()].map(interval => interval.ms)).toEqual([60_000])
    const sections = () => rec.log.filter(entry => entry.startsWith('enter')).length
    expect(sections()).toBe(2) // the inflight reset, then the first sync

    await todos.insert({ id: `${tag}-1`, text: 'a', tag })
    manual.tick()
    await settled(ctx, status => status.lastPush?.result.pushed === 1)
    expect(sections()).toBe(3)
    expect((await serverRows('todos', tag)).map(row => row.id)).toEqual([`${tag}-1`])

    await todos.insert({ id: `${tag}-2`, text: 'b', tag })
    const held = gate()
    net.state.hold = held.promise
    const pushing = ctx.push()
    manual.tick()
    manual.tick()
    net.state.hold = undefined
    held.release()
    await pushing
    await settled(ctx)
    expect(sections()).toBe(4) // only the push: both ticks were skipped

    ctx.setOnline(false)
    const requests = net.requests.length
    manual.tick()
    await settled(ctx)
    expect(net.requests.length).toBe(requests)
    expect(sections()).toBe(4)
  })

  it('interval without setInterval in the timers: a chain of timeouts', async () => {
    const manual = manualTimers({ withInterval: false })
    const { ctx, tag, todos } = setup({ interval: 30_000, manual, auto: false })
    await ctx.start()
    expect(manual.delays()).toEqual([30_000])
    await todos.insert({ id: `${tag}-1`, text: 'a', tag })
    manual.fireTimeouts()
    expect(manual.delays()).toEqual([30_000])
    await settled(ctx, status => status.lastPush?.result.pushed === 1)
    ctx.dispose()
    expect(manual.timeouts.size).toBe(0)
  })

  it('the lock wraps every push, pull, pullAll, sync, purge and resolve, and every request happens inside it', async () => {
    const rec = recordingLock()
    const tag = newId('tag')
    const { ctx, net, todos, store } = setup({ tag, lock: rec.lock, queries: { mine: mine(tag) } })
    const outside: string[] = []
    net.state.onRequest = (request) => {
      if (!rec.isOpen()) outside.push(`${request.method} ${request.path}`)
    }
    const theirs = await serverInsert('todos', { id: `${tag}-1`, text: 'first', tag })
    await ctx.pull('todos', 'mine')
    await todos.update({ id: theirs.id, text: 'mine' })
    expect((await suite.h.request('PATCH', `/tables/todos/${theirs.id}`, { body: { text: 'theirs' } })).status).toBe(200)
    const pushed = await ctx.push()
    expect(pushed.conflicts).toHaveLength(1)
    await ctx.resolve(pushed.conflicts[0]!.id, { choice: 'server' })
    expect(await todos.get(theirs.id)).toMatchObject({ text: 'theirs' })
    expect(await listConflicts(store)).toEqual([])
    await ctx.pullAll()
    await ctx.sync()
    await ctx.purge('notes')

    expect(rec.log).toEqual(Array.from({ length: 6 }, (_, n) => [`enter ${n + 1}`, `exit ${n + 1}`]).flat())
    expect(outside).toEqual([])
    expect(net.requests.length).toBeGreaterThan(0)
  })

  it('status: push progress, pull rows and pages, last results, lastError cleared by a success; a new frozen object per change', async () => {
    const tag = newId('tag')
    const { ctx, net, clock, todos } = setup({ tag, pageSize: 2, queries: { mine: mine(tag) } })
    const seen: SyncStatus[] = []
    ctx.subscribeStatus(status => seen.push(status))
    for (let n = 0; n < 3; n++) await todos.insert({ id: `${tag}-${n}`, text: 'x', tag })

    const pushed = await ctx.push()
    const pushing = seen.map(status => status.activity).filter(activity => activity.kind === 'push')
    expect(pushing.at(-1)).toEqual({ kind: 'push', done: 3, total: 3 })
    const done = pushing.map(activity => activity.kind === 'push' ? activity.done : -1)
    expect(done).toEqual([...done].sort((a, b) => a - b))
    expect(seen.at(-1)?.activity).toEqual({ kind: 'idle' })
    expect(ctx.status().lastPush).toEqual({ at: clock.now, result: pushed })

    await serverInsert('todos', { id: `${tag}-3`, text: 'y', tag })
    await serverInsert('todos', { id: `${tag}-4`, text: 'y', tag })
    seen.length = 0
    clock.now += 1000
    const pulled = await ctx.pull('todos', 'mine')
    const pulling = seen.map(status => status.activity).filter(activity => activity.kind === 'pull')
    expect(pulling[0]).toEqual({ kind: 'pull', table: 'todos', queryName: 'mine', rows: 0, pages: 0 })
    expect(pulling.at(-1)).toEqual({ kind: 'pull', table: 'todos', queryName: 'mine', rows: 5, pages: 3 })
    expect(pulled.pages).toBe(3)
    expect(ctx.status().lastPull).toEqual({ at: clock.now, results: [pulled] })

    net.state.down = true
    const failure = await caught(ctx.pull('notes'))
    expect(ctx.status().lastError).toBe(failure)
    net.state.down = false
    await ctx.pull('notes')
    expect(ctx.status().lastError).toBeUndefined()
    expect('lastError' in ctx.status()).toBe(false)

    expect(new Set(seen).size).toBe(seen.length)
    expect(seen.every(status => Object.isFrozen(status))).toBe(true)
  })

  it('a throwing status listener does not break the sync; its error is reported asynchronously', async () => {
    const { ctx, tag, todos } = setup()
    const reported: unknown[] = []
    const original = globalThis.queueMicrotask
    vi.stubGlobal('queueMicrotask', (callback: () => void) => original(() => {
      try {
        callback()
      }
      catch (error) {
        reported.push(error)
      }
    }))
    try {
      ctx.subscribeStatus(() => {
        throw new Error('listener bug')
      })
      await todos.insert({ id: `${tag}-1`, text: 'a', tag })
      expect((await ctx.push()).pushed).toBe(1)
      await delay(0)
    }
    finally {
      vi.unstubAllGlobals()
    }
    expect(reported.length).toBeGreaterThan(0)
    expect(reported.every(error => (error as Error).message === 'listener bug')).toBe(true)
  })

  it('queries: from the options and at run time, validated, pulled in declaration order; the named filter is used when none is given', async () => {
    expect(() => setup({ queries: { x: { table: 'nope' } } })).toThrow(UnknownTableError)
    const tag = newId('tag')
    const { ctx, net } = setup({ tag, queries: { b: mine(tag) } })
    ctx.addQuery('a', { table: 'notes', filter: `tag eq '${tag}'` })
    expect(() => ctx.addQuery('x', { table: 'nope' })).toThrow(UnknownTableError)
    expect(() => ctx.addQuery('x/y', { table: 'todos' })).toThrow(ValidationError)
    expect(() => ctx.addQuery(' ', { table: 'todos' })).toThrow(ValidationError)
    const copy = ctx.queries()
    expect(copy).toEqual({ b: mine(tag), a: { table: 'notes', filter: `tag eq '${tag}'` } })
    delete copy.b
    expect(Object.keys(ctx.queries())).toEqual(['b', 'a'])

    expect((await ctx.pullAll()).map(result => [result.table, result.queryName])).toEqual([['todos', 'b'], ['notes', 'a']])
    await ctx.pull('todos', 'b')
    expect(new URLSearchParams(net.requests.at(-1)!.search).get('$filter')).toContain(`tag eq '${tag}'`)
    // another filter under the name would restart the named query's watermark: refused
    expect(await caught(ctx.pull('todos', 'b', `text eq 'other'`))).toBeInstanceOf(ValidationError)
    await ctx.pull('todos', 'b-other', `text eq 'other'`)
    expect(new URLSearchParams(net.requests.at(-1)!.search).get('$filter')).toContain(`text eq 'other'`)

    ctx.removeQuery('b')
    expect((await ctx.pullAll()).map(result => result.queryName)).toEqual(['a'])
    expect(await caught(ctx.pull('nope'))).toBeInstanceOf(UnknownTableError)
    expect(await caught(ctx.purge('nope'))).toBeInstanceOf(UnknownTableError)
  })

  it('dispose: stops the timers, lets the running action finish, refuses the queued and every later call', async () => {
    const { ctx, net, manual, tag, todos } = setup({ interval: 1000 })
    await ctx.start()
    await todos.insert({ id: `${tag}-1`, text: 'a', tag })
    net.state.status = 503
    await ctx.push()
    net.state.status = undefined
    expect(manual.timeouts.size).toBe(1)
    expect(manual.intervals.size).toBe(1)

    const held = gate()
    net.state.hold = held.promise
    const running = ctx.push()
    const queued = ctx.pull('todos')
    await until(ctx, status => status.activity.kind === 'push')
    ctx.dispose()
    expect(manual.timeouts.size).toBe(0)
    expect(manual.intervals.size).toBe(0)
    net.state.hold = undefined
    held.release()
    expect((await running).pushed).toBe(1)
    expect(await caught(queued)).toBeInstanceOf(DisposedError)

    for (const call of [ctx.push(), ctx.pull('todos'), ctx.pullAll(), ctx.sync(), ctx.purge('todos'), ctx.resolve('1', { choice: 'discard' })]) {
      expect(await caught(call)).toBeInstanceOf(DisposedError)
    }
    ctx.setOnline(false)
    ctx.setOnline(true)
    await expect(ctx.start()).resolves.toBeUndefined()
    expect(manual.timeouts.size).toBe(0)
    expect(manual.intervals.size).toBe(0)
  })
})

describe('sync context: two contexts (tabs) over one Dexie database', () => {
  it('with a shared lock, both push concurrently and every operation reaches the server exactly once', async () => {
    const name = newId('db')
    const indexedDB = new IDBFactory()
    const shared = sharedLock()
    const net = networkFetch()
    const a = setup({ store: createDexieStore({ name, tables: CONTEXT_TABLES, indexedDB, IDBKeyRange }), lock: shared.lock, net })
    const b = setup({ store: createDexieStore({ name, tables: CONTEXT_TABLES, indexedDB, IDBKeyRange }), lock: shared.lock, net })
    await Promise.all([a.ctx.start(), b.ctx.start()])
    const tag = a.tag
    const expected: string[] = []

    for (let round = 0; round < 3; round++) {
      for (let n = 0; n < 8; n++) {
        const id = `${tag}-${round}-${n}`
        await (n % 2 ? a : b).todos.insert({ id, text: `r${round}`, tag })
        expected.push(`insert:${id}`)
      }
      if (round > 0) {
        for (let n = 0; n < 4; n++) {
          const id = `${tag}-${round - 1}-${n}`
          await (n % 2 ? b : a).todos.update({ id, text: `edited in round ${round}` })
          expected.push(`update:${id}`)
        }
      }
      // the first round holds A's first request on the wire and only then starts B's push: B must not take (or
      // reset) the operation A is sending
      const held = gate()
      const onWire = gate()
      if (round === 0) {
        net.state.hold = held.promise
        net.state.onRequest = () => onWire.release()
      }
      const pushA = a.ctx.push()
      if (round === 0) await onWire.promise
      const pushB = b.ctx.push()
      if (round === 0) {
        await delay(50)
        net.state.hold = undefined
        net.state.onRequest = undefined
        held.release()
      }
      const [fromA, fromB] = await Promise.all([pushA, pushB])
      expect(fromA.stopped).toBeUndefined()
      expect(fromB.stopped).toBeUndefined()
      expect(fromA.pushed + fromB.pushed).toBe(round > 0 ? 12 : 8)
    }

    const sent = net.sent()
    expect(new Set(sent).size).toBe(sent.length)
    expect([...sent].sort()).toEqual([...expected].sort())
    expect(shared.stats.maxHolders).toBe(1)
    expect(await a.client.pendingCount()).toBe(0)
    expect(await b.client.pendingCount()).toBe(0)
    const server = await serverRows('todos', tag)
    expect(server).toHaveLength(24)
    expect(server.filter(row => String(row.text).startsWith('edited'))).toHaveLength(8)
  })
})
