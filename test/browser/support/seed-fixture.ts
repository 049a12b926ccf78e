// Seeds the embedded database folder of test/fixtures/reliability before its server starts (PGlite has one
// process per folder): the module's own openDatabase + migrate, then one INSERT … SELECT per table. The module's
// row trigger stamps every row (updatedAt in commit order, one millisecond apart; version; createdAt).
import { sql } from 'kysely'
import { migrate } from '../../../src/runtime/server/db/migrate'
import { openDatabase } from '../../../src/runtime/server/db/open-database'
import { toTableSpecs } from '../../../src/runtime/server/table-spec'
import { FIXTURE_TABLES, ITEMS, NOTES } from './fixture-tables'

/** Row `n` of `items` is `item-<n>` (`even` when n is), of `notes` `note-<n>`. */
export async function seedFixtureDatabase(dataDir: string, counts: { items: number, notes: number }): Promise<void> {
  const database = await openDatabase({ dataDir })
  try {
    await migrate(database.db, toTableSpecs(FIXTURE_TABLES).values())
    await sql`insert into ${sql.id(ITEMS)} ("id", "title", "n", "even")
      select 'item-' || g, 'Item ' || g, g, g % 2 = 0 from generate_series(0, ${sql.lit(counts.items - 1)}) as g`.execute(database.db)
    await sql`insert into ${sql.id(NOTES)} ("id", "title", "n", "done")
      select 'note-' || g, 'Note ' || g, g, false from generate_series(0, ${sql.lit(counts.notes - 1)}) as g`.execute(database.db)
  }
  finally {
    await database.close()
  }
}
