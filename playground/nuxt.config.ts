export default defineNuxtConfig({
  modules: ['../src/module'],
  devtools: { enabled: true },
  app: {
    head: {
      title: 'Offline todos',
      meta: [{ name: 'viewport', content: 'width=device-width, initial-scale=1' }],
    },
  },
  css: ['~/assets/main.css'],
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
    // server: enabled by default, on the embedded database under playground/.data/
  },
})
