import { onScopeDispose, shallowRef, watch } from 'vue'
import { defineStore } from 'pinia'
import { useOnline } from '@vueuse/core'
import { useNuxtApp } from '#imports'
import type { QueuedOperation } from '../core/operation'
import type { SyncClient } from '../core/sync-client'
import { afterHydration } from '../composables/afterHydration'

/**
 * The sync state of the app, for components and the DevTools tab; its state is serialisable. The browser's
 * state (network, queue) is read on the client only and only after hydration, so the first client render
 * matches the server's (online, empty queue).
 * Push, pull, conflicts and progress join this store with the sync feature.
 */
export const useSyncStore = defineStore('offline-sync', () => {
  const nuxtApp = useNuxtApp()
  /** Whether the browser reports a network connection (`navigator.onLine`); `true` on the server. */
  const online = shallowRef(true)
  /**
   * The first queued local changes, in queue order (at most `QUEUE_HEAD_SIZE`, 100): enough for a status view,
   * and a write costs the same however long the queue is. The whole queue: `useSyncClient().operations()`.
   */
  const operations = shallowRef<QueuedOperation[]>([])
  /** Number of queued operations, whatever their state. */
  const pendingCount = shallowRef(0)
  /** Message of the last failure to read the queue (e.g. a `StorageError`), until the next successful read. */
  const error = shallowRef<string>()

  if (import.meta.client) {
    const client = nuxtApp.$offlineSync as SyncClient
    const network = useOnline()
    let unsubscribe: (() => void) | undefined
    let hydrated = false
    let disposed = false
    watch(network, (value) => {
      if (hydrated) online.value = value
    })
    afterHydration(nuxtApp, () => {
      if (disposed) return
      hydrated = true
      online.value = network.value
      unsubscribe = client.observeQueue().subscribe((next) => {
        operations.value = next.head
        pendingCount.value = next.count
        error.value = undefined
      }, (e) => {
        error.value = e instanceof Error ? e.message : String(e)
      })
    })
    onScopeDispose(() => {
      disposed = true
      unsubscribe?.()
    })
  }

  return { online, operations, pendingCount, error }
})
