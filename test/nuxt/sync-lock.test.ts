// The cross-tab Web Lock of the browser context: `navigator.locks` is replaced by a recording lock before the Nuxt
// app starts (happy-dom has none), and a REAL table server of this package records what it receives while the
// lock is held.
import 'fake-indexeddb/auto'
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { useNuxtApp, useRuntimeConfig } from '#imports'
import { useSyncTable } from '../../src/runtime/composables/useSyncTable'
import { useSyncStore } from '../../src/runtime/stores/useSyncStore'
import { createBrowserSyncContext, NO_WEB_LOCKS_WARNING, webLock, webTryLock } from '../../src/runtime/browser/browser-context'
import type { PublicRuntimeOptions } from '../../src/options'
import { startHarness } from '../conformance/support/harness'
import { clearLocalStore, FIXTURE_TABLES, syncClient, useBackend } from './helpers'

const harness = await startHarness('embedded', { tables: FIXTURE_TABLES })
afterAll(() => harness.close())
useBackend(`${harness.url}/tables`)

/**
 * Every `navigator.locks.request` call (`<name> ifAvailable` for one with `{ ifAvailable: true }`), and the lock
 * held now (one at a time, like an exclusive Web Lock). With `ifAvailable`, a held lock calls back with `null` at once.
 */
const requested: string[] = []
let held: string | undefined
let queue: Promise<unknown> = Promise.resolve()
type LockCallback = (lock: { name: string, mode: string } | null) => unknown
const recordingLocks = {
  request(name: string, second: LockCallback | { ifAvailable?: boolean }, third?: LockCallback): Promise<unknown> {
    const callback = typeof second === 'function' ? second : third!
    const ifAvailable = typeof second === 'object' && second.ifAvailable === true
    requested.push(ifAvailable ? `${name} ifAvailable` : name)
    if (ifAvailable && held !== undefined) return Promise.resolve().then(() => callback(null))
    const run = queue.then(async () => {
      held = name
      try {
        return await callback({ name, mode: 'exclusive' })
      }
      finally {
        held = undefined
      }
    })
    queue = run.catch(() => {})
    return run
  },
}
Object.defineProperty(navigator, 'locks', { value: recordingLocks, configurable: true })

const LOCK = 'offline-sync:offline-sync-basic'

/** What the server received: each request's method and the lock the page held at that moment. */
const received: { method: string, held: string | undefined }[] = []
harness.hooks.hook('offline-sync:authenticate', (ctx) => {
  received.push({ method: ctx.event.method, held })
})

beforeEach(async () => {
  await clearLocalStore()
  requested.length = 0
  received.length = 0
})

describe('the Web Lock offline-sync:<databaseName>', () => {
  it('holds every request of a push', async () => {
    const sync = useSyncStore()
    const todos = useSyncTable('todos')
    const row = await todos.insert({ text: 'locked', done: false })

    expect((await sync.push()).pushed).toBe(1)
    expect(requested).toEqual(['offline-sync:offline-sync-basic'])
    expect(received.length).toBeGreaterThan(0)
    expect(received).toEqual(received.map(() => ({ method: 'POST', held: 'offline-sync:offline-sync-basic' })))
    expect((await harness.request('GET', `/tables/todos/${row.id}`)).json).toMatchObject({ text: 'locked' })
  })

  it('holds a pull and its implicit push: one lock for both', async () => {
    const todos = useSyncTable('todos')
    await todos.insert({ text: 'pushed first', done: false })
    await harness.request('POST', '/tables/todos', { body: { text: 'pulled', done: false } })
    received.length = 0

    await todos.pull('openTodos')
    expect(requested).toEqual(['offline-sync:offline-sync-basic'])
    expect(received.map(r => r.method)).toEqual(expect.arrayContaining(['POST', 'GET']))
    expect(received.every(r => r.held === 'offline-sync:offline-sync-basic')).toBe(true)
  })

  it('is not held by local writes and reads', async () => {
    const todos = useSyncTable('todos')
    const row = await todos.insert({ text: 'local only' })
    await todos.update({ id: row.id, text: 'still local' })
    await todos.list()
    expect(requested).toEqual([])
  })
})

describe('the context\'s own syncs (start-up, reconnect, interval, backoff retry)', () => {
  it('are skipped while another tab holds the lock (ifAvailable), and run once it is free', async () => {
    const nuxtApp = useNuxtApp()
    const options = useRuntimeConfig().public.offlineSync as PublicRuntimeOptions
    // a second context of this page with sync.auto: coming back online syncs on its own
    const context = createBrowserSyncContext({ client: syncClient(), options: { ...options, sync: { ...options.sync, auto: true } }, hooks: nuxtApp.hooks })
    try {
      const todos = useSyncTable('todos')
      const row = await todos.insert({ text: 'waits for the other tab', done: false })
      let release!: () => void
      const otherTab = recordingLocks.request(LOCK, () => new Promise<void>(resolve => (release = resolve)))
      await vi.waitFor(() => expect(held).toBe(LOCK))
      requested.length = 0
      const before = context.status()

      context.setOnline(false)
      context.setOnline(true)
      await vi.waitFor(() => expect(requested).toEqual([`${LOCK} ifAvailable`]))
      await new Promise(resolve => setTimeout(resolve, 0))
      expect(received).toEqual([])
      expect(context.status()).toEqual({ ...before, online: true })
      expect(await syncClient().pendingCount()).toBe(1)

      release()
      await otherTab
      context.setOnline(false)
      context.setOnline(true)
      await vi.waitFor(() => expect(context.status().lastPush?.result.pushed).toBe(1))
      // then it pulls the named queries, in the same section
      await vi.waitFor(() => expect(context.status().lastPull).toBeDefined())
      await vi.waitFor(() => expect(held).toBeUndefined())
      expect(requested).toEqual([`${LOCK} ifAvailable`, `${LOCK} ifAvailable`])
      expect(received.length).toBeGreaterThan(0)
      expect(received.every(r => r.held === LOCK)).toBe(true)
      expect((await harness.request('GET', `/tables/todos/${row.id}`)).json).toMatchObject({ text: 'waits for the other tab' })
    }
    finally {
      context.dispose()
    }
  })

  it('webTryLock runs the section only when the lock is free', async () => {
    const tryLock = webTryLock('offline-sync:try')!
    expect(await tryLock(async () => held)).toEqual({ ran: true, value: 'offline-sync:try' })
    let release!: () => void
    const holding = recordingLocks.request('offline-sync:try', () => new Promise<void>(resolve => (release = resolve)))
    await vi.waitFor(() => expect(held).toBe('offline-sync:try'))
    const fn = vi.fn(async () => 1)
    expect(await tryLock(fn)).toEqual({ ran: false })
    expect(fn).not.toHaveBeenCalled()
    release()
    await holding
  })
})

describe('without Web Locks (not a secure context)', () => {
  it('runs without a lock and warns once', () => {
    const own = Object.getOwnPropertyDescriptor(navigator, 'locks')!
    // happy-dom's own `navigator.locks` is null, like a browser's on plain http
    Reflect.deleteProperty(navigator, 'locks')
    try {
      const warn = vi.fn()
      expect(webLock('offline-sync:x', warn)).toBeUndefined()
      expect(webLock('offline-sync:y', warn)).toBeUndefined()
      expect(warn.mock.calls).toEqual([[NO_WEB_LOCKS_WARNING]])
      expect(NO_WEB_LOCKS_WARNING).toContain('secure contexts')
    }
    finally {
      Object.defineProperty(navigator, 'locks', own)
    }
    expect(typeof webLock('offline-sync:z')).toBe('function')
  })

  it('has no tryLock either', () => {
    const own = Object.getOwnPropertyDescriptor(navigator, 'locks')!
    Reflect.deleteProperty(navigator, 'locks')
    try {
      expect(webTryLock('offline-sync:x')).toBeUndefined()
    }
    finally {
      Object.defineProperty(navigator, 'locks', own)
    }
  })
})
