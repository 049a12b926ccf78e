import { shallowRef } from 'vue'
import type { SyncActivity } from '../core/sync/contract'
import { readStorageInfo, type StorageInfo } from '../browser/storage-manager'

/**
 * The store's `storage` figures (see `StorageInfo`), `{}` until first read: read after hydration, again whenever a
 * push, pull or purge ends (each changes what is stored), and on demand with `refreshStorage()`.
 */
export function createStorageState() {
  const storage = shallowRef<StorageInfo>({})
  let reads = 0
  let running = false

  /** Reads usage, quota and `persisted` again; resolves with them. Never rejects (unknown figures stay `undefined`). */
  async function refreshStorage(): Promise<StorageInfo> {
    const read = ++reads
    const info = await readStorageInfo()
    // an earlier read that answers late does not overwrite a later one
    if (read === reads) storage.value = info
    return info
  }

  /** Follows the context's activity: the end of a push, pull or purge refreshes the figures. */
  function followActivity(activity: SyncActivity): void {
    const now = activity.kind !== 'idle'
    if (running && !now) void refreshStorage()
    running = now
  }

  return { storage, refreshStorage, followActivity }
}
