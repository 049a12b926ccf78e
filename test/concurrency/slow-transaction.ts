import pg from 'pg'

/**
 * A slow writer straight on PostgreSQL, beside the servers: it opens a transaction, waits (so transactions
 * that start later commit first), inserts `ids` in one statement (the table's trigger takes the table's clock
 * and stamps each row with its own `updatedAt`, in order), updates the shared `hot` row, holds the transaction
 * open a while longer and commits. A server that stamped rows at transaction start, or before commit
 * without ordering, would hand these rows an `updatedAt` below rows an incremental reader has already
 * passed, and the reader would never see them. Resolves with the committed rows' ids and versions.
 */
export async function slowTransaction(url: string, table: string, ids: string[], waitBeforeMs: number, holdMs: number): Promise<{ id: string, version: string }[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_sleep($1)', [waitBeforeMs / 1000])
    const inserted = await client.query<{ id: string, version: string }>(
      `INSERT INTO "${table}" ("id", "text", "n", "writer") SELECT unnest($1::text[]), 'slow', -1, 'slow' RETURNING "id", "version"`, [ids])
    await client.query(`UPDATE "${table}" SET "text" = $1 WHERE "id" = 'hot'`, [`hot from ${ids[0]}`])
    await client.query('SELECT pg_sleep($1)', [holdMs / 1000])
    await client.query('COMMIT')
    return inserted.rows
  }
  catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  }
  finally {
    await client.end()
  }
}
