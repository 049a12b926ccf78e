// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick } from 'vue'
import { useOfflineSyncHost, type OfflineSyncHost } from '../../../client/composables/host'
import type { DevtoolsSnapshot, OfflineSyncDevtoolsBridge } from '../../../src/runtime/devtools/contract'

// The panel's host adapter against a fake host NuxtApp handed over the way Nuxt DevTools does it
// (`window.__NUXT_DEVTOOLS__ = { host: { nuxt } }` in the panel's frame).

type Hook = () => void

function snapshotOf(n: number): DevtoolsSnapshot {
  return {
    at: n, databaseName: 'db', backend: '/tables', online: true, activity: { kind: 'idle' }, lock: 'this-tab',
    operations: [{ seq: n, table: 't', itemId: `i${n}`, kind: 'insert', state: 'pending', attempts: 0, createdAt: 1, updatedAt: 1 }],
    conflicts: [], tables: [{ name: 't', rows: n, pending: 1 }], queries: [],
  }
}

/** A host app whose snapshot() resolves when the test says so, counting overlapping reads. */
function fakeApp(bridgeOverrides: Partial<Record<keyof OfflineSyncDevtoolsBridge, unknown>> | null = {}) {
  const hooks = new Map<string, Set<Hook>>()
  const pending: (() => void)[] = []
  const stats = { reads: 0, running: 0, maxRunning: 0 }
  let state = snapshotOf(1)
  const bridge = {
    version: 1,
    snapshot: () => new Promise<DevtoolsSnapshot>((resolve) => {
      stats.reads++
      stats.running++
      stats.maxRunning = Math.max(stats.maxRunning, stats.running)
      pending.push(() => {
        stats.running--
        resolve(state)
      })
    }),
    push: vi.fn(async () => {}),
    retryOperation: vi.fn(async () => {}),
    discardOperation: vi.fn(async () => {
      throw Object.assign(Object.create(null) as object, { name: 'StateError', message: 'operation 7 is inflight' })
    }),
    resolve: vi.fn(async () => {}),
    pullQuery: vi.fn(async () => {}),
    purge: vi.fn(async () => {}),
    ...bridgeOverrides,
  }
  const app = {
    hook(name: string, fn: Hook) {
      if (!hooks.has(name)) hooks.set(name, new Set())
      hooks.get(name)!.add(fn)
      return () => void hooks.get(name)!.delete(fn)
    },
    $offlineSyncDevtools: bridgeOverrides === null ? undefined : bridge,
  }
  return {
    app,
    bridge,
    stats,
    listeners: () => hooks.get('offline-sync:devtools:changed')?.size ?? 0,
    changed: () => hooks.get('offline-sync:devtools:changed')?.forEach(fn => fn()),
    setState: (next: DevtoolsSnapshot) => state = next,
    /** Answers the oldest waiting read. */
    answer: () => pending.shift()?.(),
    waiting: () => pending.length,
  }
}

/** Hands `nuxt` to the panel as Nuxt DevTools does. */
function connectDevtools(nuxt: unknown) {
  const hooks = { hook: () => () => {} }
  ;(window as unknown as { __NUXT_DEVTOOLS__: unknown }).__NUXT_DEVTOOLS__ = { host: { nuxt, hooks } }
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve()
  await nextTick()
}

let stop: (() => void) | undefined
function startHost(): OfflineSyncHost {
  const scope = effectScope()
  const host = scope.run(() => useOfflineSyncHost())!
  stop = () => scope.stop()
  return host
}

afterEach(() => {
  stop?.()
  stop = undefined
  vi.useRealTimers()
})

describe('panel host adapter', () => {
  it('says "connecting", then "no-app" when no app is found', async () => {
    vi.useFakeTimers()
    connectDevtools(undefined)
    const host = startHost()
    expect(host.connection.value).toBe('connecting')
    await vi.advanceTimersByTimeAsync(2_500)
    expect(host.connection.value).toBe('no-app')
    expect(host.snapshot.value).toBeUndefined()
  })

  it('tells an app without the bridge from one with another bridge version', async () => {
    vi.useFakeTimers()
    connectDevtools(fakeApp(null).app)
    const host = startHost()
    expect(host.connection.value).toBe('no-bridge')
    stop!()

    const other = fakeApp({ version: 2 })
    connectDevtools(other.app)
    const second = startHost()
    expect(second.connection.value).toBe('incompatible')
    expect(second.appVersion.value).toBe(2)
    expect(other.listeners()).toBe(0)
  })

  it('subscribes, copies each snapshot into its own refs, and unsubscribes on dispose', async () => {
    const fake = fakeApp()
    connectDevtools(fake.app)
    const host = startHost()
    expect(host.connection.value).toBe('connected')
    expect(fake.listeners()).toBe(1)
    fake.answer()
    await flush()
    const first = host.snapshot.value!
    expect(first.tables[0]!.rows).toBe(1)

    const next = snapshotOf(2)
    fake.setState(next)
    fake.changed()
    fake.answer()
    await flush()
    expect(host.snapshot.value!.tables[0]!.rows).toBe(2)
    expect(host.snapshot.value).not.toBe(next) // a copy: the app's objects stay the app's
    next.tables[0]!.rows = 99
    expect(host.snapshot.value!.tables[0]!.rows).toBe(2)

    stop!()
    expect(fake.listeners()).toBe(0)
  })

  it('coalesces a burst of changes into one more read, never two reads at once', async () => {
    const fake = fakeApp()
    connectDevtools(fake.app)
    const host = startHost()
    expect(fake.stats.reads).toBe(1)
    for (let i = 0; i < 50; i++) fake.changed()
    fake.setState(snapshotOf(3))
    fake.answer()
    await vi.waitFor(() => expect(fake.waiting()).toBe(1), { timeout: 2_000 })
    fake.answer()
    await vi.waitFor(() => expect(host.snapshot.value?.at).toBe(3))
    expect(fake.stats.reads).toBe(2)
    expect(fake.stats.maxRunning).toBe(1)
  })

  it('reads the new app when the app changes while a read of the old one is still under way', async () => {
    const first = fakeApp()
    connectDevtools(first.app)
    const host = startHost()
    expect(first.waiting()).toBe(1)

    const second = fakeApp()
    second.setState({ ...snapshotOf(2), databaseName: 'other' })
    connectDevtools(second.app)
    await flush()
    expect(first.listeners()).toBe(0)
    expect(second.listeners()).toBe(1)
    // the old app's read ends after the switch: dropped, and the new app is read next
    first.answer()
    await vi.waitFor(() => expect(second.waiting()).toBe(1))
    expect(host.snapshot.value).toBeUndefined()
    second.answer()
    await vi.waitFor(() => expect(host.snapshot.value?.databaseName).toBe('other'))
    expect(second.stats.maxRunning).toBe(1)
  })

  it('finds the app through the parent window when an app page frames the panel itself (no DevTools client)', async () => {
    const fake = fakeApp()
    connectDevtools(undefined)
    const parent = { __NUXT_DEVTOOLS_HOST__: { nuxt: fake.app } }
    const original = Object.getOwnPropertyDescriptor(window, 'parent')
    Object.defineProperty(window, 'parent', { value: parent, configurable: true })
    try {
      const host = startHost()
      expect(host.connection.value).toBe('connected')
      fake.answer()
      await vi.waitFor(() => expect(host.snapshot.value?.databaseName).toBe('db'))
    }
    finally {
      if (original) Object.defineProperty(window, 'parent', original)
      else Reflect.deleteProperty(window, 'parent')
    }
  })

  it('runs actions with busy state, and keeps a refusal’s message (thrown in the app’s frame) as the action error', async () => {
    const fake = fakeApp()
    connectDevtools(fake.app)
    const host = startHost()
    fake.answer()
    await flush()

    const retried = host.retry(7)
    expect(host.busy.value.has('retry:7')).toBe(true)
    expect(await retried).toBe(true)
    expect(fake.bridge.retryOperation).toHaveBeenCalledWith(7)
    expect(host.busy.value.size).toBe(0)

    expect(await host.discard(7)).toBe(false)
    expect(host.actionError.value).toEqual({ action: 'discard:7', message: 'StateError: operation 7 is inflight' })

    expect(await host.purge('t', true)).toBe(true)
    expect(fake.bridge.purge).toHaveBeenCalledWith('t', { force: true })
    expect(host.actionError.value).toBeUndefined()
    await host.resolve('5', { choice: 'merge', item: { id: 'a', text: 'x' } })
    expect(fake.bridge.resolve).toHaveBeenCalledWith('5', { choice: 'merge', item: { id: 'a', text: 'x' } })
  })

  it('reads the body an insert/update will send, and copes with an app whose bridge has no payload()', async () => {
    const payload = vi.fn(async (_table: string, itemId: string) => itemId === 'gone' ? undefined : { id: itemId, text: 'now' })
    const fake = fakeApp({ payload })
    connectDevtools(fake.app)
    const host = startHost()
    expect(await host.payload('t', 'i1')).toEqual({ state: 'found', body: { id: 'i1', text: 'now' } })
    expect(payload).toHaveBeenCalledWith('t', 'i1')
    expect(await host.payload('t', 'gone')).toEqual({ state: 'missing' })
    payload.mockRejectedValueOnce(new Error('unknown table "x"'))
    expect(await host.payload('x', 'i1')).toMatchObject({ state: 'unavailable', message: expect.stringContaining('unknown table') })
    stop!()

    // an app of the same bridge version from before payload() was added: still connected, nothing to show
    const older = fakeApp()
    connectDevtools(older.app)
    const second = startHost()
    expect(second.connection.value).toBe('connected')
    expect(await second.payload('t', 'i1')).toEqual({ state: 'unavailable' })
  })
})
