// The Nuxt DevTools panel of this module (the "Offline Sync" tab) is its own small Nuxt app: this config, with
// its pages under client/, generated into dist/client and served by the module in development. The panel
// itself comes with the DevTools issue. `nuxt-module-build prepare` also reads this file when it writes the
// types of src/ (.nuxt/tsconfig.json).
export default defineNuxtConfig({
  ssr: false,
  app: { baseURL: '/__offline-sync/' },
  srcDir: 'client',
  compatibilityDate: '2025-07-15',
  nitro: { output: { publicDir: './dist/client' } },
})
