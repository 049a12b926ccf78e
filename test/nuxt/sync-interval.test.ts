// `sync.interval` and the app's unmount, against a REAL table server of this package started before the Nuxt app
// starts (`sync.auto` off: only the interval syncs on its own here).
import 'fake-indexeddb/auto'
import { afterAll, describe, expect, it } from 'vitest'
import { useNuxtApp } from '#imports'
import { useSyncTable } from '../../src/runtime/composables/useSyncTable'
import { useSyncStore } from '../../src/runtime/stores/useSyncStore'
import { startHarness } from '../conformance/support/harness'
import { FIXTURE_TABLES, useBackend } from './helpers'

const harness = await startHarness('embedded', { tables: FIXTURE_TABLES })
afterAll(() => harness.close())
useBackend(`${harness.url}/tables`)
const config = (window as unknown as { __NUXT__: { config: { public: { offlineSync: { sync: { interval: number } } } } } }).__NUXT__.config
config.public.offlineSync.sync.interval = 50

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

  it('stops with the app: after unmount every sync call is refused', async () => {
    const nuxtApp = useNuxtApp()
    const sync = useSyncStore()
    nuxtApp.vueApp.unmount()
    await expect(sync.push()).rejects.toMatchObject({ code: 'DISPOSED' })
    await expect(sync.pullAll()).rejects.toMatchObject({ code: 'DISPOSED' })
  })
})
