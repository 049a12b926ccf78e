import { defineNitroPlugin, useRuntimeConfig } from 'nitropack/runtime'
import type { ServerRuntimeOptions } from '../../options'
import { migrate } from './db/migrate'
import { openDatabase, type SyncDatabase } from './db/open-database'
import { setTableService } from './service-instance'
import { createTableService } from './table-service'
import type { SyncHookCaller } from './types'

/**
 * Builds the table service from `runtimeConfig.offlineSync`. The database opens on the first table request,
 * once: PostgreSQL when `database.url` is set (at run time `NUXT_OFFLINE_SYNC_DATABASE_URL`), else when
 * `DATABASE_URL` is set, else the embedded database in `database.dataDir`; tables are then created or
 * extended from the declarations. Closed when Nitro closes.
 */
export default defineNitroPlugin((nitroApp) => {
  const config = useRuntimeConfig().offlineSync as ServerRuntimeOptions
  const hooks: SyncHookCaller = nitroApp.hooks
  const service = createTableService({
    tables: config.tables,
    pageSize: config.pageSize,
    maxTop: config.maxTop,
    maxBodySize: config.maxBodySize,
    maxBatchSize: config.maxBatchSize,
    maxBatchBodySize: config.maxBatchBodySize,
    db: async () => (await open()).db,
    hooks,
  })
  let opening: Promise<SyncDatabase> | undefined

  function open(): Promise<SyncDatabase> {
    opening ??= (async () => {
      const database = await openDatabase({ url: config.database.url || process.env.DATABASE_URL || '', dataDir: config.database.dataDir })
      try {
        await migrate(database.db, service.tables.values())
      }
      catch (error) {
        await database.close().catch(() => {})
        throw error
      }
      return database
    })()
    // A failed open is retried by the next request rather than remembered.
    opening.catch(() => (opening = undefined))
    return opening
  }

  setTableService(service)

  nitroApp.hooks.hook('close', async () => {
    setTableService(undefined)
    const database = await opening?.catch(() => undefined)
    opening = undefined
    await database?.close()
  })
})
