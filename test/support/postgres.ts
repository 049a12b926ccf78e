import pg from 'pg'
import { describe, it } from 'vitest'

/** The PostgreSQL of the development and CI machines; `TEST_DATABASE_URL` points elsewhere. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'

/** `undefined` when PostgreSQL answers a query, else why not. */
export async function postgresProblem(url = TEST_DATABASE_URL): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return undefined
  }
  catch (error) {
    return `PostgreSQL at ${url} is not reachable: ${(error as Error).message}`
  }
  finally {
    await client.end().catch(() => {})
  }
}

/**
 * `describe(name, body)` when PostgreSQL is reachable (`problem` undefined). Otherwise a single test in its place
 * that fails under `CI=true` (CI must never pass without PostgreSQL) and elsewhere says why and skips.
 */
export function describeWithPostgres(name: string, problem: string | undefined, body: () => void): void {
  if (!problem) {
    describe(name, body)
    return
  }
  describe(name, () => {
    it('needs PostgreSQL', (ctx) => {
      if (process.env.CI === 'true') throw new Error(`${problem} (PostgreSQL is required under CI=true)`)
      console.warn(`[${name}] skipped: ${problem}`)
      ctx.skip(problem)
    })
  })
}

/** The same database with `search_path` set to `schema`, so unqualified tables land in that schema. */
export function urlWithSchema(url: string, schema: string): string {
  const target = new URL(url)
  target.searchParams.set('options', `-c search_path=${schema}`)
  return target.toString()
}

/** A fresh, empty schema for one test run; `drop()` removes it with every table created in it. */
export async function createScratchSchema(prefix: string, url = TEST_DATABASE_URL): Promise<{ name: string, url: string, drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  try {
    await admin.query(`CREATE SCHEMA "${name}"`)
  }
  finally {
    await admin.end()
  }
  return {
    name,
    url: urlWithSchema(url, name),
    async drop() {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`)
      }
      finally {
        await client.end()
      }
    },
  }
}
