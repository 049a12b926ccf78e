import { defineNuxtPlugin, useRuntimeConfig } from '#imports'
import type { PublicRuntimeOptions } from '../../options'
import type { AppSyncContext } from '../app-context'
import { backendUrl } from '../browser/backend-url'
import type { SyncClient } from '../core/sync-client'
import { createDevtoolsBridge } from '../devtools/bridge'

/**
 * Development only (added by the module when `nuxt.options.dev` and the `devtools` option allow it): the bridge the
 * "Offline Sync" DevTools panel reads the app through, as `useNuxtApp().$offlineSyncDevtools`, and the runtime hook
 * `offline-sync:devtools:changed` it calls (at most every 100 ms) once the panel has taken its first snapshot.
 */
export default defineNuxtPlugin({
  name: 'offline-sync:devtools',
  dependsOn: ['offline-sync'],
  setup(nuxtApp) {
    const config = useRuntimeConfig()
    const options = config.public.offlineSync as PublicRuntimeOptions
    const { bridge, dispose } = createDevtoolsBridge({
      client: nuxtApp.$offlineSync as SyncClient,
      context: nuxtApp.$offlineSyncContext as AppSyncContext,
      databaseName: options.databaseName,
      backend: backendUrl(options.backend, config.app.baseURL),
      onChange: () => void nuxtApp.callHook('offline-sync:devtools:changed'),
    })
    nuxtApp.vueApp.onUnmount(dispose)
    return { provide: { offlineSyncDevtools: bridge } }
  },
})
