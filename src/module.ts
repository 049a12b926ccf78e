import { addImports, addPlugin, addServerHandler, addServerPlugin, addTypeTemplate, createResolver, defineNuxtModule, installModule } from '@nuxt/kit'
import { defu } from 'defu'
import type { ModuleOptions, PublicRuntimeOptions, ServerRuntimeOptions } from './options'
import { assertTables } from './runtime/core/validate'
import { embeddedDataDir } from './data-dir'
import { assertQueries, resolveSyncOptions } from './sync-options'
import { tableTypesTemplate } from './types-template'

export type { ModuleOptions, QueryOption, ServerOptions, ServerDatabaseOptions, SyncOptions } from './options'
export type { ColumnType, TableDefinition, TablesDefinition } from './runtime/core/schema'
export type { OfflineSyncTables, SyncRow, SyncTableName } from './runtime/types'

export default defineNuxtModule<ModuleOptions>({
  meta: {
    name: 'nuxt-offline-sync',
    configKey: 'offlineSync',
    compatibility: { nuxt: '>=4.0.0' },
  },
  defaults: {
    tables: {},
    databaseName: 'offline-sync',
    backend: '/tables',
    queries: {},
    sync: { auto: true, interval: 0, apiVersion: '2.0.0' },
    server: {
      enabled: true,
      path: '/tables',
      database: { dataDir: '.data/offline-sync' },
      pageSize: 50,
      maxTop: 1000,
      maxBodySize: 1024 * 1024,
      maxBatchSize: 500,
      maxBatchBodySize: 8 * 1024 * 1024,
    },
  },
  async setup(options, nuxt) {
    const { resolve } = createResolver(import.meta.url)
    assertTables(options.tables)
    assertQueries(options.queries, options.tables)
    const sync = resolveSyncOptions(options.sync)

    await installModule('@pinia/nuxt')

    const publicOptions: PublicRuntimeOptions = {
      tables: options.tables,
      databaseName: options.databaseName,
      backend: options.backend,
      queries: options.queries ?? {},
      sync,
    }
    // typed as the app's own config values in generated types: assign as that type
    nuxt.options.runtimeConfig.public.offlineSync = defu(nuxt.options.runtimeConfig.public.offlineSync as Partial<PublicRuntimeOptions> | undefined, publicOptions) as typeof nuxt.options.runtimeConfig.public.offlineSync

    nuxt.options.build.transpile.push(resolve('./runtime'))
    addPlugin(resolve('./runtime/plugins/offline-sync.client'))
    addPlugin(resolve('./runtime/plugins/offline-sync.server'))
    addImports([
      { name: 'useSyncTable', from: resolve('./runtime/composables/useSyncTable') },
      { name: 'useSyncStore', from: resolve('./runtime/stores/useSyncStore') },
      { name: 'useSyncClient', from: resolve('./runtime/composables/useSyncClient') },
      { name: 'OfflineSyncError', from: resolve('./runtime/core/errors') },
      { name: 'isOfflineSyncError', from: resolve('./runtime/core/errors') },
      { name: 'OfflineSyncErrorCode', from: resolve('./runtime/core/errors'), type: true },
      { name: 'SyncRow', from: resolve('./runtime/types'), type: true },
      { name: 'SyncTableName', from: resolve('./runtime/types'), type: true },
      { name: 'useSyncContext', from: resolve('./runtime/composables/useSyncContext') },
      ...['ConflictRecord', 'Resolution', 'PushResult', 'PullResult', 'PurgeOptions', 'NamedQuery', 'SyncStatus', 'SyncActivity', 'WatermarkRecord']
        .map(name => ({ name, from: resolve('./runtime/core/sync/contract'), type: true })),
      ...['SyncErrorInfo', 'PushSummary', 'SyncProgress'].map(name => ({ name, from: resolve('./runtime/stores/sync-state'), type: true })),
      ...['OfflineSyncRequestContext', 'OfflineSyncConflictContext'].map(name => ({ name, from: resolve('./runtime/hooks'), type: true })),
    ])
    addTypeTemplate({
      filename: 'types/offline-sync.d.ts',
      getContents: () => tableTypesTemplate(options.tables, resolve('./runtime/types')),
    })

    const server = options.server
    if (server.enabled === false) return
    const serverOptions: ServerRuntimeOptions = {
      tables: options.tables,
      path: server.path ?? '/tables',
      // `DATABASE_URL` is read at run time by the server plugin, never baked into the build.
      database: { url: server.database?.url ?? '', dataDir: embeddedDataDir(server.database?.dataDir ?? '.data/offline-sync', nuxt.options) },
      pageSize: server.pageSize ?? 50,
      maxTop: server.maxTop ?? 1000,
      maxBodySize: server.maxBodySize ?? 1024 * 1024,
      maxBatchSize: server.maxBatchSize ?? 500,
      maxBatchBodySize: server.maxBatchBodySize ?? 8 * 1024 * 1024,
    }
    nuxt.options.runtimeConfig.offlineSync = defu(nuxt.options.runtimeConfig.offlineSync as Partial<ServerRuntimeOptions> | undefined, serverOptions) as typeof nuxt.options.runtimeConfig.offlineSync

    const handler = resolve('./runtime/server/handler')
    addServerHandler({ route: `${serverOptions.path}/:table`, handler })
    addServerHandler({ route: `${serverOptions.path}/:table/:id`, handler })
    addServerPlugin(resolve('./runtime/server/plugin'))
    addTypeTemplate({
      filename: 'types/offline-sync-server.d.ts',
      getContents: () => `/// <reference path="${resolve('./runtime/server/hooks')}.d.ts" />\nexport {}\n`,
    }, { nitro: true, nuxt: true })
  },
})
