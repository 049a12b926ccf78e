// `useSyncStore().storage` and `sync.persistentStorage`: happy-dom has no `navigator.storage`, so a stand-in is
// installed, and the option turned on, before the Nuxt app starts (the plugin reads both then).
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { useNuxtApp } from '#imports'
import type { PublicRuntimeOptions } from '../../src/options'
import { useSyncTable } from '../../src/runtime/composables/useSyncTable'
import { StorageError } from '../../src/runtime/core/errors'
import { useSyncStore } from '../../src/runtime/stores/useSyncStore'
import { injectQuotaExceeded } from '../reliability/support/quota'
import { clearLocalStore } from './helpers'

const figures = { usage: 4096, quota: 1_000_000 }
let persisted = false
const calls: string[] = []
const storage = {
  async estimate() {
    calls.push('estimate')
    return { ...figures }
  },
  async persisted() {
    return persisted
  },
  async persist() {
    calls.push('persist')
    persisted = true
    return true
  },
}
Object.defineProperty(navigator, 'storage', { value: storage, configurable: true })
const nuxt = (window as unknown as { __NUXT__: { config: { public: { offlineSync: PublicRuntimeOptions } } } }).__NUXT__
nuxt.config.public.offlineSync.sync.persistentStorage = true

describe('useSyncStore().storage', () => {
  it('asks for persistent storage once at start when the app opts in, and shows the figures after hydration', async () => {
    const sync = useSyncStore()
    await expect.poll(() => sync.storage).toEqual({ usage: 4096, quota: 1_000_000, persisted: true })
    expect(calls.filter(call => call === 'persist')).toEqual(['persist'])
    // asked before the first estimate was read
    expect(calls.indexOf('persist')).toBeLessThan(calls.indexOf('estimate'))
  })

  it('reads the figures again after a push, pull or purge ends, and on demand', async () => {
    const sync = useSyncStore()
    await expect.poll(() => sync.storage.usage).toBe(4096)
    figures.usage = 8192
    // a purge is local: it runs offline, and its end refreshes the figures
    await sync.purge('todos', { force: true })
    await expect.poll(() => sync.storage.usage).toBe(8192)

    figures.usage = 9000
    figures.quota = 2_000_000
    expect(await sync.refreshStorage()).toEqual({ usage: 9000, quota: 2_000_000, persisted: true })
    expect(sync.storage).toEqual({ usage: 9000, quota: 2_000_000, persisted: true })
  })

  it('is serialisable state of the store', async () => {
    const sync = useSyncStore()
    await expect.poll(() => sync.storage.usage).toBeGreaterThan(0)
    const state = useNuxtApp().$pinia.state.value['offline-sync']!
    expect(JSON.parse(JSON.stringify(state.storage))).toEqual(sync.storage)
  })
})

describe('a full disk under useSyncTable()', () => {
  it('insert and update reject with StorageError (quotaExceeded) and the store\'s queue stays as it was', async () => {
    await clearLocalStore()
    const sync = useSyncStore()
    const todos = useSyncTable('todos')
    const kept = await todos.insert({ text: 'kept' })
    await expect.poll(() => sync.pendingCount).toBe(1)
    const before = sync.operations

    const quota = injectQuotaExceeded(name => name === 'todos' || name === '_operations')
    try {
      for (const write of [() => todos.insert({ text: 'lost?' }), () => todos.update({ id: kept.id, text: 'changed?' })]) {
        const error = await write().then(() => undefined, (e: unknown) => e)
        expect(error).toBeInstanceOf(StorageError)
        expect(error).toMatchObject({ code: 'STORAGE', name: 'StorageError', quotaExceeded: true })
      }
    }
    finally {
      quota.restore()
    }
    expect(await todos.list()).toEqual([kept])
    expect(sync.operations).toEqual(before)
    expect(sync.pendingCount).toBe(1)
    expect(sync.error).toBeUndefined()
  })
})
