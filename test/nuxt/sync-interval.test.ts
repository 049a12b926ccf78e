// `sync.interval` and the app's unmount, against a REAL table server of this package started before the Nuxt app
// starts (`sync.auto` off: only the interval syncs on its own here).
import 'fake-indexeddb/auto'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { useNuxtApp } from '#imports'
import type { SyncContext } from '../../src/runtime/core/sync/context'
import { useSyncTable } from '../../src/runtime/composables/useSyncTable'
import { useSyncStore } from '../../src/runtime/stores/useSyncStore'
import { startHarness } from '../conformance/support/harness'
import { FIXTURE_TABLES, syncClient, useBackend } from './helpers'

const harness = await startHarness('embedded', { tables: FIXTURE_TABLES })
afterAll(() => harness.close())
useBackend(`${harness.url}/tables`)
const config = (window as unknown as { __NUXT__: { config: { public: { offlineSync: { sync: { interval: number } } } } } }).__NUXT__.config
config.public.offlineSync.sync.interval = 50

/** Every request the server receives (its method and URL). */
const received: string[] = []
harness.hooks.hook('offline-sync:authenticate', (ctx) => {
  received.push(`${ctx.event.method} ${ctx.event.path}`)
})

describe('sync.interval', () => {
  it('pushes the queue and pulls the named queries on its own', async () => {
    const sync = useSyncStore()
    const todos = useSyncTable('todos')
    const local = await todos.insert({ text: 'from this device', done: false })
    const remote = await harness.request('POST', '/tables/todos', { body: { text: 'from the server', done: false } })

    await expect.poll(async () => (await harness.request('GET', `/tables/todos/${local.id}`)).json?.text, { timeout: 10_000 }).toBe('from this device')
    await expect.poll(() => todos.get(remote.json.id), { timeout: 10_000 }).toMatchObject({ text: 'from the server' })
    await expect.poll(() => sync.watermarks.map(w => w.id).sort()).toEqual(['notes/notes', 'todos/openTodos'])
  })

  it('stops with the app: after unmount nothing reaches the server, not the interval nor an online event', async () => {
    const nuxtApp = useNuxtApp()
    const sync = useSyncStore()
    const context = nuxtApp.$offlineSyncContext as SyncContext
    // the plugin's online/offline listeners call the context's setOnline: watch them through it
    const setOnline = vi.fn(context.setOnline)
    Object.defineProperty(context, 'setOnline', { value: setOnline, configurable: true })
    window.dispatchEvent(new Event('offline'))
    window.dispatchEvent(new Event('online'))
    expect(setOnline.mock.calls).toEqual([[false], [true]])

    nuxtApp.vueApp.unmount()
    // a sync the interval started just before may finish; nothing starts after it
    await expect.poll(() => context.status().activity.kind).toBe('idle')
    received.length = 0
    setOnline.mockClear()
    const todos = useSyncTable('todos')
    const local = await todos.insert({ text: 'written after unmount', done: false })
    window.dispatchEvent(new Event('offline'))
    window.dispatchEvent(new Event('online'))
    // twenty interval periods (50 ms) go by
    await new Promise(resolve => setTimeout(resolve, 1000))

    expect(setOnline).not.toHaveBeenCalled()
    expect(received).toEqual([])
    await expect(sync.push()).rejects.toMatchObject({ code: 'DISPOSED' })
    await expect(sync.pullAll()).rejects.toMatchObject({ code: 'DISPOSED' })
    expect(received).toEqual([])
    expect((await syncClient().operations()).map(op => op.itemId)).toContain(local.id)
    expect((await harness.request('GET', `/tables/todos/${local.id}`)).status).toBe(404)
  })
})
