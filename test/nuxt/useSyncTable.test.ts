// The client plugin runs its real Dexie store here: happy-dom has no IndexedDB, so fake-indexeddb provides one.
// It must load before the Nuxt app starts (the environment's beforeAll); the plugin reads the globals then.
import 'fake-indexeddb/auto'
import { beforeEach, describe, expect, expectTypeOf, it } from 'vitest'
import { defineComponent, effectScope, h, nextTick, ref } from 'vue'
import { mountSuspended } from '@nuxt/test-utils/runtime'
import { useNuxtApp } from '#imports'
import { useSyncTable } from '../../src/runtime/composables/useSyncTable'
import { isOfflineSyncError, ItemNotFoundError, UnknownTableError, ValidationError, type OfflineSyncError, type OfflineSyncErrorCode } from '../../src/runtime/core/errors'
import { clearLocalStore, syncClient } from './helpers'

beforeEach(clearLocalStore)

describe('useSyncTable', () => {
  it('live() follows inserts, updates and deletes', async () => {
    const scope = effectScope()
    const todos = scope.run(() => useSyncTable('todos'))!
    const open = scope.run(() => todos.live({ where: { done: false }, orderBy: 'rank' }))!
    await expect.poll(() => open.value).toEqual([])

    const milk = await todos.insert({ text: 'milk', done: false, rank: 2 })
    const bread = await todos.insert({ text: 'bread', done: false, rank: 1 })
    await expect.poll(() => open.value?.map(t => t.text)).toEqual(['bread', 'milk'])

    await todos.update({ ...bread, done: true })
    await expect.poll(() => open.value?.map(t => t.text)).toEqual(['milk'])

    await todos.update({ id: milk.id, text: 'oat milk' })
    await expect.poll(() => open.value?.map(t => t.text)).toEqual(['oat milk'])

    await todos.remove(milk.id)
    await expect.poll(() => open.value).toEqual([])
    scope.stop()
  })

  it('live() follows a reactive spec', async () => {
    const scope = effectScope()
    const todos = scope.run(() => useSyncTable('todos'))!
    await todos.insert({ text: 'a', done: false })
    await todos.insert({ text: 'b', done: true })
    const done = ref(false)
    const rows = scope.run(() => todos.live(() => ({ where: { done: done.value } })))!
    await expect.poll(() => rows.value?.map(t => t.text)).toEqual(['a'])
    done.value = true
    await expect.poll(() => rows.value?.map(t => t.text)).toEqual(['b'])
    scope.stop()
  })

  it('live() unsubscribes when its scope is disposed', async () => {
    const todos = useSyncTable('todos')
    const first = effectScope()
    const second = effectScope()
    const stopped = first.run(() => todos.live())!
    const running = second.run(() => todos.live())!
    await expect.poll(() => stopped.value).toEqual([])
    await expect.poll(() => running.value).toEqual([])
    first.stop()
    await todos.insert({ text: 'after stop' })
    await expect.poll(() => running.value?.length).toBe(1)
    await nextTick()
    expect(stopped.value).toEqual([])
    second.stop()
  })

  it('get, list and count read the local store', async () => {
    const todos = useSyncTable('todos')
    const row = await todos.insert({ text: 'x', dueOn: '2025-01-02T03:04:05.678Z', meta: { tags: ['a'] } })
    expect(await todos.get(row.id)).toMatchObject({ id: row.id, text: 'x', dueOn: '2025-01-02T03:04:05.678Z', meta: { tags: ['a'] } })
    expect((await todos.list()).map(t => t.id)).toEqual([row.id])
    expect(await todos.count({ where: { text: 'x' } })).toBe(1)
    expect(await todos.count({ where: { text: 'y' } })).toBe(0)
  })

  it('surfaces the typed errors of the core and writes nothing', async () => {
    const todos = useSyncTable('todos')
    // `as never`: these are type errors too where the fixture's tables are declared (types-template.test.ts)
    await expect(todos.insert({ text: 'x', colour: 'red' } as never)).rejects.toBeInstanceOf(ValidationError)
    await expect(todos.insert({ rank: 'first' } as never)).rejects.toMatchObject({ code: 'VALIDATION', field: 'rank' })
    await expect(todos.update({ id: 'missing', text: 'x' })).rejects.toBeInstanceOf(ItemNotFoundError)
    await expect(todos.remove('missing')).rejects.toBeInstanceOf(ItemNotFoundError)
    expect(await todos.count()).toBe(0)
    expect(() => useSyncTable('nope' as never)).toThrow(UnknownTableError)
    // the union, not string, so a `switch (error.code)` can be exhaustive (checked by `npm run test:types`)
    expectTypeOf<OfflineSyncError['code']>().toEqualTypeOf<OfflineSyncErrorCode>()
  })

  it('isOfflineSyncError recognises the errors of this module and narrows them by code', async () => {
    const error: unknown = await useSyncTable('todos').insert({ rank: 'first' } as never).catch(e => e)
    expect(isOfflineSyncError(error)).toBe(true)
    expect(isOfflineSyncError(error, 'VALIDATION')).toBe(true)
    expect(isOfflineSyncError(error, 'STORAGE')).toBe(false)
    expect(isOfflineSyncError(new Error('x'))).toBe(false)
    if (isOfflineSyncError(error, 'VALIDATION')) {
      expectTypeOf(error).toEqualTypeOf<ValidationError>()
      expect([error.field, error.reason.length > 0]).toEqual(['rank', true])
    }
  })

  it('reports a failing live query to onError', async () => {
    const scope = effectScope()
    const errors: unknown[] = []
    scope.run(() => useSyncTable('todos').live({ where: { colour: 'red' } }, { onError: e => errors.push(e) }))
    await expect.poll(() => errors.length).toBe(1)
    expect(errors[0]).toBeInstanceOf(ValidationError)
    scope.stop()
  })

  it('renders live rows in a component', async () => {
    const TodoList = defineComponent({
      setup() {
        const rows = useSyncTable('todos').live({ orderBy: 'text' })
        return () => h('ul', rows.value === undefined ? [h('li', 'loading')] : rows.value.map(row => h('li', row.text ?? '')))
      },
    })
    const wrapper = await mountSuspended(TodoList)
    await useSyncTable('todos').insert({ text: 'milk' })
    await expect.poll(() => wrapper.findAll('li').map(li => li.text())).toEqual(['milk'])
    wrapper.unmount()
  })

  it('holds live results back until the app has hydrated', async () => {
    const nuxtApp = useNuxtApp()
    await useSyncTable('todos').insert({ text: 'stored before' })
    const scope = effectScope()
    nuxtApp.isHydrating = true
    try {
      const rows = scope.run(() => useSyncTable('todos').live())!
      // the same query on the core, subscribed later: once it has its result, the live ref could have had it
      const seen: unknown[] = []
      const unsubscribe = syncClient().table('todos').observeList().subscribe(value => seen.push(value))
      await expect.poll(() => seen.length).toBe(1)
      unsubscribe()
      await new Promise(resolve => setTimeout(resolve, 0))
      expect(rows.value).toBeUndefined()
      nuxtApp.isHydrating = false
      await nuxtApp.callHook('app:suspense:resolve')
      await expect.poll(() => rows.value?.map(t => t.text)).toEqual(['stored before'])
    }
    finally {
      nuxtApp.isHydrating = false
      scope.stop()
    }
  })
})
