// Reading `indexedDB` throws, as in a sandboxed frame or some privacy modes. Defined while this file loads,
// before the Nuxt app starts (the environment's beforeAll), so the client plugin meets it.
import { describe, expect, it } from 'vitest'
import { useSyncTable } from '../../src/runtime/composables/useSyncTable'
import { StorageError } from '../../src/runtime/core/errors'
import { useSyncStore } from '../../src/runtime/stores/useSyncStore'

Object.defineProperty(globalThis, 'indexedDB', {
  configurable: true,
  get() {
    throw new DOMException('The operation is insecure.', 'SecurityError')
  },
})

describe('IndexedDB unavailable', () => {
  it('the app starts; writes reject with StorageError and useSyncStore().error shows it', async () => {
    await expect(useSyncTable('todos').insert({ text: 'x' })).rejects.toMatchObject({ constructor: StorageError, reason: 'SecurityError' })
    const sync = useSyncStore()
    await expect.poll(() => sync.error).toMatch(/IndexedDB is unavailable/)
  })
})
