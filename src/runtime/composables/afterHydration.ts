import type { NuxtApp } from '#app'

/**
 * Runs `fn` once the app has hydrated (at once when it already has). Live data from IndexedDB must not reach
 * the page before that: the server rendered it empty, so the first client render has to be empty too.
 */
export function afterHydration(nuxtApp: NuxtApp, fn: () => void): void {
  if (nuxtApp.isHydrating) nuxtApp.hooks.hookOnce('app:suspense:resolve', fn)
  else fn()
}
