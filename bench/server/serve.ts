// Standalone table server for benchmarks: `npx jiti bench/server/serve.ts <embedded|postgres> [port]`.
// Serves the empty tables `items` and `inserts` (title string, done boolean, n number) under /tables on 127.0.0.1
// and prints `ready <url>`; the benchmark seeds them over HTTP. The embedded database lives in a temporary folder,
// removed on SIGTERM/SIGINT. PostgreSQL (BENCH_DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/test) works in a scratch schema `bench_<pid>`, dropped on SIGTERM/SIGINT.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp, createRouter, toNodeListener } from 'h3'
import { sql } from 'kysely'
import { migrate } from '../../src/runtime/server/db/migrate'
import { openDatabase } from '../../src/runtime/server/db/open-database'
import { createTableService } from '../../src/runtime/server/table-service'
import { BENCH_COLUMNS } from './rows'

const backend = process.argv[2] === 'postgres' ? 'postgres' : 'embedded'
const port = Number(process.argv[3] ?? 0)
const url = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'
const schema = `bench_${process.pid}`

async function dropSchema(): Promise<void> {
  const admin = await openDatabase({ url, poolSize: 1 })
  try {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.db)
  }
  finally {
    await admin.close()
  }
}

if (backend === 'postgres') {
  const admin = await openDatabase({ url, poolSize: 1 })
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.db)
  await sql`create schema ${sql.id(schema)}`.execute(admin.db)
  await admin.close()
}
// The embedded database in a folder, as deployed (and as the stock server keeps its sqlite file on disk).
const dataDir = backend === 'embedded' ? mkdtempSync(join(tmpdir(), 'bench-server-')) : undefined
const database = dataDir ? await openDatabase({ dataDir }) : await openDatabase({ url, schema })
const service = createTableService({
  tables: { items: { columns: { ...BENCH_COLUMNS } }, inserts: { columns: { ...BENCH_COLUMNS } } },
  db: database.db,
})
await migrate(database.db, service.tables.values())

const router = createRouter().use('/tables/:table', service.handler).use('/tables/:table/:id', service.handler)
const server = createServer(toNodeListener(createApp().use(router)))
server.listen(port, '127.0.0.1', () => {
  console.log(`ready http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  server.closeAllConnections()
  server.close()
  await database.close()
  if (backend === 'postgres') await dropSchema()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
