// The Nuxt DevTools panel of this module (the "Offline Sync" tab) is its own small Nuxt app: this config, with
// its pages under client/, generated into dist/client (`npm run client:build`) and served by the module in
// development; `npm run client:dev` serves it on DEVTOOLS_DEV_PORT for the module to proxy to while developing it.
// `nuxt-module-build prepare` also reads this file when it writes the types of src/ (.nuxt/tsconfig.json).
import { DEVTOOLS_DEV_PORT } from './src/runtime/devtools/contract'

export default defineNuxtConfig({
  // its own id: the panel is a second Nuxt app in the same browser as the app it inspects
  appId: 'offline-sync-devtools',
  // `nuxi dev` of the panel builds apart: the root .nuxt holds the types `nuxt-module-build prepare` writes for src/
  $development: { buildDir: 'node_modules/.cache/offline-sync-panel/.nuxt' },
  ssr: false,
  devtools: { enabled: false },
  app: { baseURL: '/__offline-sync/' },
  css: ['~/assets/panel.css'],
  // the tab's icon (client/public/icon.svg): DevTools shows it from the panel's route, no icon set from the internet
  dir: { public: 'client/public' },
  srcDir: 'client',
  compatibilityDate: '2025-07-15',
  nitro: { output: { publicDir: './dist/client' } },
  vite: {
    // through the app's proxy, hot reload connects to the panel's own dev server directly
    server: { ws: { clientPort: DEVTOOLS_DEV_PORT } },
  },
})
