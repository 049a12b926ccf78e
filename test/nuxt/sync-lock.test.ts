// The cross-tab Web Lock of the browser context: `navigator.locks` is replaced by a recording lock before the Nuxt
// app starts (happy-dom has none), and a REAL table server of this package records what it receives while the
// lock is held.
import 'fake-indexeddb/auto'
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { useSyncTable } from '../../src/runtime/composables/useSyncTable'
import { useSyncStore } from '../../src/runtime/stores/useSyncStore'
import { NO_WEB_LOCKS_WARNING, webLock } from '../../src/runtime/browser/browser-context'
import { startHarness } from '../conformance/support/harness'
import { clearLocalStore, FIXTURE_TABLES, useBackend } from './helpers'

const harness = await startHarness('embedded', { tables: FIXTURE_TABLES })
afterAll(() => harness.close())
useBackend(`${harness.url}/tables`)

/** Every `navigator.locks.request` call, and the lock held now (one at a time, like an exclusive Web Lock). */
const requested: string[] = []
let held: string | undefined
let queue: Promise<unknown> = Promise.resolve()
const recordingLocks = {
  request(name: string, callback: (lock: { name: string, mode: string }) => Promise<unknown>): Promise<unknown> {
    requested.push(name)
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
})
