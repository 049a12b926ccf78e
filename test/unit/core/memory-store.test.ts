import { describe, expect, it } from 'vitest'
import { createMemoryStore } from '../../../src/runtime/core/memory-store'
import { watch } from './stores'

describe('memory store live queries', () => {
  it('re-runs a query when a commit lands while it is running (it read an older snapshot)', async () => {
    const store = createMemoryStore({ tables: { items: { columns: {} } } })
    let release!: () => void
    let firstRun = true
    const live = watch(store.observe(async (tx) => {
      const count = await tx.count('items')
      if (firstRun) {
        firstRun = false
        await new Promise<void>(resolve => (release = resolve))
      }
      return count
    }))
    await new Promise<void>(resolve => queueMicrotask(resolve))
    await store.transaction('readwrite', ['items'], tx => tx.put('items', { id: 'a' }))
    release()
    await live.until(count => count === 1)
    expect(live.values).toEqual([1])
    live.stop()
  })
})
