import { fileURLToPath } from 'node:url'
import { createTest, useTestContext } from '@nuxt/test-utils/e2e'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { IncrementalReader } from './incremental-reader'
import { createScratchSchema, describeWithPostgres, postgresProblem } from '../support/postgres'
import type { ServerProcess } from './server-process'
import { startServerProcess } from './server-process'
import { slowTransaction } from './slow-transaction'
import type { WriteCounts, WrittenState } from './writers'
import { insertHotRow, runWriter } from './writers'

// Two processes of the built fixture app share one PostgreSQL. Writers hit both while a slow transaction on
// the database commits out of start order, and an incremental reader pulls the whole time. At the end the
// reader must hold exactly what the table holds.

const TABLE = 'items'
const WRITERS = 8
const ITEMS_PER_WRITER = 30
/** Rows each slow transaction inserts: the first writes more than a page in one transaction. */
const SLOW_ROWS = [60, 1, 3]

const problem = await postgresProblem()
// Nuxt's build wraps the console (at its own log level); keep the original for the measurements.
const report = console.log.bind(console)

describeWithPostgres('two server processes on one PostgreSQL: incremental pull under concurrent writes', problem, () => {
  const fixture = createTest({
    rootDir: fileURLToPath(new URL('../fixtures/server', import.meta.url)),
    server: false,
    build: true,
    setupTimeout: 240_000,
  })
  let schema: Awaited<ReturnType<typeof createScratchSchema>>
  const servers: ServerProcess[] = []

  beforeAll(async () => {
    await fixture.beforeAll()
    const output = useTestContext().nuxt!.options.nitro.output!.dir!
    schema = await createScratchSchema('offline_sync_concurrency')
    const env = { NUXT_OFFLINE_SYNC_DATABASE_URL: schema.url, DATABASE_URL: schema.url, NODE_ENV: 'production' }
    // One after the other: the second one finds the tables the first one created.
    for (let i = 0; i < 2; i++) servers.push(await startServerProcess(`${output}/server/index.mjs`, env, `/tables/${TABLE}?$top=1`))
  }, 300_000)

  afterAll(async () => {
    for (const server of servers) await server.stop()
    await schema?.drop()
    await fixture.afterAll()
  })

  it('the reader sees every committed row, none missing', async () => {
    const started = Date.now()
    const urls = servers.map(server => server.url)
    await insertHotRow(urls[0]!, TABLE)

    const acknowledged = new Map<string, WrittenState>()
    const counts: WriteCounts = { inserts: 0, updates: 0, deletes: 0, conflicts: 0, hotUpdates: 0 }
    const reader = new IncrementalReader(TABLE, 50)
    let writing = true
    let cycles = 0
    let readError: unknown
    const reading = (async () => {
      while (writing) {
        await reader.pull(urls[cycles++ % urls.length]!)
        await new Promise(resolve => setTimeout(resolve, 5))
      }
    })().catch((error: unknown) => {
      readError = error
    })

    const writers = Array.from({ length: WRITERS }, (_, w) =>
      runWriter({ writer: `w${w}`, items: ITEMS_PER_WRITER, servers: w % 2 ? [...urls].reverse() : urls, table: TABLE, acknowledged, counts }))
    const slow = SLOW_ROWS.map((rows, s) =>
      new Promise(resolve => setTimeout(resolve, 150 + s * 500))
        .then(() => slowTransaction(schema.url, TABLE, Array.from({ length: rows }, (_, r) => `slow-${s}-${String(r).padStart(2, '0')}`), 300, 300)))
    let slowRows: { id: string, version: string }[]
    try {
      await Promise.all(writers)
      slowRows = (await Promise.all(slow)).flat()
    }
    finally {
      writing = false
      await reading
    }
    if (readError) throw readError
    const pullsWhileWriting = reader.requests
    // Everything is committed now: one more pull through each server drains what is left.
    for (const url of urls) await reader.pull(url)

    const db = new pg.Client({ connectionString: schema.url })
    await db.connect()
    const table = await db.query<{ id: string, version: string, deleted: boolean, text: string }>(`SELECT "id", "version", "deleted", "text" FROM "${TABLE}" ORDER BY "id"`)
    const bigSlow = await db.query<{ id: string }>(`SELECT "id" FROM "${TABLE}" WHERE "id" LIKE 'slow-0-%' ORDER BY "updatedAt"`)
    const stampCount = await db.query<{ rows: string, stamps: string }>(`SELECT count(*) AS "rows", count(DISTINCT "updatedAt") AS "stamps" FROM "${TABLE}"`)
    await db.end()

    const pulled = [...reader.rows.values()].map(row => ({ id: row.id, version: row.version, deleted: row.deleted, text: row.text }))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
    const missing = table.rows.filter(row => !reader.rows.has(row.id)).map(row => row.id)
    expect(missing, 'rows in the table the reader never saw').toEqual([])
    expect(pulled).toEqual(table.rows)

    // Every acknowledged write is what the table (and so the reader) holds.
    for (const [id, state] of acknowledged) {
      expect(reader.rows.get(id), id).toMatchObject({ version: state.version, deleted: state.deleted, text: state.text })
    }
    for (const row of slowRows!) expect(reader.rows.get(row.id), row.id).toMatchObject({ version: row.version, text: 'slow' })
    expect(table.rows).toHaveLength(WRITERS * ITEMS_PER_WRITER + slowRows!.length + 1)
    // Every row has its own updatedAt, also the 60 of one slow transaction (in the order it inserted them).
    expect(Number(stampCount.rows[0]!.stamps)).toBe(table.rows.length)
    expect(bigSlow.rows.map(row => row.id)).toEqual(Array.from({ length: SLOW_ROWS[0]! }, (_, r) => `slow-0-${String(r).padStart(2, '0')}`))

    // A fresh reader gets the same final state in one go.
    const fresh = new IncrementalReader(TABLE, 50)
    await fresh.pull(urls[1]!)
    expect([...fresh.rows.values()].map(row => [row.id, row.version]).sort()).toEqual(table.rows.map(row => [row.id, row.version]).sort())

    report(`[concurrency] ${counts.inserts} inserts, ${counts.updates} updates, ${counts.deletes} deletes, ${counts.conflicts} 412s, `
      + `${counts.hotUpdates} hot-row updates over ${urls.length} processes + ${SLOW_ROWS.length} slow transactions (${slowRows!.length} rows); `
      + `reader: ${reader.requests} requests (${pullsWhileWriting} while writing, ${reader.skipRequests} with $skip), ${reader.rowsReceived} rows received, `
      + `${reader.rows.size} distinct rows = ${table.rows.length} table rows; ${Date.now() - started} ms`)
  })
})
