import { createHash } from 'node:crypto'
import { sql, type RawBuilder } from 'kysely'
import type { ColumnType } from '../../core/schema'
import type { TableSpec } from '../table-spec'
import type { SyncKysely } from '../types'
import { CLOCK_SYNC_TRIGGER, installClock, installRowTrigger, takeStamp } from './clock'

export const SQL_TYPES: Readonly<Record<ColumnType, string>> = {
  string: 'text',
  number: 'double precision',
  boolean: 'boolean',
  date: 'timestamptz(3)',
  json: 'jsonb',
}
/** What `information_schema.columns.data_type` says for each SQL type, to spot columns declared differently. */
const INFORMATION_SCHEMA_TYPES: Readonly<Record<ColumnType, string>> = {
  string: 'text',
  number: 'double precision',
  boolean: 'boolean',
  date: 'timestamp with time zone',
  json: 'jsonb',
}
/**
 * System columns a table created elsewhere may lack, added as a created table has them (`id` is not added:
 * a table without `id` as its primary key is refused).
 */
const SYSTEM_COLUMNS: Readonly<Record<string, ColumnType>> = { createdAt: 'date', updatedAt: 'date', version: 'string', deleted: 'boolean' }
/** Any constant: serialises migrations of several server processes sharing one database. */
const MIGRATION_LOCK = 7_413_001

/**
 * An index name PostgreSQL will not truncate (≤ 63 bytes: names are ASCII identifiers), stable for the same
 * table and columns, and distinct for distinct column lists (a hash of them ends it: `a_b` is not `a`+`b`).
 */
export function indexName(table: string, columns: string[]): string {
  const hash = createHash('sha256').update(`${table}\0${columns.join('\0')}`).digest('hex').slice(0, 10)
  return `${`${table}__${columns.join('_')}`.slice(0, 52)}_${hash}`
}

function columnList(columns: string[]): RawBuilder<unknown> {
  return sql.join(columns.map(column => sql.id(column)))
}

/**
 * Creates or extends the tables of the declarations: system columns, user columns, the stamping trigger, an
 * index on ("updatedAt", "id"), one on (owner, "updatedAt", "id") for owned tables, and the declared
 * indexes. Additive only: nothing is dropped or retyped; a column whose type differs from its declaration
 * is reported through `warn`. A table created elsewhere gets the system columns it lacks, and its rows are
 * stamped; one without `id` as its primary key is refused. Runs in one transaction under an advisory lock.
 */
export async function migrate(db: SyncKysely, specs: Iterable<TableSpec>, warn: (message: string) => void = console.warn): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK)})`.execute(trx)
    await installClock(trx)
    for (const spec of specs) {
      await sql`create table if not exists ${sql.id(spec.name)} (
        "id" text primary key,
        "createdAt" timestamptz(3) not null,
        "updatedAt" timestamptz(3) not null,
        "version" text not null,
        "deleted" boolean not null default false
      )`.execute(trx)
      const existing = await sql<{ column_name: string, data_type: string }>`select column_name, data_type
        from information_schema.columns where table_schema = current_schema() and table_name = ${spec.name}`.execute(trx)
      const types = new Map(existing.rows.map(row => [row.column_name, row.data_type]))
      const relation = sql`(quote_ident(current_schema()) || '.' || quote_ident(${spec.name}))::regclass`
      const key = await sql<{ column: string }>`select a.attname::text as "column" from pg_index i
        join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
        where i.indrelid = ${relation} and i.indisprimary`.execute(trx)
      if (key.rows.length !== 1 || key.rows[0]!.column !== 'id') {
        throw new Error(`[nuxt-offline-sync] table ${spec.name} exists without "id" as its primary key; give it one (id text primary key) or declare another table name`)
      }
      const unstamped: string[] = []
      for (const [column, type] of Object.entries({ ...SYSTEM_COLUMNS, ...spec.columns })) {
        const found = types.get(column)
        if (found === undefined && column === 'deleted') {
          await sql`alter table ${sql.id(spec.name)} add column "deleted" boolean not null default false`.execute(trx)
        }
        else if (found === undefined) {
          await sql`alter table ${sql.id(spec.name)} add column if not exists ${sql.id(column)} ${sql.raw(SQL_TYPES[type])}`.execute(trx)
          if (Object.hasOwn(SYSTEM_COLUMNS, column)) unstamped.push(column)
        }
        else if (found !== INFORMATION_SCHEMA_TYPES[type]) {
          warn(`[nuxt-offline-sync] ${spec.name}.${column} is ${found} in the database but declared ${type}; left as it is`)
        }
      }
      await installRowTrigger(trx, spec.name)
      if (unstamped.length) {
        // The trigger stamps every existing row (createdAt included), then the columns are as a created table's.
        // The clock trigger runs at once (ALTER TABLE refuses a table with pending deferred trigger events).
        await takeStamp(trx, spec.name)
        await sql`update ${sql.id(spec.name)} set "deleted" = "deleted"`.execute(trx)
        await sql`set constraints ${sql.id(CLOCK_SYNC_TRIGGER)} immediate`.execute(trx)
        for (const column of unstamped) await sql`alter table ${sql.id(spec.name)} alter column ${sql.id(column)} set not null`.execute(trx)
      }
      const indexes = [['updatedAt', 'id'], ...spec.indexes]
      if (spec.owner) indexes.push([spec.owner, 'updatedAt', 'id'])
      // An index on the same columns (also one made under an older name) is kept and not made twice.
      const present = await sql<{ columns: string[] }>`select array(select a.attname::text
          from unnest(i.indkey::int2[]) with ordinality as k(attnum, n) join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
          where k.n <= i.indnkeyatts order by k.n) as columns
        from pg_index i where i.indrelid = ${relation} and i.indpred is null and i.indexprs is null`.execute(trx)
      const indexed = new Set(present.rows.map(row => row.columns.join('\0')))
      for (const columns of indexes) {
        if (indexed.has(columns.join('\0'))) continue
        await sql`create index if not exists ${sql.id(indexName(spec.name, columns))} on ${sql.id(spec.name)} (${columnList(columns)})`.execute(trx)
      }
    }
  })
}
