import pg from 'pg'

/** The PostgreSQL of the test machine; `OFFLINE_SYNC_TEST_POSTGRES_URL` points elsewhere. */
export const POSTGRES_URL = process.env.OFFLINE_SYNC_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** `undefined` when PostgreSQL answers a query, else why not. */
export async function postgresProblem(url = POSTGRES_URL): Promise<string | undefined> {
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

/** The same database with `search_path` set to `schema`, so unqualified tables land in that schema. */
export function urlWithSchema(url: string, schema: string): string {
  const target = new URL(url)
  target.searchParams.set('options', `-c search_path=${schema}`)
  return target.toString()
}

/** A fresh, empty schema for one test run; `drop()` removes it with every table the servers created in it. */
export async function createScratchSchema(url = POSTGRES_URL): Promise<{ name: string, url: string, drop: () => Promise<void> }> {
  const name = `offline_sync_concurrency_${process.pid}_${Date.now().toString(36)}`
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
