// Seeding of the browser benchmark's pull table. Over HTTP (POST /tables/$batch, 500 inserts per request) the
// embedded server takes about 1 ms per row (≈ 80 s for 100,000 rows on the benchmark machine), so the
// benchmark writes the rows straight into the server's embedded database folder before the server starts:
// the module's own `openDatabase` + `migrate` on that folder, then one INSERT … SELECT over generate_series.
// The module's row trigger stamps every row (updatedAt, version, createdAt) exactly as for a server write.
import { sql } from 'kysely'
import { migrate } from '../../src/runtime/server/db/migrate'
import { openDatabase } from '../../src/runtime/server/db/open-database'
import { toTableSpecs } from '../../src/runtime/server/table-spec'
import { BENCH_TABLES, PULL_TABLE, rowFieldsSql } from '../sync/page-api'

/** Creates the fixture's tables in the embedded database at `dataDir` and inserts `count` rows into the pull table. */
export async function seedDataDir(dataDir: string, count: number): Promise<void> {
  const database = await openDatabase({ dataDir })
  try {
    await migrate(database.db, toTableSpecs(BENCH_TABLES).values())
    await sql`insert into ${sql.id(PULL_TABLE)} ("id", "title", "done", "n", "bucket")
      select gen_random_uuid()::text, ${sql.raw(rowFieldsSql('g'))} from generate_series(0, ${sql.lit(count - 1)}) as g`.execute(database.db)
    const { rows } = await sql<{ count: string }>`select count(*) as count from ${sql.id(PULL_TABLE)}`.execute(database.db)
    if (Number(rows[0]?.count) !== count) throw new Error(`seeding: ${rows[0]?.count} rows in ${PULL_TABLE}, expected ${count}`)
  }
  finally {
    await database.close()
  }
}
