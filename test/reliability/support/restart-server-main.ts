// A table server of this package in its own process, for the server-restart test (run with jiti). Configured by
// environment variables; prints `READY` once it listens, `HOLD` / `COMMITTED` when it stops at a planned point:
//   TABLES             JSON of the tables
//   PORT               port on 127.0.0.1
//   DATA_DIR           embedded database (PGlite) folder, or DATABASE_URL + SCHEMA for PostgreSQL
//   MAX_BATCH          the batch size it announces
//   HOLD_AT_WRITE      n: the n-th write of this process (before-write hook, inside the batch's transaction) waits
//                      for ever: the batch in flight has written part of its operations, none committed
//   HOLD_AFTER_BATCH   n: the n-th batch of this process commits, then its answer waits for ever (a lost answer)
// Every insert and update of a table is logged by a trigger in `restart_audit`, in the writing transaction: a
// rolled-back write leaves no entry, each applied one leaves exactly one. `GET /_test/state` answers the rows and
// that log, read from the database directly.
import { createServer } from 'node:http'
import { createApp, createRouter, defineEventHandler, getRouterParam, toNodeListener, type H3Event } from 'h3'
import { createHooks } from 'hookable'
import { sql } from 'kysely'
import type { TablesDefinition } from '../../../src/runtime/core/schema'
import { migrate } from '../../../src/runtime/server/db/migrate'
import { openDatabase } from '../../../src/runtime/server/db/open-database'
import { createTableService } from '../../../src/runtime/server/table-service'
import type { OfflineSyncHooks, SyncKysely } from '../../../src/runtime/server/types'

async function installAudit(db: SyncKysely, tables: string[]): Promise<void> {
  await sql`create table if not exists restart_audit (seq serial primary key, tbl text not null, item_id text not null, op text not null, version text, deleted boolean)`.execute(db)
  await sql`create or replace function restart_audit_row() returns trigger language plpgsql as $$
    begin
      insert into restart_audit (tbl, item_id, op, version, deleted) values (TG_TABLE_NAME, NEW.id, TG_OP, NEW.version, NEW.deleted);
      return null;
    end $$`.execute(db)
  for (const table of tables) {
    await sql`drop trigger if exists zz_restart_audit on ${sql.id(table)}`.execute(db)
    await sql`create trigger zz_restart_audit after insert or update on ${sql.id(table)} for each row execute function restart_audit_row()`.execute(db)
  }
}

const never = () => new Promise<never>(() => {})
const say = (line: string) => process.stdout.write(`${line}\n`)

async function main(): Promise<void> {
  const env = process.env
  const tables = JSON.parse(env.TABLES!) as TablesDefinition
  const database = await openDatabase(env.DATABASE_URL ? { url: env.DATABASE_URL, schema: env.SCHEMA, poolSize: 4 } : { dataDir: env.DATA_DIR! })
  const holdAtWrite = Number(env.HOLD_AT_WRITE ?? 0)
  const holdAfterBatch = Number(env.HOLD_AFTER_BATCH ?? 0)
  const hooks = createHooks<OfflineSyncHooks>()
  let writes = 0
  hooks.hook('offline-sync:before-write', async () => {
    if (++writes !== holdAtWrite) return
    say('HOLD')
    await never()
  })
  const service = createTableService({ tables, db: database.db, hooks, maxBatchSize: Number(env.MAX_BATCH ?? 100), maxBodySize: 64 * 1024 })
  await migrate(database.db, service.tables.values())
  await installAudit(database.db, Object.keys(tables))
  let batches = 0
  const handler = defineEventHandler(async (event: H3Event) => {
    const body = await service.handler(event)
    if (getRouterParam(event, 'table') === '$batch' && getRouterParam(event, 'id') === undefined && ++batches === holdAfterBatch) {
      say('COMMITTED')
      await never()
    }
    return body
  })
  // what the database holds, read directly: every row of every table (deleted ones too) and the audit log
  const state = defineEventHandler(async () => ({
    rows: (await Promise.all(Object.keys(tables).map(table => database.db.selectFrom(table).selectAll().orderBy('id').execute()))).flat(),
    audit: (await sql`select tbl, item_id, op, version from restart_audit order by seq`.execute(database.db)).rows,
  }))
  const router = createRouter().get('/_test/state', state).use('/tables/:table', handler).use('/tables/:table/:id', handler)
  const server = createServer(toNodeListener(createApp().use(router)))
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(Number(env.PORT), '127.0.0.1', resolve))
  const stop = () => {
    server.closeAllConnections()
    server.close(() => void database.close().then(() => process.exit(0)))
  }
  process.once('SIGTERM', stop)
  say('READY')
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
