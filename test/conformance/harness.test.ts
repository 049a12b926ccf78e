import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { expect, it } from 'vitest'
import { describeWithPostgres, postgresProblem, TEST_DATABASE_URL } from '../support/postgres'
import { startHarness } from './support/harness'

const problem = await postgresProblem()

describeWithPostgres('the conformance harness on PostgreSQL', problem, () => {
  it('drops its schema and closes its connections when it fails to start', async () => {
    const schema = `conformance_failing_${randomBytes(6).toString('hex')}`
    // An index on a column the table lacks: the migration fails after the schema was created.
    const tables = { broken: { columns: { text: 'string' as const }, indexes: ['missing'] } }
    await expect(startHarness('postgres', { schema, tables })).rejects.toThrow(/missing/)
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await client.connect()
    try {
      const schemas = await client.query('select 1 from pg_namespace where nspname = $1', [schema])
      expect(schemas.rowCount).toBe(0)
      // A closed connection leaves pg_stat_activity shortly after it closes.
      let open = -1
      for (let attempt = 0; attempt < 200 && open !== 0; attempt++) {
        if (attempt) await new Promise(resolve => setTimeout(resolve, 10))
        const result = await client.query<{ count: string }>('select count(*) from pg_stat_activity where application_name = $1', [schema])
        open = Number(result.rows[0]!.count)
      }
      expect(open).toBe(0)
    }
    finally {
      await client.query(`drop schema if exists "${schema}" cascade`)
      await client.end()
    }
  })
})
