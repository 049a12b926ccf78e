import { sql } from 'kysely'
import { startHarness, type Harness } from '../../conformance/support/harness'
import type { ServerVersion } from './ledger'
import { SIM_TABLES, type SimStoredRow } from './sim-client'

/** This package's table server (embedded PGlite, in process) over `SIM_TABLES`, with a commit log for the ledger. */
export interface SimServer {
  readonly harness: Harness
  /** Every committed row version of the sim tables, in commit order. */
  log: () => Promise<ServerVersion[]>
  /** The live (not deleted) rows of each table, as a device's `snapshot()` shows them. */
  rows: () => Promise<Record<string, SimStoredRow[]>>
  /** Empties the tables and the log, for another run on the same server. */
  reset: () => Promise<void>
  close: () => Promise<void>
}

export async function startSimServer(): Promise<SimServer> {
  const harness = await startHarness('embedded', { tables: SIM_TABLES })
  try {
    // An AFTER trigger sees the row as committed (stamped by the clock's BEFORE trigger) and writes in the same
    // transaction: a rolled-back write leaves no trace in the log.
    await sql`create table sim_log (seq bigserial primary key, tbl text not null, id text not null, token text, deleted boolean not null, version text not null)`.execute(harness.db)
    await sql.raw(`create function sim_log_write() returns trigger language plpgsql as $$
      begin
        insert into sim_log (tbl, id, token, deleted, version) values (TG_TABLE_NAME, NEW.id, NEW.token, NEW.deleted, NEW.version);
        return null;
      end $$`).execute(harness.db)
    for (const table of Object.keys(SIM_TABLES)) {
      await sql`create trigger ${sql.id(`${table}_sim_log`)} after insert or update on ${sql.id(table)} for each row execute function sim_log_write()`.execute(harness.db)
    }
  }
  catch (error) {
    await harness.close()
    throw error
  }
  return {
    harness,
    async log() {
      const result = await sql<{ tbl: string, id: string, token: string | null, deleted: boolean, version: string }>`select tbl, id, token, deleted, version from sim_log order by seq`.execute(harness.db)
      return result.rows.map(row => ({ table: row.tbl, id: row.id, token: row.token, deleted: row.deleted, version: row.version }))
    },
    async rows() {
      const tables: Record<string, SimStoredRow[]> = {}
      for (const table of Object.keys(SIM_TABLES)) {
        const rows = await harness.db.selectFrom(table).selectAll().where('deleted', '=', false).orderBy('id').execute()
        tables[table] = rows.map((row) => {
          const out: Record<string, unknown> = {}
          for (const column of ['id', 'text', 'n', 'token', 'author', 'version', 'updatedAt']) {
            const value = row[column]
            if (value !== null && value !== undefined) out[column] = value instanceof Date ? value.toISOString() : value
          }
          return out as unknown as SimStoredRow
        })
      }
      return tables
    },
    async reset() {
      for (const table of [...Object.keys(SIM_TABLES), 'sim_log']) await sql`truncate table ${sql.id(table)}`.execute(harness.db)
    },
    close: () => harness.close(),
  }
}
