import { effectScope, getCurrentScope, onScopeDispose, shallowRef, watch, type ShallowRef, type WatchSource } from 'vue'
import type { NuxtApp } from '#app'
import type { Subscribable } from '../core/store'
import { afterHydration } from './afterHydration'

export interface LiveOptions {
  /**
   * Receives the error of a failed live query (a typed `OfflineSyncError` such as `ValidationError` for an
   * unknown column, or `StorageError`); the ref keeps its last value.
   * @default console.error
   */
  onError?: (error: unknown) => void
}

/**
 * Bridges a `Subscribable` of the core into a `shallowRef`. On the client it subscribes once the app has
 * hydrated, subscribes again whenever `source` changes (deeply) and unsubscribes when the calling effect scope
 * (component, store, `effectScope`) is disposed. On the server the ref stays `undefined`, so server and client
 * render the same first HTML; rows fill in on the client.
 */
export function useSubscribable<S, R>(
  nuxtApp: NuxtApp,
  source: WatchSource<S>,
  open: (value: S) => Subscribable<R>,
  options: LiveOptions = {},
): Readonly<ShallowRef<R | undefined>> {
  const data = shallowRef<R>()
  if (import.meta.server) return data
  const onError = options.onError ?? ((error: unknown) => console.error(error))
  if (!getCurrentScope() && import.meta.dev) {
    console.warn('[nuxt-offline-sync] a live query created outside of a component or effect scope is never unsubscribed')
  }
  // a child of the caller's scope: stopped with it
  const scope = effectScope()
  let close: (() => void) | undefined
  const unsubscribe = () => {
    close?.()
    close = undefined
  }
  scope.run(() => onScopeDispose(unsubscribe))

  afterHydration(nuxtApp, () => {
    if (!scope.active) return
    scope.run(() => watch(source, (value) => {
      unsubscribe()
      try {
        close = open(value).subscribe((next) => {
          data.value = next
        }, onError)
      }
      catch (error) {
        onError(error)
      }
    }, { immediate: true, deep: true }))
  })
  return data
}
