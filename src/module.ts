import { addImports, addPlugin, addServerHandler, addServerPlugin, addTypeTemplate, createResolver, defineNuxtModule, installModule, useLogger } from '@nuxt/kit'
import { defu } from 'defu'
import type { ModuleOptions, PublicRuntimeOptions, ServerRuntimeOptions } from './options'
import { assertTables } from './runtime/core/validate'
import { embeddedDataDir } from './data-dir'
import { devtoolsEnabled, setupDevtools } from './devtools'
import { resolveModuleOptions } from './resolve-options'
import { assertQueries } from './sync-options'
import { tableTypesTemplate } from './types-template'

export type { ModuleOptions, QueryOption, ServerOptions, ServerDatabaseOptions, SyncOptions } from './options'
export type { ColumnType, TableDefinition, TablesDefinition } from './runtime/core/schema'
export type { OfflineSyncTables, SyncRow, SyncTableName } from './runtime/types'
export type { SyncClient } from './runtime/core/sync-client'
export type { SyncContext } from './runtime/core/sync/context'
export type { QueuedOperation } from './runtime/core/operation'
export type { UseSyncTable } from './runtime/composables/useSyncTable'
export type { LiveOptions } from './runtime/composables/useSubscribable'
export type { ConflictRecord, NamedQuery, PullResult, PurgeOptions, PushResult, Resolution, SyncActivity, SyncStatus, WatermarkRecord } from './runtime/core/sync/contract'

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
    // the defaults of `sync` and `server` are filled in (and checked) by resolveSyncOptions / resolveServerOptions
    sync: {},
    server: {},
    devtools: true,
  },
  async setup(options, nuxt) {
    const { resolve } = createResolver(import.meta.url)
    assertTables(options.tables)
    assertQueries(options.queries, options.tables)
    // this module's server as the backend: its maxTop bounds the pull's page size
    const { sync, server, warnings } = resolveModuleOptions(options)
    for (const warning of warnings) useLogger('nuxt-offline-sync').warn(warning)

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
      { name: 'SyncClient', from: resolve('./runtime/core/sync-client'), type: true },
      { name: 'SyncContext', from: resolve('./runtime/core/sync/context'), type: true },
      { name: 'QueuedOperation', from: resolve('./runtime/core/operation'), type: true },
      { name: 'UseSyncTable', from: resolve('./runtime/composables/useSyncTable'), type: true },
      { name: 'LiveOptions', from: resolve('./runtime/composables/useSubscribable'), type: true },
    ])
    addTypeTemplate({
      filename: 'types/offline-sync.d.ts',
      getContents: () => tableTypesTemplate(options.tables, resolve('./runtime/types')),
    })
    if (devtoolsEnabled(nuxt.options.dev, options.devtools)) setupDevtools(nuxt)

    if (!server.enabled) return
    const serverOptions: ServerRuntimeOptions = {
      tables: options.tables,
      path: server.path,
      // `DATABASE_URL` is read at run time by the server plugin, never baked into the build.
      database: { url: server.database.url, dataDir: embeddedDataDir(server.database.dataDir, nuxt.options) },
      pageSize: server.pageSize,
      maxTop: server.maxTop,
      maxBodySize: server.maxBodySize,
      maxBatchSize: server.maxBatchSize,
      maxBatchBodySize: server.maxBatchBodySize,
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
