import { describe, expect, it, vi } from 'vitest'
import { readStorageInfo, requestPersistentStorage, type StorageApi } from '../../../src/runtime/browser/storage-manager'

/** A `navigator.storage` stand-in: `persist()` grants after `grantAfter` (a promise the test settles). */
function fakeStorage(figures: { usage: number, quota: number }, grant: Promise<boolean> = Promise.resolve(true)) {
  let persisted = false
  const api = {
    estimate: vi.fn(async () => ({ ...figures })),
    persisted: vi.fn(async () => persisted),
    persist: vi.fn(async () => {
      persisted = await grant
      return persisted
    }),
  }
  return api
}

describe('storage manager (navigator.storage)', () => {
  it('reads usage, quota and the persisted flag', async () => {
    const storage = fakeStorage({ usage: 1234, quota: 5_000_000 })
    expect(await readStorageInfo(storage)).toEqual({ usage: 1234, quota: 5_000_000, persisted: false })
  })

  it('asks for persistence once per page, and a read waits for the answer', async () => {
    let grant!: (value: boolean) => void
    const storage = fakeStorage({ usage: 1, quota: 2 }, new Promise<boolean>(resolve => (grant = resolve)))
    const first = requestPersistentStorage(storage)
    const again = requestPersistentStorage(storage)
    const reading = readStorageInfo(storage)
    grant(true)
    expect(await first).toBe(true)
    expect(await again).toBe(true)
    expect(storage.persist).toHaveBeenCalledTimes(1)
    expect(await reading).toEqual({ usage: 1, quota: 2, persisted: true })
  })

  it('never rejects: a missing or failing API leaves its figures undefined', async () => {
    expect(await readStorageInfo(undefined)).toEqual({})
    expect(await requestPersistentStorage(undefined)).toBeUndefined()
    expect(await readStorageInfo({})).toEqual({})
    expect(await requestPersistentStorage({})).toBeUndefined()
    const failing: StorageApi = {
      estimate: () => Promise.reject(new DOMException('denied', 'SecurityError')),
      persisted: async () => true,
      persist: () => Promise.reject(new DOMException('denied', 'SecurityError')),
    }
    expect(await requestPersistentStorage(failing)).toBeUndefined()
    expect(await readStorageInfo(failing)).toEqual({ persisted: true })
    // an estimate without figures (some browsers leave `quota` out)
    expect(await readStorageInfo({ estimate: async () => ({ usage: 10 }) })).toEqual({ usage: 10 })
  })
})
