import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { semanticSuite, TIME_ZONE } from './semantic'

const url = process.env.ODATA_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

async function reachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('select 1')
    return undefined
  }
  catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
  finally {
    await client.end().catch(() => {})
  }
}

const problem = await reachable()
if (problem && process.env.CI !== 'true') {
  console.warn(`[odata] PostgreSQL at ${url} is not reachable (${problem}): skipping the PostgreSQL semantic tests`)
}

describe.runIf(!problem)(`compileFilter on PostgreSQL (${url})`, () => {
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

describe.runIf(problem && process.env.CI === 'true')('PostgreSQL on CI', () => {
  it('is reachable', () => {
    expect.fail(`PostgreSQL at ${url} is not reachable on CI: ${problem}`)
  })
})
