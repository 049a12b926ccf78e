// Standalone table server for benchmarks: `npx jiti bench/server/serve.ts <embedded|postgres> [port]`.
// Seeds 1,000 rows into `items`, then serves /tables/:table on 127.0.0.1 and prints `ready <url>`.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createApp, createRouter, toNodeListener } from 'h3'
import { sql } from 'kysely'
import { migrate } from '../../src/runtime/server/db/migrate'
import { openDatabase } from '../../src/runtime/server/db/open-database'
import { createTableService } from '../../src/runtime/server/table-service'

const backend = process.argv[2] === 'postgres' ? 'postgres' : 'embedded'
const port = Number(process.argv[3] ?? 0)
const url = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'
const schema = `bench_${process.pid}`

if (backend === 'postgres') {
  const admin = await openDatabase({ url, poolSize: 1 })
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.db)
  await sql`create schema ${sql.id(schema)}`.execute(admin.db)
  await admin.close()
}
const database = backend === 'postgres' ? await openDatabase({ url, schema }) : await openDatabase({ dataDir: 'memory://' })
const service = createTableService({ tables: { items: { columns: { text: 'string', n: 'number', done: 'boolean' } } }, db: database.db })
await migrate(database.db, service.tables.values())
await database.db.transaction().execute(async (trx) => {
  for (let n = 0; n < 1000; n += 100) {
    await trx.insertInto('items').values(Array.from({ length: 100 }, (_, i) => ({ id: `seed-${n + i}`, text: `item ${n + i}`, n: n + i, done: (n + i) % 2 === 0 }))).execute()
  }
})

const router = createRouter().use('/tables/:table', service.handler).use('/tables/:table/:id', service.handler)
const server = createServer(toNodeListener(createApp().use(router)))
server.listen(port, '127.0.0.1', () => {
  console.log(`ready http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})

async function stop() {
  server.close()
  await database.close()
  if (backend === 'postgres') {
    const admin = await openDatabase({ url, poolSize: 1 })
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.db)
    await admin.close()
  }
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
