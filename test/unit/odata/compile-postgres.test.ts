import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { describeWithPostgres, postgresProblem, TEST_DATABASE_URL } from '../../support/postgres'
import { semanticSuite, TIME_ZONE } from './semantic'

const url = TEST_DATABASE_URL
const problem = await postgresProblem(url)

describeWithPostgres('compileFilter on PostgreSQL', problem, () => {
  semanticSuite(async () => {
    const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c TimeZone=${TIME_ZONE}` })
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) })
    const schema = `odata_test_${process.pid}_${Date.now()}`
    await sql`create schema ${sql.id(schema)}`.execute(db)
    return {
      db,
      table: `${schema}.items`,
      close: async () => {
        await sql`drop schema ${sql.id(schema)} cascade`.execute(db)
        await db.destroy()
      },
    }
  })
})
