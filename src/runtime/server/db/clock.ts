import { sql } from 'kysely'
import type { SyncKysely } from '../types'

/**
 * The commit-order clock.
 *
 * Clients pull incrementally with `updatedAt ge W`, so a row must never become visible with an `updatedAt`
 * below one a client has already seen. Stamping `now()` (transaction start) or `clock_timestamp()` in a plain
 * trigger breaks that with concurrent writers: a transaction can stamp earlier and commit later.
 *
 * Fix: the database alone stamps rows, from one clock row per table in `_offline_sync_clock`. The first write
 * of a transaction to a table advances that row to `greatest(now truncated to ms, last + 1 ms)` and takes its
 * row lock, which PostgreSQL holds until commit; every later row of the same transaction reuses the stamp
 * (kept in a transaction-local setting). A second writer of the table waits on that lock until the first
 * commits, then stamps strictly later. So, per table: stamps are unique per transaction, strictly
 * increasing in commit order, at millisecond precision, across any number of server processes sharing
 * one PostgreSQL. The cost is that writers of one table are serialised from their first write to commit.
 * The table server takes the stamp first thing in each write transaction (`takeStamp`), so every request
 * locks the clock before any data row: no lock-order deadlocks between requests.
 *
 * The trigger also sets `version` (new random base64) and `createdAt`, and keeps `deleted` non-null, so
 * writes that bypass the server (SQL consoles, scripts) are stamped the same way.
 */
export const CLOCK_TABLE = '_offline_sync_clock'
export const STAMP_FUNCTION = 'offline_sync_stamp'
export const ROW_TRIGGER_FUNCTION = 'offline_sync_row_stamp'
export const ROW_TRIGGER = 'offline_sync_stamp'

/** Creates (or replaces) the clock table and the stamping functions. Idempotent. */
export async function installClock(db: SyncKysely): Promise<void> {
  await sql`create table if not exists ${sql.id(CLOCK_TABLE)} ("table" text primary key, "last" timestamptz(3) not null)`.execute(db)
  await sql.raw(`
create or replace function ${STAMP_FUNCTION}(tbl text) returns timestamptz language plpgsql as $fn$
declare
  key constant text := 'offline_sync.t' || md5(tbl);
  cached text := current_setting(key, true);
  stamp timestamptz;
begin
  if cached is not null and cached <> '' then
    return cached::timestamptz;
  end if;
  insert into ${CLOCK_TABLE} as c ("table", "last")
    values (tbl, date_trunc('milliseconds', clock_timestamp()))
    on conflict ("table") do update
      set "last" = greatest(date_trunc('milliseconds', clock_timestamp()), c."last" + interval '1 millisecond')
    returning c."last" into stamp;
  perform set_config(key, stamp::text, true);
  return stamp;
end
$fn$`).execute(db)
  await sql.raw(`
create or replace function ${ROW_TRIGGER_FUNCTION}() returns trigger language plpgsql as $fn$
declare
  stamp constant timestamptz := ${STAMP_FUNCTION}(TG_TABLE_NAME);
begin
  if TG_OP = 'INSERT' then
    NEW."createdAt" := stamp;
    NEW."deleted" := coalesce(NEW."deleted", false);
  else
    NEW."createdAt" := OLD."createdAt";
  end if;
  NEW."updatedAt" := stamp;
  NEW."version" := encode(uuid_send(gen_random_uuid()), 'base64');
  return NEW;
end
$fn$`).execute(db)
}

/** Attaches the stamping trigger to a table (replacing an older definition). */
export async function installRowTrigger(db: SyncKysely, table: string): Promise<void> {
  await sql`create or replace trigger ${sql.id(ROW_TRIGGER)} before insert or update on ${sql.id(table)}
    for each row execute function ${sql.raw(ROW_TRIGGER_FUNCTION)}()`.execute(db)
}

/**
 * Takes the table's stamp for the current transaction (and with it the clock row lock until commit).
 * Call it first in every write transaction so that the clock is always locked before any data row.
 */
export async function takeStamp(db: SyncKysely, table: string): Promise<void> {
  await sql`select ${sql.raw(STAMP_FUNCTION)}(${table})`.execute(db)
}
