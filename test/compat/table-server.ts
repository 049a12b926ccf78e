import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createApp, createRouter, toNodeListener } from 'h3'
import type { TablesDefinition } from '../../src/runtime/core/schema'
import { migrate } from '../../src/runtime/server/db/migrate'
import { openDatabase } from '../../src/runtime/server/db/open-database'
import { createTableService } from '../../src/runtime/server/table-service'

export interface TestServer {
  url: string
  close: () => Promise<void>
}

/** Our table server (embedded PGlite in memory) behind a real HTTP listener on 127.0.0.1. */
export async function startTableServer(tables: TablesDefinition): Promise<TestServer> {
  const database = await openDatabase({ dataDir: 'memory://' })
  const service = createTableService({ tables, db: database.db })
  await migrate(database.db, service.tables.values())
  const router = createRouter()
    .use('/tables/:table', service.handler)
    .use('/tables/:table/:id', service.handler)
  const app = createApp().use(router)
  const server = createServer(toNodeListener(app))
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
      await database.close()
    },
  }
}
