import { sql } from 'kysely'
import type { SyncKysely } from '../types'

/**
 * The commit-order clock: every row write gets its own `updatedAt`, strictly greater than every earlier one
 * of its table, in commit order.
 *
 * Clients pull incrementally with `updatedAt ge W`, so a row must never become visible with an `updatedAt`
 * below one a client has already seen. Stamping `now()` (transaction start) or `clock_timestamp()` in a plain
 * trigger breaks that with concurrent writers: a transaction can stamp earlier and commit later. And rows
 * sharing a stamp make a reader page inside the run with `$skip`, which loses a row when one of the run is
 * updated between two pages; so no two rows of a table share a stamp.
 *
 * How (Kinto's `bump_timestamp`, made commit-ordered):
 * - One clock row per table in `_offline_sync_clock` holds the last stamp of the table. The first write of a
 *   transaction to a table (or `takeStamp`) advances it to `greatest(now truncated to ms, last + 1 ms)`,
 *   a stamp reserved for the first row, and takes its row lock, which PostgreSQL holds until commit. A second
 *   writer of the table waits on that lock until the first commits, then stamps strictly later.
 * - Every further row of the transaction gets `greatest(now truncated to ms, previous + 1 ms)`. The running
 *   stamp lives in a transaction-local setting, so the rows themselves cost no write to the clock row.
 * - A deferred constraint trigger copies the running stamp into the clock row at commit, once (the first
 *   event of the transaction writes, the others see nothing to do). A transaction of one row never needs it.
 *
 * So, per table: stamps are unique, strictly increasing in commit order, at millisecond precision, across
 * any number of server processes sharing one PostgreSQL. Costs: writers of one table are serialised from
 * their first write to commit; and a transaction writing rows faster than one per millisecond takes stamps
 * ahead of the wall clock, by up to 1 ms per row (a transaction of 10,000 rows ends up to 10 s ahead, and the
 * next writers continue from there). Stamps stay monotonic; the wall clock catches up.
 * The table server takes the stamp first thing in each write transaction (`takeStamp`), so every request
 * locks the clock before any data row: no lock-order deadlocks between requests.
 *
 * The trigger also sets `version` (new random base64) and `createdAt`, and keeps `deleted` non-null, so
 * writes that bypass the server (SQL consoles, scripts) are stamped the same way. Writes with triggers
 * disabled (`session_replication_role = replica`, imports) are not: move the clock row past what they wrote.
 *
 * The clock table and the functions live in the schema the tables are migrated into (`current_schema()` of
 * the migration); the functions name that schema's clock and functions explicitly and key their settings by
 * schema and table, so a session with any `search_path` (a console, a migration tool) stamps from the
 * table's own clock, and same-named tables of two schemas keep separate clocks within one transaction.
 */
export const CLOCK_TABLE = '_offline_sync_clock'
/** `offline_sync_stamp(table)`: locks the table's clock for the transaction and returns the reserved stamp. */
export const STAMP_FUNCTION = 'offline_sync_stamp'
export const ROW_TRIGGER_FUNCTION = 'offline_sync_row_stamp'
export const ROW_TRIGGER = 'offline_sync_stamp'
export const CLOCK_SYNC_FUNCTION = 'offline_sync_clock_sync'
export const CLOCK_SYNC_TRIGGER = 'offline_sync_clock_sync'

/** An identifier / a string literal as SQL text (for names baked into function bodies). */
const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`
const quoteLiteral = (value: string) => `'${value.replaceAll('\'', '\'\'')}'`

/** Creates (or replaces) the clock table and the stamping functions in the current schema. Idempotent. */
export async function installClock(db: SyncKysely): Promise<void> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db)
  const schema = rows[0]?.schema
  if (!schema) throw new Error('[nuxt-offline-sync] the search_path names no existing schema to create the tables in')
  const clock = `${quoteIdent(schema)}.${CLOCK_TABLE}`
  const stampFunction = `${quoteIdent(schema)}.${STAMP_FUNCTION}`
  // Transaction-local settings, per schema and table (`<h>` = md5 of `schema.table`): `offline_sync.w_<h>` is
  // the value this transaction wrote into the clock row ('' until it locked the clock), `offline_sync.s_<h>`
  // the last stamp it gave a row ('' for none yet: the next row gets the reserved `w`).
  const written = (table: string) => `'offline_sync.w_' || md5(${quoteLiteral(`${schema}.`)} || ${table})`
  const handed = (table: string) => `'offline_sync.s_' || md5(${quoteLiteral(`${schema}.`)} || ${table})`
  await sql`create table if not exists ${sql.id(schema, CLOCK_TABLE)} ("table" text primary key, "last" timestamptz(3) not null)`.execute(db)
  await sql.raw(`
create or replace function ${stampFunction}(tbl text) returns timestamptz language plpgsql as $fn$
declare
  written constant text := current_setting(${written('tbl')}, true);
  reserved timestamptz;
begin
  if written <> '' then
    return written::timestamptz;
  end if;
  insert into ${clock} as c ("table", "last")
    values (tbl, date_trunc('milliseconds', clock_timestamp()))
    on conflict ("table") do update
      set "last" = greatest(date_trunc('milliseconds', clock_timestamp()), c."last" + interval '1 millisecond')
    returning c."last" into reserved;
  perform set_config(${written('tbl')}, reserved::text, true);
  perform set_config(${handed('tbl')}, '', true);
  return reserved;
end
$fn$`).execute(db)
  await sql.raw(`
create or replace function ${quoteIdent(schema)}.${ROW_TRIGGER_FUNCTION}() returns trigger language plpgsql as $fn$
declare
  handed constant text := current_setting(${handed('TG_TABLE_NAME')}, true);
  stamp timestamptz;
begin
  if handed <> '' then
    stamp := greatest(date_trunc('milliseconds', clock_timestamp()), handed::timestamptz + interval '1 millisecond');
  else
    stamp := ${stampFunction}(TG_TABLE_NAME);
  end if;
  perform set_config(${handed('TG_TABLE_NAME')}, stamp::text, true);
  if TG_OP = 'INSERT' then
    NEW."createdAt" := stamp;
    NEW."deleted" := coalesce(NEW."deleted", false);
  else
    NEW."createdAt" := coalesce(OLD."createdAt", stamp);
  end if;
  NEW."updatedAt" := stamp;
  NEW."version" := encode(uuid_send(gen_random_uuid()), 'base64');
  return NEW;
end
$fn$`).execute(db)
  await sql.raw(`
create or replace function ${quoteIdent(schema)}.${CLOCK_SYNC_FUNCTION}() returns trigger language plpgsql as $fn$
declare
  handed constant text := current_setting(${handed('TG_TABLE_NAME')}, true);
begin
  if handed <> '' and handed <> current_setting(${written('TG_TABLE_NAME')}, true) then
    update ${clock} set "last" = handed::timestamptz where "table" = TG_TABLE_NAME;
    perform set_config(${written('TG_TABLE_NAME')}, handed, true);
  end if;
  return null;
end
$fn$`).execute(db)
}

/**
 * Attaches the stamping trigger (replacing an older definition) and the deferred clock trigger (created
 * when missing: constraint triggers cannot be replaced in place) to a table.
 */
export async function installRowTrigger(db: SyncKysely, table: string): Promise<void> {
  await sql`create or replace trigger ${sql.id(ROW_TRIGGER)} before insert or update on ${sql.id(table)}
    for each row execute function ${sql.raw(ROW_TRIGGER_FUNCTION)}()`.execute(db)
  const found = await sql`select 1 from pg_trigger
    where tgname = ${CLOCK_SYNC_TRIGGER} and tgrelid = to_regclass(quote_ident(${table}))`.execute(db)
  if (found.rows.length) return
  await sql`create constraint trigger ${sql.id(CLOCK_SYNC_TRIGGER)} after insert or update on ${sql.id(table)}
    deferrable initially deferred for each row execute function ${sql.raw(CLOCK_SYNC_FUNCTION)}()`.execute(db)
}

/**
 * Takes the table's stamp for the current transaction (and with it the clock row lock until commit); the
 * transaction's first row gets it. Call it first in every write transaction so that the clock is always
 * locked before any data row.
 */
export async function takeStamp(db: SyncKysely, table: string): Promise<void> {
  await sql`select ${sql.raw(STAMP_FUNCTION)}(${table})`.execute(db)
}
