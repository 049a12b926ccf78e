export default defineNuxtConfig({
  modules: ['../src/module'],
  devtools: { enabled: true },
  app: {
    head: {
      title: 'Offline todos',
      meta: [{ name: 'viewport', content: 'width=device-width, initial-scale=1' }],
      // inline, so that no icon request fails while offline
      link: [{ rel: 'icon', href: `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#00a36c"/><path d="M9 16.5l4.5 4.5L23 11.5" stroke="#fff" stroke-width="3.5" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>')}` }],
    },
  },
  css: ['~/assets/main.css'],
  // Client navigations (the selected list lives in the URL) would fetch the build manifest, which fails
  // offline; this app has no route rules that need it.
  experimental: { appManifest: false },
  compatibilityDate: '2025-07-15',
  offlineSync: {
    databaseName: 'offline-sync-playground',
    tables: {
      lists: { columns: { name: 'string' } },
      todos: {
        columns: { text: 'string', done: 'boolean', listId: 'string', createdOn: 'date' },
        indexes: ['listId'],
      },
    },
    // pulled when the app starts online and whenever the browser comes back online (after a push)
    queries: {
      lists: { table: 'lists' },
      todos: { table: 'todos' },
    },
    // also every 30 s while online, so a second window's changes show up without a click
    sync: { interval: 30_000 },
    // server: enabled by default, on the embedded database (PGlite) in .data/offline-sync of the working directory
  },
})
